"""A resident cannot list every household head's name by nominating and withdrawing in turn.

Residents may nominate households they cannot otherwise read, and the payload names the
nominee. Two bounds (README "Who nominates"): at most RESIDENT_NOMINEES_PER_CAMPAIGN
nominees per resident per campaign, withdrawn ones included (RATE_LIMITED after that), and a
withdrawn nomination no longer announces its nominee to residents (staff still see it).
"""

from core.enums import HouseholdRelation
from core.testing import make_resident, make_unit
from plugins.civility.services.nominations import RESIDENT_NOMINEES_PER_CAMPAIGN
from plugins.civility.tests.helpers import (
    CAMPAIGN,
    NOMINATE,
    NOMINATION,
    WITHDRAW,
    advance,
    civility_world,
    create_campaign,
    mutate,
    ok,
)

NOMINATIONS = """query($id: ID!) { civilityCampaign(id: $id) {
  nominations(first: 50) { edges { node { id status nomineeName } } } } }"""


async def test_a_resident_names_only_a_few_nominees_per_campaign(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    units = []
    for i in range(RESIDENT_NOMINEES_PER_CAMPAIGN + 2):
        unit = await make_unit(w.building1, f"9-{i + 1:03d}")
        await make_resident(unit, f"户主{i}", HouseholdRelation.HEAD)
        units.append(unit)
    campaign = await advance(client, civ, await create_campaign(client, civ))  # s1, NOMINATING
    assert (await client.data(CAMPAIGN, {"id": campaign["id"]}, t["resident"]))["civilityCampaign"]

    withdrawn = []
    for i, unit in enumerate(units[:RESIDENT_NOMINEES_PER_CAMPAIGN]):
        made = await ok(
            client,
            NOMINATE,
            {"input": {"campaignId": campaign["id"], "unitId": civ.gid(unit), "reason": "热心公益"}},
            t["resident"],
        )
        assert made["nomineeName"] == f"户主{i}" and made["unit"] is None
        gone = await ok(client, WITHDRAW, {"id": made["id"]}, t["resident"])
        # Withdrawn: no longer announced, so the withdrawing resident learns nothing more.
        assert gone["status"] == "WITHDRAWN" and gone["nomineeName"] is None
        withdrawn.append(made["id"])

    # The quota counts withdrawn nominations: the next household is refused, nothing named.
    payload = await mutate(
        client,
        NOMINATE,
        {"input": {"campaignId": campaign["id"], "reason": "热心公益", "unitId": civ.gid(units[-1])}},
        t["resident"],
    )
    assert payload["nomination"] is None and [e["code"] for e in payload["userErrors"]] == ["RATE_LIMITED"]
    assert "户主" not in str(payload)
    # Renewing one of their own withdrawn nominations is not a new name: allowed.
    renewed = await ok(
        client,
        NOMINATE,
        {"input": {"campaignId": campaign["id"], "unitId": civ.gid(units[0]), "reason": "再次提名"}},
        t["resident"],
    )
    assert renewed["status"] == "PENDING" and renewed["nomineeName"] == "户主0"

    # Residents see withdrawn nominations without a name; staff see every name.
    seen = await client.data(NOMINATIONS, {"id": campaign["id"]}, t["resident"])
    names = {
        e["node"]["id"]: e["node"]["nomineeName"] for e in seen["civilityCampaign"]["nominations"]["edges"]
    }
    assert names[withdrawn[0]] == "户主0"  # renewed: announced again
    assert all(names[n] is None for n in withdrawn[1:])
    staff = await client.data(NOMINATION, {"id": withdrawn[1]}, t["s1_manager"])
    assert staff["nomination"]["nomineeName"] == "户主1"

    # Another resident of the area has a quota of their own.
    other = await ok(
        client,
        NOMINATE,
        {"input": {"campaignId": campaign["id"], "unitId": civ.gid(units[-1]), "reason": "热心公益"}},
        t["wang"],
    )
    assert other["nomineeName"] == f"户主{len(units) - 1}"
