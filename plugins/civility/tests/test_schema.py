"""The plugin adds its contract when enabled and leaves no trace when it is not."""

from __future__ import annotations

from core.api.schema import export_sdl
from core.plugins import PluginHost
from core.settings import get_settings
from core.testing import make_user, token_for

TYPE = "query($name: String!) { __type(name: $name) { name fields { name } } }"
NAMES = ("CivilityCampaign", "Nomination", "CampaignKind", "CivilityHonor", "NominationConnection")


async def test_enabled_schema_serves_the_contract_types(client):
    for name in NAMES:
        assert (await client.data(TYPE, {"name": name}))["__type"]["name"] == name
    unit = {f["name"] for f in (await client.data(TYPE, {"name": "Unit"}))["__type"]["fields"]}
    assert {"civilityHonors", "currentStarLevel"} <= unit


async def test_no_trace_without_the_plugin(core_client):
    for name in NAMES:
        assert (await core_client.data(TYPE, {"name": name}))["__type"] is None
    unit = {f["name"] for f in (await core_client.data(TYPE, {"name": "Unit"}))["__type"]["fields"]}
    assert not {"civilityHonors", "currentStarLevel"} & unit
    resident = {f["name"] for f in (await core_client.data(TYPE, {"name": "Resident"}))["__type"]["fields"]}
    assert "civilityHonors" not in resident
    token = token_for(await make_user("root", superuser=True))
    roles = (await core_client.data("{ roles { name permissions } }", token=token))["roles"]
    assert "assessor" not in {r["name"] for r in roles}
    assert not any(p.startswith("civility.") for r in roles for p in r["permissions"])


def test_sdl_mentions_civility_only_when_enabled():
    settings = get_settings()
    assert "civility" not in export_sdl(PluginHost([]), settings).lower()
    assert "type CivilityCampaign implements Node" in export_sdl(PluginHost(["civility"]), settings)
