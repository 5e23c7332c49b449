"""lastmile_exports and lastmile_http_routes from a third-party plugin module."""

from __future__ import annotations

import types

import httpx
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from core import models as m
from core.access import visible
from core.api.schema import build_runtime
from core.app import create_app
from core.hookspecs import hookimpl
from core.ledgers.exports import ExportColumn, ExportDefinition, keyset
from core.plugins import PluginHost
from core.settings import get_settings
from core.testing import build_world


async def area_rows(viewer, filters, full):
    async for batch in keyset(visible(viewer, m.Area).filter(level="COMMUNITY")):
        for area in batch:
            yield [area.name]


async def hello(request):
    return PlainTextResponse("你好")


def plugin() -> types.ModuleType:
    module = types.ModuleType("ledgerdemo")
    module.NAME = "ledgerdemo"
    module.lastmile_exports = hookimpl(
        lambda: [
            ExportDefinition("ledgerdemo.communities", "社区", (ExportColumn("name", "名称"),), area_rows)
        ]
    )
    module.lastmile_http_routes = hookimpl(lambda: [Route("/ledgerdemo/hello", hello)])
    return module


async def test_a_plugin_adds_a_list_and_a_route():
    w = await build_world()
    host = PluginHost([], extra_modules=[plugin()])
    assert [d.name for d in host.exports()][:3] == ["residents", "units", "organizations"]  # core's first
    app = create_app(get_settings(), runtime=build_runtime(get_settings(), host), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        assert (await http.get("/ledgerdemo/hello")).text == "你好"
        response = await http.get(
            "/export/ledgerdemo.communities.csv", headers={"Authorization": f"Bearer {w.tokens['c1_worker']}"}
        )
        assert response.content.decode("utf-8-sig").splitlines() == ["名称", "三湾街社区"]
