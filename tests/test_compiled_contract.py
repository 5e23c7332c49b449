"""Every contract field, read through both paths: compiled and resolver answers are identical.

The corpus is generated from the served schema: one query per root field of
Query, selecting every field of every type it reaches (each type once per
path, interfaces through inline fragments), with ids of real demo objects
for required id arguments. A meta-check makes sure that together the queries
select every field of every object type of ../shared/contract (core,
mediation, civility, volunteers, demands) readable from Query, so a new contract
field cannot escape the comparison. Run as staff of several kinds and a
resident on the demo district.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    Undefined,
    build_schema,
    get_named_type,
)

from core import models as m
from core.demo import load_demo
from core.ids import encode_gid
from core.plugins import PluginHost
from core.testing import TEST_PLUGINS, GraphQLClient, token_for

pytestmark = pytest.mark.skipif(TEST_PLUGINS is not None, reason="needs every built-in plugin")

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract"
CONTRACT_FILES = [
    "core.graphql",
    "mediation.graphql",
    "civility.graphql",
    "volunteers.graphql",
    "demands.graphql",
]
USERS = ["admin", "district", "worker1", "grid1", "mediator1", "resident1"]
MAX_DEPTH = 4
LIMITS = {"max_tokens": 200_000, "max_query_depth": 60, "max_aliases": 1000}


def _required(arg) -> bool:
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


class Generator:
    """Selections of every field reachable from a root field, within MAX_DEPTH."""

    def __init__(self, schema, ids: dict[str, str]):
        self.schema = schema
        self.ids = ids
        self.covered: set[tuple[str, str]] = set()
        self.expanded: set[str] = set()

    def arg_text(self, field, return_type: str) -> str | None:
        """Arguments for the required ones (None when one cannot be supplied)."""
        parts = []
        for name, arg in field.args.items():
            if not _required(arg):
                continue
            named = get_named_type(arg.type).name
            if named != "ID" and not (isinstance(arg.type.of_type, GraphQLList)):
                return None
            if name == "id":
                gid = self.ids.get(return_type) or self.ids["Community"]
                parts.append(f'{name}: "{gid}"')
            elif name == "ids":
                parts.append(f'{name}: ["{self.ids["Community"]}", "{self.ids["Resident"]}"]')
            elif name.endswith("Id"):
                parts.append(f'{name}: "{self.ids["District"]}"')
            else:
                return None
        return "(" + ", ".join(parts) + ")" if parts else ""

    def selection(self, type_, path: tuple[str, ...]) -> str:
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            inner = ["__typename"]
            if isinstance(type_, GraphQLInterfaceType):
                inner.append(self.fields(type_, path))
            for possible in self.schema.get_possible_types(type_):
                if possible.name not in path:
                    inner.append(
                        f"... on {possible.name} {{ {self.fields(possible, path + (possible.name,))} }}"
                    )
            return " ".join(inner)
        return self.fields(type_, path)

    def fields(self, type_, path: tuple[str, ...]) -> str:
        out = []
        for name, field in type_.fields.items():
            named = get_named_type(field.type)
            args = self.arg_text(field, named.name)
            if args is None:
                continue
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                # A field no query selects yet is always expanded; otherwise no cycles, and beyond
                # MAX_DEPTH only types no query has expanded yet, so every type is read at least once.
                seen = (type_.name, name) in self.covered
                if len(path) > 14 or (
                    seen and (named.name in path or (len(path) >= MAX_DEPTH and named.name in self.expanded))
                ):
                    continue
                self.expanded.add(named.name)
                if isinstance(type_, GraphQLObjectType):
                    self.covered.add((type_.name, name))
                out.append(f"{name}{args} {{ {self.selection(named, path + (named.name,))} }}")
            else:
                out.append(f"{name}{args}")
            if isinstance(type_, GraphQLObjectType):
                self.covered.add((type_.name, name))
        return " ".join(out) or "__typename"

    def corpus(self, roots: set[str] | None = None) -> list[tuple[str, str]]:
        query = self.schema.query_type
        out = []
        for name, field in query.fields.items():
            if roots is not None and name not in roots:
                continue
            named = get_named_type(field.type)
            args = self.arg_text(field, named.name)
            if args is None:
                continue
            self.covered.add(("Query", name))
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                out.append((name, f"{{ {name}{args} {{ {self.selection(named, ('Query', named.name))} }} }}"))
            else:
                out.append((name, f"{{ {name}{args} }}"))
        return out


def _readable_contract_fields() -> set[tuple[str, str]]:
    sdl = "\n".join((CONTRACT / f).read_text(encoding="utf-8") for f in CONTRACT_FILES)
    contract = build_schema(sdl, assume_valid=True)
    seen: set[str] = set()
    todo = [contract.query_type]
    fields: set[tuple[str, str]] = set()
    while todo:
        t = todo.pop()
        if t.name in seen:
            continue
        seen.add(t.name)
        if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
            todo.extend(contract.get_possible_types(t))
        if not isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for name, field in t.fields.items():
            if isinstance(t, GraphQLObjectType):
                fields.add((t.name, name))
            named = get_named_type(field.type)
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                todo.append(named)
    return fields


@pytest.fixture
async def demo_ids():
    await load_demo(PluginHost(None), residents_target=200)
    from core.api.schema import build_runtime
    from core.settings import get_settings

    runtime = build_runtime(get_settings(), PluginHost(None))
    ids = {}
    for type_name, spec in runtime.nodes.specs.items():
        rows = spec.model.all().order_by("id").limit(50)
        for row in await rows:
            if spec.accepts is None or spec.accepts(row):
                ids[type_name] = encode_gid(type_name, row.pk)
                break
    users = {u.username: u for u in await m.User.filter(username__in=USERS)}
    return ids, {name: token_for(u) for name, u in users.items()}


async def test_every_contract_field_compiled_equals_resolvers(app_factory, demo_ids):
    ids, tokens = demo_ids
    async with (
        GraphQLClient(app_factory(None, compile_reads=False, **LIMITS)) as resolvers,
        GraphQLClient(app_factory(None, compile_debug=True, **LIMITS)) as compiled,
    ):
        schema = compiled.app.state.runtime.schema._schema if hasattr(compiled.app.state, "runtime") else None
        if schema is None:
            from core.api.schema import build_runtime
            from core.settings import get_settings

            schema = build_runtime(get_settings(), PluginHost(None)).schema._schema
        gen = Generator(schema, ids)
        readable = _readable_contract_fields()
        # The contract's root fields only: additions beside it (auditEntries' subjects of every
        # type) need aliases a generic generator does not write.
        corpus = gen.corpus({name for owner, name in readable if owner == "Query"})
        missing = readable - gen.covered
        assert not missing, f"contract fields no generated query selects: {sorted(missing)}"
        compiled_roots = set()
        for user, token in tokens.items():
            for name, query in corpus:
                a = await resolvers.post(query, None, token)
                b = await compiled.post(query, None, token)
                body_a, body_b = a.json(), b.json()
                report = (body_b.get("extensions") or {}).pop("compiled", None)
                if body_b.get("extensions") == {}:
                    body_b.pop("extensions")
                assert orjson.dumps(body_b) == orjson.dumps(body_a), (name, user, report)
                codes = {e.get("extensions", {}).get("code") for e in body_a.get("errors") or []}
                assert not codes & {"TOO_MANY_TOKENS", "QUERY_TOO_DEEP", "GRAPHQL_VALIDATION_FAILED"}, (
                    name,
                    body_a,
                )
                if report and report["fields"]:
                    compiled_roots.add(name)
        # Selecting everything reaches unmapped fields (users, hours, ...) from most roots, which then fall
        # back as a whole; these roots reach only mapped fields and must have compiled.
        assert {"communities", "organizations"} <= compiled_roots, compiled_roots
