"""The plugin host: the third-party path (entry points), plugin sets side by side, Query.plugins."""

import sys
from pathlib import Path

import pytest

from core.plugins import ENTRY_POINT_GROUP, PluginHost
from tests.support import GraphQLClient, build_test_app, build_world

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
        data = await client.data('{ plugins { name version description } hello(name: "上街") }',
                                 token=w.tokens["c1_worker"])
        assert data == {"plugins": [{"name": "hello", "version": "0.1.0", "description": "Greets people (an example plugin)."}],
                        "hello": "你好, 上街!"}
        res = await client.data("query($id: ID!) { node(id: $id) { ... on Resident { greeting } } }",
                                {"id": w.gid(w.residents["zhang"])}, w.tokens["c1_worker"])
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
