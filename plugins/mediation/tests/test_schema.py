"""The plugin adds exactly its contract when enabled and leaves no trace when not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.api.schema import export_sdl
from core.plugins import PluginHost
from core.settings import get_settings

ROOT = Path(__file__).resolve().parents[3]
CHECK_CONTRACT = ROOT.parent / "shared" / "tools" / "check_contract.py"
INTROSPECT = """{ __schema { types { name fields { name } } subscriptionType { fields { name } } } }"""


def _fields(schema: dict, type_name: str) -> set[str]:
    for t in schema["types"]:
        if t["name"] == type_name:
            return {f["name"] for f in t["fields"] or []}
    return set()


async def test_enabled_schema_serves_the_contract(client):
    schema = (await client.data(INTROSPECT))["__schema"]
    assert {"disputeCase", "disputeCases", "mediationStats"} <= _fields(schema, "Query")
    assert {
        "reportDispute",
        "acceptDispute",
        "assignMediationTeam",
        "recordMediationSession",
        "resolveDispute",
        "markDisputeFailed",
        "escalateDispute",
        "completeFollowUp",
        "closeDispute",
    } <= _fields(schema, "Mutation")
    assert "disputeCaseUpdated" in {f["name"] for f in schema["subscriptionType"]["fields"]}
    assert "disputeCases" in _fields(schema, "Resident")
    assert "mediationStats" in _fields(schema, "Community")


async def test_schema_without_the_plugin_has_no_trace_of_it(app_factory):
    from core.testing import GraphQLClient

    async with GraphQLClient(app_factory(())) as core_only:
        schema = (await core_only.data(INTROSPECT))["__schema"]
    assert "disputeCases" not in _fields(schema, "Query")
    assert "reportDispute" not in _fields(schema, "Mutation")
    assert "disputeCases" not in _fields(schema, "Resident")
    assert "mediationStats" not in _fields(schema, "Community")
    names = {t["name"] for t in schema["types"]}
    assert not names & {"DisputeCase", "DisputeStatus", "MediationStats", "FollowUp", "DisputeCaseConnection"}
    names_and_fields = names | {f for t in schema["types"] for f in _fields(schema, t["name"])}
    assert not [n for n in names_and_fields if "ispute" in n or "ediation" in n or "ollowUp" in n]
    host = PluginHost([])
    assert not any(p.startswith("mediation.") for p in host.registry.permissions)
    assert host.registry.get("mediator") is None
    assert "mediation" not in host.tortoise_apps()


@pytest.mark.skipif(not CHECK_CONTRACT.exists(), reason="../shared/tools/check_contract.py not present")
def test_served_sdl_passes_the_contract_check(tmp_path):
    sdl = tmp_path / "mediation.graphql"
    sdl.write_text(export_sdl(PluginHost(["mediation"]), get_settings()), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(CHECK_CONTRACT), str(sdl), "--plugins", "mediation"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 breaking changes, 0 undescribed" in run.stdout


def test_models_match_the_migrations():
    run = subprocess.run(
        [sys.executable, "-m", "core.migration_check", "mediation"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
