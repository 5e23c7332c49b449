"""Every mutation of the served schema, as every role, answers with codes: never an internal error.

The mutations are read from the served schema (introspection), so a mutation added to core
or to a built-in plugin is covered without touching this file. Arguments are made up from
their types and names: global ids of real rows (preferably ones the acting account can see,
so that the call gets past NOT_FOUND into the rule it checks), valid ID and phone numbers,
dates, enum values. Each mutation runs twice per role: with the required arguments only and
with every argument and input field filled in. A refusal (userErrors, or a GraphQL error
with extensions.code) is fine; an INTERNAL_SERVER_ERROR, a 5xx or an error without a code is
not. The data is the demo district (every plugin's demo data included), loaded once; the
roles act one after the other, least privileged first.

Found this way: setVolunteerStatus by an account linked to a resident failed on PostgreSQL
with "FOR UPDATE cannot be applied to the nullable side of an outer join" (core.services.guards).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    build_client_schema,
    get_introspection_query,
)

from core import models as m
from core.access import visible
from core.auth import viewer_for_user
from core.demo import load_demo
from core.ids import _TYPE_NAMERS, decode_gid, encode_gid, gid_of
from core.plugins import PluginHost
from core.testing import TEST_PLUGINS, make_user, token_for
from core.validation import make_id_number

# Argument names (without Id/Ids) that do not name their type.
ALIASES = {
    "leader": "Volunteer",
    "caseOwner": "User",
    "user": "User",
    "parent": "Community",
    "area": "Community",
    "partnerCommunity": "Community",
    "organization": "Organization",
}
STRONG_PASSWORD = "Matrix-Pa55word-for-tests!"
_counter = itertools.count(1)


def _stem(name: str) -> str | None:
    match = re.fullmatch(r"(.+?)Ids?", name)
    return match.group(1) if match else None


class Pool:
    """Global ids of real rows by GraphQL type name, and which of them a viewer sees."""

    def __init__(self):
        self.by_type: dict[str, list[str]] = {}
        self.models: dict[str, type] = {}

    async def fill(self, protected_users: set[int]):
        for model, namer in _TYPE_NAMERS.items():
            qs = model.all()
            if model is m.User:
                qs = qs.exclude(id__in=sorted(protected_users))
            for row in await qs.order_by("id").limit(400):
                name = namer(row)
                self.by_type.setdefault(name, []).append(gid_of(row))
                self.models[name] = model

    def type_for(self, arg: str, mutation: str) -> str | None:
        stem = _stem(arg) if arg not in ("id", "ids") else None
        if arg in ("id", "ids"):
            # updateResident -> Resident, markNotificationsRead -> Notification, deleteArea -> Community
            names = sorted((n for n in self.by_type if n.lower() in mutation.lower()), key=len, reverse=True)
            if names:
                return names[0]
            stem = "area" if "Area" in mutation else None
        if stem is None:
            return None
        if stem in ALIASES:
            return ALIASES[stem]
        matches = [n for n in self.by_type if n.lower().endswith(stem.lower())]
        return min(matches, key=len) if matches else None

    async def pick(self, viewer, type_name: str | None) -> str:
        if type_name is None or type_name not in self.by_type:
            return encode_gid("Unknown", 1)  # names nothing
        gids = self.by_type[type_name]
        model = self.models[type_name]
        if viewer is not None:
            pks = [int(decode_gid(g)[1]) for g in gids]
            seen = set(await visible(viewer, model).filter(id__in=pks).values_list("id", flat=True))
            for gid, pk in zip(gids, pks, strict=True):
                if pk in seen:
                    return gid
        return gids[0]


def _unwrap(t):
    required = isinstance(t, GraphQLNonNull)
    return (t.of_type if required else t), required


async def _value(pool: Pool, viewer, mutation: str, name: str, t, full: bool):
    t, _ = _unwrap(t)
    if isinstance(t, GraphQLList):
        return [await _value(pool, viewer, mutation, name, t.of_type, full)]
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        out = {}
        for field_name, f in t.fields.items():
            if full or isinstance(f.type, GraphQLNonNull):
                out[field_name] = await _value(pool, viewer, mutation, field_name, f.type, full)
        return out
    assert isinstance(t, GraphQLScalarType)
    n = next(_counter)
    now = dt.datetime.now(dt.UTC)
    lname = name.lower()
    match t.name:
        case "ID":
            return await pool.pick(viewer, pool.type_for(name, mutation))
        case "Int":
            return {"year": now.year, "stars": 1, "builtyear": 2000, "floors": 6}.get(lname, 1)
        case "Float":
            return 1.0
        case "Boolean":
            return True
        case "Date":
            return dt.date.today().isoformat()
        case "DateTime":
            hours = 26 if "end" in lname else 24 if "start" in lname else 0
            return (now + dt.timedelta(hours=hours)).isoformat()
        case _:
            if "password" in lname:
                return STRONG_PASSWORD
            if "username" in lname:
                return f"matrix_user_{n}"
            if lname == "idnumber":
                return make_id_number("410106", dt.date(1970, 1, 1) + dt.timedelta(days=n), n)
            if "phone" in lname:
                return f"139{n:08d}"
            if lname == "clientmutationid":
                return f"matrix-{n}"
            return f"矩阵测试{n}"


def _operation(name: str, field, values: dict) -> tuple[str, dict]:
    params = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items() if a in values)
    args = ", ".join(f"{a}: ${a}" for a in field.args if a in values)
    returned, _ = _unwrap(field.type)
    while isinstance(returned, GraphQLList | GraphQLNonNull):
        returned = returned.of_type
    selection = "__typename"
    if hasattr(returned, "fields") and "userErrors" in returned.fields:
        selection = "__typename userErrors { code field message }"
    head = f"mutation Matrix({params})" if params else "mutation Matrix"
    call = f"{name}({args})" if args else name
    return f"{head} {{ {call} {{ {selection} }} }}", values


async def _actors(host: PluginHost, demo) -> list[tuple[str, m.User | None]]:
    """One account per role of the deployment (demo accounts where there are some), a superuser, anonymous."""
    community = demo.communities[0]
    holders = {}
    for grant in await m.RoleGrant.all().order_by("id"):
        holders.setdefault(grant.role, grant.user_id)
    actors: list[tuple[str, m.User | None]] = [("anonymous", None)]
    order = ["resident", "grid_worker", "community_worker", "area_manager", "admin"]
    roles = sorted(host.registry.all(), key=lambda r: order.index(r.name) if r.name in order else 1.5)
    for role in roles:
        if role.name in holders:
            user = await m.User.get(id=holders[role.name])
        else:
            user = await make_user(f"matrix_{role.name}", [(role.name, community)])
        actors.append((role.name, user))
    actors.append(("superuser", await m.User.get(username="admin")))
    return actors


def _problems(body, status: int) -> list[str]:
    if status >= 500:
        return [f"HTTP {status}"]
    out = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not code or code == "INTERNAL_SERVER_ERROR":
            out.append(f"{code}: {error.get('message')}")
    return out


async def test_every_mutation_as_every_role_answers_with_codes(client):
    host = PluginHost(TEST_PLUGINS)
    demo = await load_demo(host, residents_target=80)
    actors = await _actors(host, demo)
    pool = Pool()
    await pool.fill({u.id for _, u in actors if u is not None})
    resp = await client.post(get_introspection_query(), token=token_for(actors[-1][1]))
    schema = build_client_schema(resp.json()["data"])
    mutations = schema.mutation_type.fields
    assert len(mutations) >= 50  # core's and the built-in plugins'

    failures, calls, refused = [], 0, 0
    for role, user in actors:
        token = token_for(user) if user is not None else None
        viewer = await viewer_for_user(user, host.registry) if user is not None else None
        for name, field in sorted(mutations.items()):
            for full in (False, True):
                values = {}
                for arg_name, arg in field.args.items():
                    if full or isinstance(arg.type, GraphQLNonNull):
                        values[arg_name] = await _value(pool, viewer, name, arg_name, arg.type, full)
                query, variables = _operation(name, field, values)
                http = await client.post(query, variables, token)
                body = http.json()
                calls += 1
                payload = (body.get("data") or {}).get(name) or {}
                refused += bool(body.get("errors") or payload.get("userErrors"))
                for problem in _problems(body, http.status_code):
                    failures.append(f"{role} {name}{' (all fields)' if full else ''}: {problem}")
    assert not failures, "\n".join(failures)
    assert calls == 2 * len(mutations) * len(actors)
    # The arguments are plausible: some calls get through (measured: 135 of 1,120; most
    # roles are refused most mutations, as they should be).
    assert calls - refused >= calls // 20
