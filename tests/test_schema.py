"""The served schema: contract, descriptions, committed SDL, plugin sets side by side."""

import subprocess
import sys
from pathlib import Path

import pytest
from graphql import (
    build_schema,
    find_breaking_changes,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
)

from core.api.schema import SchemaConflict, export_sdl
from core.api.schema import build_schema as build_lastmile_schema
from core.plugins import PluginHost, UnknownPluginError, available_plugins
from core.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract"


def _contract(plugins: list[str]):
    parts = [(CONTRACT / f"{name}.graphql").read_text(encoding="utf-8") for name in ["core", *plugins]]
    return build_schema("\n".join(parts))


def _served(plugins: list[str] | None):
    return build_schema(export_sdl(PluginHost(plugins), get_settings()))


@pytest.mark.skipif(not CONTRACT.exists(), reason="contract folder not beside the checkout")
@pytest.mark.parametrize(
    "plugins", [[]] + [[p] for p in available_plugins() if (CONTRACT / f"{p}.graphql").exists()]
)
def test_contract_honoured(plugins):
    breaking = find_breaking_changes(_contract(plugins), _served(plugins))
    assert breaking == [], [b.description for b in breaking]


def test_every_type_field_argument_and_enum_value_is_described():
    schema = _served(None)
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not t.description and name not in {"Query", "Mutation", "Subscription"}:
            missing.append(name)
        if is_object_type(t) or is_interface_type(t) or is_input_object_type(t):
            for fname, field in t.fields.items():
                if not field.description:
                    missing.append(f"{name}.{fname}")
                for aname, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{fname}({aname})")
        if is_enum_type(t):
            for vname, value in t.values.items():
                if not value.description:
                    missing.append(f"{name}.{vname}")
    assert missing == []


def test_committed_sdl_matches_served_schema():
    committed = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_sdl(PluginHost(None), get_settings()), (
        "schema/schema.graphql is stale: run `lastmile export-schema --plugins all > schema/schema.graphql`"
    )


def test_disabled_plugins_leave_no_trace():
    core_only = _served([])
    everything = _served(None)
    extra_types = set(everything.type_map) - set(core_only.type_map)
    # The built-in plugins only: a third-party plugin installed in the same environment
    # (CI installs examples/noticeboard) is not part of this schema, enabled or not.
    for plugin in PluginHost(None).names:
        alone = _served([plugin])
        assert set(alone.type_map) - set(core_only.type_map) <= extra_types
    assert set(core_only.query_type.fields) <= set(everything.query_type.fields)
    if not CONTRACT.exists():
        return
    contract_core = _contract([])
    # Additions beyond the contract are named here, so that a new core field is a decision.
    assert set(contract_core.query_type.fields) <= set(core_only.query_type.fields)
    assert set(core_only.query_type.fields) - set(contract_core.query_type.fields) <= {
        "users",
        "auditEntries",
        "importJob",
    }  # importJob: issue 14 (ledgers)
    assert set(core_only.mutation_type.fields) - set(contract_core.mutation_type.fields) <= {
        "setUserActive",
        "importResidents",
    }


def test_unknown_plugin_names_the_available_ones():
    with pytest.raises(UnknownPluginError) as info:
        PluginHost(["no-such-plugin"])
    assert "no-such-plugin" in str(info.value)
    for name in available_plugins():
        assert name in str(info.value)


def test_cli_refuses_unknown_plugin():
    env = {"LASTMILE_PLUGINS": "nope", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "server.py"), "export-schema"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode != 0
    assert "nope" in proc.stderr and "Available plugins" in proc.stderr


def test_duplicate_field_is_an_error():
    import types

    import strawberry

    from core.hookspecs import hookimpl

    @strawberry.type(name="ClashQuery")
    class ClashQuery:
        @strawberry.field(description="clashes with core")
        def districts(self) -> int:
            return 1

    module = types.ModuleType("clash")
    module.NAME = "clash"
    module.lastmile_query_fields = hookimpl(lambda: [ClashQuery])
    with pytest.raises(SchemaConflict, match="districts"):
        build_lastmile_schema(PluginHost([], extra_modules=[module]), get_settings())
