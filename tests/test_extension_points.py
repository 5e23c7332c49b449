"""Extension points a plugin declares itself: fields on every Area level at once, public root
fields, its own argument descriptions (docs/plugins.md, "Reference: hooks")."""

import types
from typing import Annotated

import strawberry
from strawberry.types import Info

from core.api.schema import AREA_LEVELS, build_runtime
from core.api.security import public
from core.app import create_app
from core.hookspecs import hookimpl
from core.plugins import PluginHost
from core.settings import get_settings
from core.testing import GraphQLClient, build_world


@strawberry.type(name="PlaqueAreaFields", description="Plaque fields of every area.")
class PlaqueAreaFields:
    @strawberry.field(description="The text of the area's plaque.")
    def plaque(self) -> str:
        return f"[{self.name}]"


@strawberry.type(description="Plaque queries.")
class PlaqueQuery:
    @strawberry.field(description="Opening hours of the service hall; no sign-in needed.", metadata=public())
    def opening_hours(self, info: Info) -> str:
        return "anonymous" if not info.context.viewer.authenticated else "signed in"

    @strawberry.field(description="Says hello; signed-in callers only.")
    def plaque_greeting(
        self, name: Annotated[str, strawberry.argument(description="Whom the plaque greets.")]
    ) -> str:
        return f"你好, {name}"


def plaque_plugin():
    module = types.ModuleType("test_plugin_plaque")
    module.NAME = "plaque"

    def lastmile_type_extensions():
        return {"Area": [PlaqueAreaFields]}

    def lastmile_query_fields():
        return [PlaqueQuery]

    for fn in (lastmile_type_extensions, lastmile_query_fields):
        setattr(module, fn.__name__, hookimpl(fn))
    return module


def plaque_app():
    settings = get_settings()
    runtime = build_runtime(settings, PluginHost([], extra_modules=[plaque_plugin()]))
    return create_app(settings, runtime=runtime, manage_db=False), runtime


async def test_one_mixin_under_area_extends_all_five_levels():
    app, runtime = plaque_app()
    for name in AREA_LEVELS:
        assert "plaque" in runtime.schema._schema.type_map[name].fields, name
    assert "plaque" not in runtime.schema._schema.type_map["Unit"].fields
    w = await build_world()
    async with GraphQLClient(app) as client:
        data = await client.data(
            "query($d: ID!, $c: ID!) { d: node(id: $d) { ... on District { plaque } }"
            " c: node(id: $c) { ... on Community { plaque } } }",
            {"d": w.gid(w.district), "c": w.gid(w.c1)},
            w.tokens["super"],
        )
    assert data == {"d": {"plaque": f"[{w.district.name}]"}, "c": {"plaque": f"[{w.c1.name}]"}}


async def test_a_root_field_the_plugin_declares_public_answers_anonymous_callers():
    app, _ = plaque_app()
    w = await build_world()
    async with GraphQLClient(app) as client:
        assert await client.data("{ openingHours }") == {"openingHours": "anonymous"}
        assert await client.data("{ openingHours }", token=w.tokens["c1_worker"]) == {
            "openingHours": "signed in"
        }
        refused = await client('{ openingHours plaqueGreeting(name: "x") }', errors_ok=True)
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "plaqueGreeting" in refused["errors"][0]["message"]
        assert "openingHours" not in refused["errors"][0]["message"]
        # core's own public fields are declared the same way
        assert (await client.data("{ me { id } plugins { name } }")) == {
            "me": None,
            "plugins": [{"name": "plaque"}],
        }


async def test_a_plugin_argument_keeps_the_description_the_plugin_gave():
    app, runtime = plaque_app()
    arg = runtime.schema._schema.query_type.fields["plaqueGreeting"].args["name"]
    assert arg.description == "Whom the plaque greets."
