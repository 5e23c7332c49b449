"""Acceptance checks of core as a front-end team meets it: the contract and the issues taken literally.

Every refusal is a userError with a stable code or a GraphQL error with an
``extensions.code``, never an internal error, and never a half-written change.
"""

import base64
import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

from core import clock
from core import models as m
from core.testing import build_world, count_statements, make_unit, make_user, token_for
from core.validation import make_id_number

_ROOT = Path(__file__).resolve().parent.parent

REGISTER = """
mutation($input: RegisterResidentInput!) {
  registerResident(input: $input) { resident { id name tags movedInOn } userErrors { field code message } }
}"""
MOVE = """
mutation($input: MoveResidentInput!) {
  moveResident(input: $input) { resident { id movedInOn unit { label } } userErrors { field code message } }
}"""
MOVE_OUT = """
mutation($input: MoveOutResidentInput!) {
  moveOutResident(input: $input) { resident { id status movedOutOn } userErrors { field code message } }
}"""
CREATE_AREA = """
mutation($input: CreateAreaInput!) { createArea(input: $input) { area { id name } userErrors { field code message } } }
"""
UPDATE_AREA = """
mutation($input: UpdateAreaInput!) { updateArea(input: $input) { area { id name } userErrors { field code message } } }
"""
CREATE_ORG = """
mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } userErrors { field code message } }
}"""
CREATE_USER = """
mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { field code message } } }
"""
GRANT = """
mutation($input: GrantRoleInput!) {
  grantRole(input: $input) { user { id username roles { role { name } } } userErrors { field code message } }
}"""
REVOKE = """
mutation($input: GrantRoleInput!) {
  revokeRole(input: $input) { user { id roles { role { name } } } userErrors { field code message } }
}"""


def _gid(type_name: str, pk) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def _assert_coded(body: dict) -> None:
    """Every GraphQL error carries an extensions.code and none is an internal error."""
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code"), body
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", body


async def test_deprecated_directive_locations_are_readable_by_graphql_core_3_2_clients(core_client):
    """check_contract.py (and any client on graphql-core 3.2 / older tooling) rebuilds the schema from
    introspection; a directive location those clients do not know makes build_client_schema crash."""
    body = await core_client("{ __schema { directives { name locations } } }")
    known = {
        "QUERY",
        "MUTATION",
        "SUBSCRIPTION",
        "FIELD",
        "FRAGMENT_DEFINITION",
        "FRAGMENT_SPREAD",
        "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION",
        "SCHEMA",
        "SCALAR",
        "OBJECT",
        "FIELD_DEFINITION",
        "ARGUMENT_DEFINITION",
        "INTERFACE",
        "UNION",
        "ENUM",
        "ENUM_VALUE",
        "INPUT_OBJECT",
        "INPUT_FIELD_DEFINITION",
    }
    for directive in body["data"]["__schema"]["directives"]:
        assert set(directive["locations"]) <= known, directive

    # A client of the newer generation (graphql-core 3.3 asks `queryType { name kind }`) gets the
    # schema as its own library defines it: no breaking change against the contract either.
    from graphql import build_client_schema, build_schema, find_breaking_changes, get_introspection_query

    body = await core_client(get_introspection_query(descriptions=True))
    served = build_client_schema(body["data"])
    contract = _ROOT.parent / "shared" / "contract" / "core.graphql"
    if contract.exists():
        assert find_breaking_changes(build_schema(contract.read_text(encoding="utf-8")), served) == []


async def test_oversized_strings_are_user_errors_and_write_nothing(core_client):
    w = await build_world()
    tok = w.tokens["super"]
    areas_before = await m.Area.all().count()
    cases = [
        (
            {"level": "COMMUNITY", "parentId": w.gid(w.s1), "name": "新社区", "code": "9" * 33},
            ["input", "code"],
        ),
        (
            {"level": "COMPOUND", "parentId": w.gid(w.c1), "name": "新小区", "address": "路" * 301},
            ["input", "address"],
        ),
    ]
    for data, field in cases:
        body = await core_client(CREATE_AREA, {"input": data}, tok, errors_ok=True)
        assert "errors" not in body, body
        assert body["data"]["createArea"]["userErrors"][0]["code"] == "INVALID_INPUT", body
        assert body["data"]["createArea"]["userErrors"][0]["field"] == field
    for data, field in [
        ({"code": "9" * 33}, ["input", "code"]),
        ({"address": "路" * 301}, ["input", "address"]),
    ]:
        body = await core_client(
            UPDATE_AREA, {"input": {"id": w.gid(w.compound1), **data}}, tok, errors_ok=True
        )
        assert "errors" not in body, body
        assert body["data"]["updateArea"]["userErrors"][0]["code"] == "INVALID_INPUT"
        assert body["data"]["updateArea"]["userErrors"][0]["field"] == field
    assert await m.Area.all().count() == areas_before

    body = await core_client(
        CREATE_ORG,
        {"input": {"name": "区卫健委", "kind": "GOVERNMENT_DEPARTMENT", "contactName": "王" * 101}},
        tok,
        errors_ok=True,
    )
    assert "errors" not in body, body
    assert body["data"]["createOrganization"]["userErrors"][0]["field"] == ["input", "contactName"]
    assert not await m.Organization.exists()

    residents_before = await m.Resident.all().count()
    body = await core_client(
        REGISTER,
        {"input": {"name": "赵六", "unitId": w.gid(w.unit1), "clientMutationId": "k" * 200}},
        tok,
        errors_ok=True,
    )
    assert "errors" not in body, body
    assert body["data"]["registerResident"]["userErrors"][0]["field"] == ["input", "clientMutationId"]
    assert body["data"]["registerResident"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert await m.Resident.all().count() == residents_before


async def test_tags_are_kept_as_given_or_refused(core_client):
    """A tag is stored exactly as sent: one tag never silently becomes two, and junk is refused."""
    w = await build_world()
    tok = w.tokens["c1_worker"]
    before = await m.Resident.all().count()
    for tags, index in [(["veteran", "a|b"], "1"), (["x" * 51], "0"), (["veteran", "  "], "1")]:
        body = await core_client(
            REGISTER, {"input": {"name": "赵六", "unitId": w.gid(w.unit1), "tags": tags}}, tok
        )
        errors = body["data"]["registerResident"]["userErrors"]
        assert [e["code"] for e in errors] == ["INVALID_INPUT"], (tags, body)
        assert errors[0]["field"] == ["input", "tags", index]
    assert await m.Resident.all().count() == before
    body = await core_client(
        REGISTER,
        {"input": {"name": "赵六", "unitId": w.gid(w.unit1), "tags": [" elderly-alone ", "low-income"]}},
        tok,
    )
    assert body["data"]["registerResident"]["resident"]["tags"] == ["elderly-alone", "low-income"]
    update = """mutation($input: UpdateResidentInput!) { updateResident(input: $input) {
        resident { tags } userErrors { field code } } }"""
    body = await core_client(update, {"input": {"id": w.gid(w.residents["zhang"]), "tags": ["a|b"]}}, tok)
    assert body["data"]["updateResident"]["userErrors"] == [
        {"field": ["input", "tags", "0"], "code": "INVALID_INPUT"}
    ]


async def test_dates_in_the_future_are_refused(core_client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    future = (clock.today() + dt.timedelta(days=400)).isoformat()
    body = await core_client(
        REGISTER, {"input": {"name": "赵六", "unitId": w.gid(w.unit1), "movedInOn": future}}, tok
    )
    assert body["data"]["registerResident"]["userErrors"][0]["field"] == ["input", "movedInOn"]
    assert body["data"]["registerResident"]["userErrors"][0]["code"] == "INVALID_INPUT"

    zhang = w.gid(w.residents["zhang_wife"])
    body = await core_client(MOVE_OUT, {"input": {"residentId": zhang, "movedOutOn": future}}, tok)
    assert body["data"]["moveOutResident"]["userErrors"][0]["field"] == ["input", "movedOutOn"]
    assert (await m.Resident.get(id=w.residents["zhang_wife"].id)).status.value == "ACTIVE"

    unit = await make_unit(w.building1, "1-102")
    body = await core_client(
        MOVE, {"input": {"residentId": zhang, "unitId": _gid("Unit", unit.id), "movedOn": future}}, tok
    )
    assert body["data"]["moveResident"]["userErrors"][0]["field"] == ["input", "movedOn"]
    # Moving in before one was born is as wrong.
    body = await core_client(
        MOVE, {"input": {"residentId": zhang, "unitId": _gid("Unit", unit.id), "movedOn": "1900-01-01"}}, tok
    )
    assert body["data"]["moveResident"]["userErrors"][0]["field"] == ["input", "movedOn"]
    assert (await m.Resident.get(id=w.residents["zhang_wife"].id)).unit_id == w.unit1.id


async def test_age_and_search_filters_out_of_range_are_client_errors(core_client):
    w = await build_world()
    tok = w.tokens["super"]
    query = "query($f: ResidentFilter) { residents(filter: $f) { totalCount } }"
    for f in [
        {"minAge": 100000},
        {"maxAge": 100000},
        {"minAge": -1},
        {"maxAge": -3},
        {"search": "x" * 100000},
    ]:
        body = await core_client(query, {"f": f}, tok, errors_ok=True)
        assert body.get("errors"), (f, body)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"], (f, body)
    body = await core_client(query, {"f": {"minAge": 0, "maxAge": 150}}, tok)
    assert body["data"]["residents"]["totalCount"] == 4
    community = """query($id: ID!, $f: ResidentFilter) { node(id: $id) { ... on Community {
        residents(filter: $f) { totalCount } } } }"""
    body = await core_client(community, {"id": w.gid(w.c1), "f": {"maxAge": 100000}}, tok, errors_ok=True)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"], body


async def test_huge_ids_read_as_not_found(core_client):
    """A global id naming a number beyond the id column's range is just an unknown id."""
    w = await build_world()
    tok = w.tokens["super"]
    huge = _gid("Resident", 10**20)
    body = await core_client(
        "query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }", {"id": huge}, tok, errors_ok=True
    )
    assert body == {"data": {"node": None, "nodes": [None]}}, body
    body = await core_client(
        "query($id: ID!) { area(id: $id) { id } }", {"id": _gid("Community", 2**31)}, tok, errors_ok=True
    )
    assert body == {"data": {"area": None}}, body
    body = await core_client(
        """query($id: ID!) { areas(parentId: $id) { totalCount }
        communities(subdistrictId: $id) { totalCount } units(buildingId: $id) { totalCount }
        organizations(communityId: $id) { totalCount } residents(filter: {areaId: $id, unitId: $id}) { totalCount } }""",
        {"id": _gid("Subdistrict", 2**40)},
        tok,
        errors_ok=True,
    )
    assert "errors" not in body, body
    body = await core_client(
        """mutation($id: ID!) { updateResident(input: {id: $id, name: "x"}) {
        userErrors { field code } } }""",
        {"id": huge},
        tok,
        errors_ok=True,
    )
    assert body["data"]["updateResident"]["userErrors"] == [
        {"field": ["input", "id"], "code": "NOT_FOUND"}
    ], body
    body = await core_client(
        "mutation($id: ID!) { markNotificationsRead(ids: [$id]) }",
        {"id": _gid("Notification", 10**20)},
        tok,
        errors_ok=True,
    )
    assert body == {"data": {"markNotificationsRead": 0}}, body


async def test_request_errors_carry_a_code(core_client):
    w = await build_world()
    tok = w.tokens["super"]
    cases = [
        ("{ residents { totalCount ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ residentz { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "mutation($i: CreateUnitInput!) { createUnit(input: $i) { unit { id } } }",
            {"i": {"buildingId": w.gid(w.building1), "label": "9", "usage": "NOPE"}},
            "BAD_USER_INPUT",
        ),
        (
            "mutation($i: RegisterResidentInput!) { registerResident(input: $i) { resident { id } } }",
            {"i": {"name": "x", "unitId": w.gid(w.unit1), "birthDate": "1990-13-01"}},
            "BAD_USER_INPUT",
        ),
    ]
    for query, variables, code in cases:
        body = await core_client(query, variables, tok, errors_ok=True)
        assert [e.get("extensions", {}).get("code") for e in body["errors"]] == [code], body


async def test_area_managers_manage_accounts_the_superuser_made_and_granted(core_client):
    """The superuser creates an account (no areaId: the contract has none) and grants it a community role;
    the subdistrict's area manager, who holds user.manage there, can then see and revoke it."""
    w = await build_world()
    boss = w.tokens["super"]
    body = await core_client(
        CREATE_USER,
        {"input": {"username": "cw9", "password": "amber kettle orbit 91", "displayName": "CW9"}},
        boss,
    )
    user_id = body["data"]["createUser"]["user"]["id"]
    grant = {"userId": user_id, "role": "community_worker", "areaId": w.gid(w.c1)}
    assert (await core_client(GRANT, {"input": grant}, boss))["data"]["grantRole"]["userErrors"] == []

    manager = w.tokens["s1_manager"]
    body = await core_client(
        "query($id: ID!) { node(id: $id) { ... on User { username } } }", {"id": user_id}, manager
    )
    assert body["data"]["node"] == {"username": "cw9"}
    body = await core_client(REVOKE, {"input": grant}, manager)
    assert (
        body["data"]["revokeRole"]["userErrors"] == [] and body["data"]["revokeRole"]["user"]["roles"] == []
    )
    # A community worker of another subdistrict still cannot see the account.
    other = await make_user("c3_worker", [("community_worker", w.c3)])
    body = await core_client("query($id: ID!) { node(id: $id) { id } }", {"id": user_id}, token_for(other))
    assert body["data"]["node"] is None


def test_create_admin_resets_a_locked_account(tmp_path):
    db = "sqlite://" + str(tmp_path / "admin.sqlite3")
    env = {"DATABASE_URL": db, "LASTMILE_PLUGINS": "", "PATH": "/usr/bin:/bin"}
    from core.login_limits import ACCOUNT, subject_key

    run = [sys.executable, "-m", "core.cli", "create-admin", "boss", "--password", "amber kettle orbit 91"]
    subprocess.run(run, env=env, check=True, capture_output=True, cwd=str(_ROOT))
    con = sqlite3.connect(str(tmp_path / "admin.sqlite3"))
    con.execute(
        "INSERT INTO core_login_attempt (subject, failures, expires_at_ms) VALUES (?, 99, 32503680000000)",
        [subject_key(ACCOUNT, "boss")],
    )
    con.commit()
    subprocess.run(run, env=env, check=True, capture_output=True, cwd=str(_ROOT))
    assert con.execute("SELECT count(*) FROM core_login_attempt").fetchall() == [(0,)]
    con.close()


def test_create_admin_refuses_a_weak_password(tmp_path):
    env = {
        "DATABASE_URL": "sqlite://" + str(tmp_path / "weak.sqlite3"),
        "LASTMILE_PLUGINS": "",
        "PATH": "/usr/bin:/bin",
    }
    for weak, why in (
        ("boss-password-1", "username"),
        ("password123", "breaches"),
        ("qwertyuiop", "breaches"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "core.cli", "create-admin", "boss", "--password", weak],
            env=env,
            capture_output=True,
            text=True,
            cwd=str(_ROOT),
        )
        assert proc.returncode != 0 and why in proc.stderr, proc.stderr
    assert not (tmp_path / "weak.sqlite3").exists()  # refused before touching the database


def test_export_schema_names_the_option_that_was_wrong():
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "export-schema", "--plugins", "nope"],
        capture_output=True,
        text=True,
        cwd=str(_ROOT),
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode != 0
    assert "--plugins" in proc.stderr and "civility" in proc.stderr, proc.stderr


async def test_new_passwords_have_a_maximum_length(core_client):
    w = await build_world()
    body = await core_client(
        CREATE_USER,
        {"input": {"username": "big", "password": "p" * 5000, "displayName": "Big"}},
        w.tokens["super"],
    )
    assert body["data"]["createUser"]["userErrors"][0]["field"] == ["input", "password"]
    assert not await m.User.filter(username="big").exists()


async def test_id_numbers_of_every_kind_register(core_client):
    """Lower-case x check digits are normalised; the stored number is the canonical one."""
    w = await build_world()
    for n in range(1000):
        value = make_id_number("410106", dt.date(1990, 1, 1), n)
        if value.endswith("X"):
            break
    body = await core_client(
        """mutation($i: RegisterResidentInput!) { registerResident(input: $i) {
        resident { idNumber } userErrors { code } } }""",
        {"i": {"name": "x", "unitId": w.gid(w.unit1), "idNumber": value.lower()}},
        w.tokens["c1_worker"],
    )
    assert body["data"]["registerResident"]["resident"]["idNumber"] == value


async def test_organizations_filtered_by_an_out_of_scope_community_read_as_unknown(core_client):
    """Filtering by a community the viewer cannot see is filtering by an unknown id: no rows, so the
    partnerships of that community do not leak through the organisation directory."""
    w = await build_world()
    org = await m.Organization.create(name="区卫健委", kind="GOVERNMENT_DEPARTMENT")
    await m.PartnerLink.create(organization=org, community=w.c1)
    query = "query($c: ID!) { organizations(communityId: $c) { totalCount edges { node { name } } } }"
    body = await core_client(query, {"c": w.gid(w.c1)}, w.tokens["c1_worker"])
    assert body["data"]["organizations"]["totalCount"] == 1
    body = await core_client(query, {"c": w.gid(w.c1)}, w.tokens["c2_worker"])
    assert body["data"]["organizations"] == {"totalCount": 0, "edges": []}


async def test_nodes_batches_its_lookups(core_client):
    """`nodes(ids:)` for a page of ids costs a statement per type, not one per id."""
    w = await build_world()
    units = [await make_unit(w.building1, f"2-{i:03d}") for i in range(30)]
    ids = [_gid("Unit", u.id) for u in units] + [w.gid(r) for r in w.residents.values()]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    with count_statements() as statements:
        body = await core_client(query, {"ids": ids}, w.tokens["super"])
    assert [n["id"] for n in body["data"]["nodes"]] == ids
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4, selects


def test_cli_names_a_database_it_cannot_open(tmp_path):
    """`lastmile migrate`/`serve` on a database it cannot reach stop with one clear line, not a traceback."""
    db = "sqlite://" + str(tmp_path / "missing" / "x.sqlite3")
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "migrate"],
        capture_output=True,
        text=True,
        cwd=str(_ROOT),
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": db, "LASTMILE_PLUGINS": ""},
    )
    assert proc.returncode != 0
    assert "cannot open the database" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


async def test_concurrent_registrations_of_one_id_number_name_the_field(core_client):
    """Two clerks register the same person at once: one wins, the other gets DUPLICATE on idNumber."""
    import asyncio

    w = await build_world()
    number = make_id_number("410106", dt.date(1977, 7, 7), 77)
    query = """mutation($i: RegisterResidentInput!) { registerResident(input: $i) {
        resident { id } userErrors { field code } } }"""

    async def register(n: int):
        return await core_client(
            query,
            {"i": {"name": f"同一人{n}", "unitId": w.gid(w.unit1), "idNumber": number}},
            w.tokens["c1_worker"],
        )

    results = [r["data"]["registerResident"] for r in await asyncio.gather(*(register(n) for n in range(4)))]
    assert sum(1 for r in results if r["resident"]) == 1, results
    for r in results:
        if not r["resident"]:
            assert r["userErrors"] == [{"field": ["input", "idNumber"], "code": "DUPLICATE"}], results
    assert await m.Resident.filter(name__startswith="同一人").count() == 1


def test_cli_plugin_file_problems_are_one_line(tmp_path):
    listing = tmp_path / "plugins.txt"
    listing.write_text("mediation\nnope\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "LASTMILE_PLUGINS_FILE": str(listing)}
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "export-schema"],
        capture_output=True,
        text=True,
        cwd=str(_ROOT),
        env=env,
    )
    assert proc.returncode != 0 and "LASTMILE_PLUGINS_FILE" in proc.stderr and "civility" in proc.stderr, (
        proc.stderr
    )
    env["LASTMILE_PLUGINS_FILE"] = str(tmp_path / "missing.txt")
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "export-schema"],
        capture_output=True,
        text=True,
        cwd=str(_ROOT),
        env=env,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and "missing.txt" in proc.stderr, (
        proc.stderr
    )


async def test_a_users_grants_outside_the_viewers_scope_read_as_not_there(core_client):
    """A subdistrict manager looking at an account of their area sees its grants there, not the grant
    it also holds in another subdistrict: that community reads as not found everywhere else too."""
    w = await build_world()
    user = await make_user("both", [("grid_worker", w.c1), ("grid_worker", w.c3)], home=w.c1)
    query = "query($id: ID!) { node(id: $id) { ... on User { roles { role { name } area { name } } } } }"
    body = await core_client(query, {"id": w.gid(user)}, w.tokens["s1_manager"])
    assert body["data"]["node"]["roles"] == [
        {"role": {"name": "grid_worker"}, "area": {"name": "三湾街社区"}}
    ]
    body = await core_client(query, {"id": w.gid(user)}, w.tokens["super"])
    assert len(body["data"]["node"]["roles"]) == 2
    # The account itself still sees all its own grants.
    body = await core_client("{ me { roles { area { name } } } }", None, token_for(user))
    assert sorted(g["area"]["name"] for g in body["data"]["me"]["roles"]) == ["三湾街社区", "金昌社区"]


async def test_unstorable_text_is_invalid_input(core_client):
    """A NUL character (PostgreSQL cannot store it) or a lone surrogate (JSON can escape one, no database
    can encode it) in any text input is INVALID_INPUT, never an internal error, and writes nothing."""
    w = await build_world()
    tok = w.tokens["super"]

    async def post(query, variables):
        # ensure_ascii: a lone surrogate travels as the JSON escape \\ud800, as a browser would send it.
        import json

        resp = await core_client.http.post(
            "/graphql",
            content=json.dumps({"query": query, "variables": variables}),
            headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json"},
        )
        assert resp.status_code in (200, 400), resp.text
        return resp.json()

    def refused(body, name=None, field=None):
        if body.get("errors"):
            return [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"]
        errors = body["data"][name]["userErrors"]
        return [(e["code"], e["field"]) for e in errors] == [("INVALID_INPUT", field)]

    for bad in ["a\x00b", "a\ud800b"]:
        cases = [
            (
                CREATE_AREA,
                "createArea",
                {"level": "COMMUNITY", "parentId": w.gid(w.s1), "name": bad},
                ["input", "name"],
            ),
            (
                CREATE_AREA,
                "createArea",
                {"level": "COMMUNITY", "parentId": w.gid(w.s1), "name": "新社区", "code": bad},
                ["input", "code"],
            ),
            (UPDATE_AREA, "updateArea", {"id": w.gid(w.compound1), "address": bad}, ["input", "address"]),
            (REGISTER, "registerResident", {"name": bad, "unitId": w.gid(w.unit1)}, ["input", "name"]),
            (
                REGISTER,
                "registerResident",
                {"name": "赵六", "unitId": w.gid(w.unit1), "tags": [bad]},
                ["input", "tags", "0"],
            ),
            (
                REGISTER,
                "registerResident",
                {"name": "赵六", "unitId": w.gid(w.unit1), "clientMutationId": bad},
                ["input", "clientMutationId"],
            ),
            (CREATE_ORG, "createOrganization", {"name": bad, "kind": "POLICE"}, ["input", "name"]),
            (
                CREATE_ORG,
                "createOrganization",
                {"name": "派出所", "kind": "POLICE", "contactName": bad},
                ["input", "contactName"],
            ),
            (
                CREATE_USER,
                "createUser",
                {"username": bad, "password": "password-123", "displayName": "x"},
                ["input", "username"],
            ),
            (
                CREATE_USER,
                "createUser",
                {"username": "u1", "password": "password-123", "displayName": bad},
                ["input", "displayName"],
            ),
        ]
        for query, name, data, field in cases:
            body = await post(query, {"input": data})
            assert refused(body, name, field), (data, body)
        for query in [
            "query($s: String) { residents(filter: {search: $s}) { totalCount } }",
            "query($s: String) { areas(search: $s) { totalCount } }",
            "query($s: String) { organizations(search: $s) { totalCount } }",
            "query($s: String) { communities(search: $s) { totalCount } }",
            "query($s: String!) { residents(filter: {tags: [$s]}) { totalCount } }",
        ]:
            body = await post(query, {"s": bad})
            assert refused(body), (query, body)
    assert not await m.Organization.exists()
    assert not await m.User.filter(username="u1").exists()
    assert await m.Area.filter(name="新社区").count() == 0
