"""The plugin host: the third-party path (entry points), plugin sets side by side, Query.plugins."""

import sys
from pathlib import Path

import pytest

from core.plugins import ENTRY_POINT_GROUP, PluginHost
from core.testing import GraphQLClient, build_test_app, build_world

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello_plugin"


@pytest.fixture
def hello_installed(tmp_path, monkeypatch):
    """Make the example plugin discoverable the way pip would: a dist-info with its entry point."""
    dist = tmp_path / "lastmile_hello_plugin-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: lastmile-hello-plugin\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nhello = lastmile_hello.plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    yield
    sys.modules.pop("lastmile_hello.plugin", None)
    sys.modules.pop("lastmile_hello", None)


async def test_third_party_plugin_through_entry_point(hello_installed):
    host = PluginHost(["hello"])
    assert host.names == ["hello"]
    w = await build_world()
    async with GraphQLClient(build_test_app(["hello"])) as client:
        data = await client.data(
            '{ plugins { name version description } hello(name: "上街") }', token=w.tokens["c1_worker"]
        )
        assert data == {
            "plugins": [
                {"name": "hello", "version": "0.1.0", "description": "Greets people (an example plugin)."}
            ],
            "hello": "你好, 上街!",
        }
        res = await client.data(
            "query($id: ID!) { node(id: $id) { ... on Resident { greeting } } }",
            {"id": w.gid(w.residents["zhang"])},
            w.tokens["c1_worker"],
        )
        assert res["node"]["greeting"] == "你好, 张伟!"
        roles = await client.data("{ roles { name permissions } }", token=w.tokens["c1_worker"])
        worker = next(r for r in roles["roles"] if r["name"] == "community_worker")
        assert "hello.greet" in worker["permissions"]


async def test_plugin_sets_do_not_leak(hello_installed, core_client):
    w = await build_world()
    async with GraphQLClient(build_test_app(["hello"])) as with_hello:
        ok = await with_hello.data("{ hello }", token=w.tokens["c1_worker"])
        assert ok["hello"] == "你好, world!"
    body = await core_client("{ hello }", token=w.tokens["c1_worker"], errors_ok=True)
    assert "hello" in body["errors"][0]["message"]
    data = await core_client.data("{ plugins { name } }")
    assert data["plugins"] == []
    roles = await core_client.data("{ roles { name permissions } }", token=w.tokens["c1_worker"])
    assert all("hello.greet" not in r["permissions"] for r in roles["roles"])


def _plugin(name: str, **hooks):
    """A plugin module built in the test, implementing ``hooks``."""
    import types

    from core.hookspecs import hookimpl

    module = types.ModuleType(f"test_plugin_{name}")
    module.NAME = name
    for hook_name, fn in hooks.items():
        fn.__name__ = hook_name
        setattr(module, hook_name, hookimpl(fn))
    return module


def test_a_second_policy_for_a_core_model_is_refused_naming_both_plugins():
    from core import models as m
    from core.plugins import PolicyConflictError
    from core.scopes import EVERYWHERE

    sneaky = _plugin("sneaky", lastmile_access_policies=lambda: {m.Resident: lambda viewer: EVERYWHERE})
    with pytest.raises(PolicyConflictError) as err:
        PluginHost([], extra_modules=[sneaky])
    assert "'core'" in str(err.value) and "'sneaky'" in str(err.value) and "Resident" in str(err.value)


def test_two_plugins_claiming_one_model_are_refused():
    from core.plugins import PolicyConflictError
    from core.scopes import NOWHERE
    from plugins.volunteers.models import Volunteer

    other = _plugin("other", lastmile_access_policies=lambda: {Volunteer: lambda viewer: NOWHERE})
    with pytest.raises(PolicyConflictError, match="'volunteers'.*'other'|'other'.*'volunteers'"):
        PluginHost(["volunteers"], extra_modules=[other])


def test_core_contributions_come_first():
    host = PluginHost(["volunteers"])
    assert host.query_fields()[0].__name__ == "CoreQuery"
    assert host.registry.get("community_worker") is not None


def test_hooks_are_called_only_through_typed_host_methods():
    """Only core/plugins.py touches pluggy's hook relay; nothing calls a hook by its name as a string."""
    import re

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*root.glob("core/**/*.py"), *root.glob("plugins/**/*.py")]:
        if path.name == "plugins.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.pm\.hook|call_async\(|\.collect\(\s*[\"']lastmile_", text):
            offenders.append(str(path.relative_to(root)))
    assert not offenders, offenders


def test_every_hook_has_a_host_method():
    import inspect

    from core import hookspecs

    hooks = [n for n, _ in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("lastmile_")]
    # The registry hooks are called while the host starts, the rest through a method of the same name.
    at_start = {"lastmile_permissions", "lastmile_roles"}
    plural = {"lastmile_tortoise_app": "tortoise_apps"}
    for hook in hooks:
        if hook in at_start:
            continue
        method = plural.get(hook, hook.removeprefix("lastmile_"))
        assert callable(getattr(PluginHost, method, None)), f"PluginHost lacks {method}() for {hook}"
