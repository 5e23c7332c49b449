"""Staff-console look-ups: Query.users, Query.auditEntries, residents found by a full ID number."""

import datetime as dt

from core import models as m
from core.testing import build_world, make_resident
from core.validation import make_id_number

USERS = """query($f: UserFilter, $first: Int, $after: String) { users(filter: $f, first: $first, after: $after) {
  totalCount edges { cursor node { username } } pageInfo { hasNextPage endCursor } } }"""
AUDIT = """query($f: AuditEntryFilter) { auditEntries(filter: $f) { totalCount edges { node {
  at action field requestId subjectId subject { ... on Resident { name } } actor { username } } } } }"""
BY_ID_NUMBER = (
    """query($n: String!) { residents(filter: {idNumber: $n}) { totalCount edges { node { name } } } }"""
)
READ_ID = "query($id: ID!) { node(id: $id) { ... on Resident { idNumber } } }"

ID_NUMBER = make_id_number("410106", dt.date(1969, 12, 3), 18)  # check digit X


async def _names(client, token, f=None):
    data = await client.data(USERS, {"f": f}, token)
    return [e["node"]["username"] for e in data["users"]["edges"]]


async def test_users_are_scoped_to_the_viewers_areas(client):
    w = await build_world()
    # The subdistrict manager manages (and reads) everyone at home in s1.
    assert await _names(client, w.tokens["s1_manager"]) == [
        "c1_grid",
        "c1_worker",
        "c2_worker",
        "resident",
        "s1_manager",
    ]
    # A community worker without user.manage lists the accounts holding roles in their community.
    assert await _names(client, w.tokens["c2_worker"]) == ["c2_worker"]
    assert await _names(client, w.tokens["c1_grid"]) == ["c1_grid", "c1_worker", "resident"]
    assert "district_admin" in await _names(client, w.tokens["district_admin"])
    assert len(await _names(client, w.tokens["super"])) == len(w.users)
    # A resident reads only their own account; an anonymous request reads none.
    assert await _names(client, w.tokens["resident"]) == ["resident"]
    body = await client(USERS, {}, None, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_users_filters_and_pages(client):
    w = await build_world()
    tok = w.tokens["district_admin"]
    assert await _names(client, tok, {"role": "community_worker"}) == ["c1_worker", "c2_worker"]
    assert await _names(client, tok, {"role": "community_worker", "areaId": w.gid(w.c1)}) == ["c1_worker"]
    assert await _names(client, tok, {"areaId": w.gid(w.s2)}) == []
    assert await _names(client, tok, {"search": "GRID"}) == ["c1_grid"]
    # A deactivated account is found by its managers, and only by them.
    await m.User.filter(id=w.users["c1_worker"].id).update(is_active=False)
    assert await _names(client, tok, {"isActive": False}) == ["c1_worker"]
    assert "c1_worker" not in await _names(client, w.tokens["c1_grid"])
    # An area out of the viewer's sight matches nobody, like an unknown id.
    assert await _names(client, w.tokens["c2_worker"], {"areaId": w.gid(w.c1)}) == []
    first = await client.data(USERS, {"first": 2}, tok)
    assert first["users"]["pageInfo"]["hasNextPage"] is True
    rest = await client.data(USERS, {"first": 50, "after": first["users"]["pageInfo"]["endCursor"]}, tok)
    names = [e["node"]["username"] for e in first["users"]["edges"] + rest["users"]["edges"]]
    assert names == sorted(names) and len(names) == first["users"]["totalCount"] == len(set(names))


async def test_audit_entries_show_who_read_whose_data(client):
    w = await build_world()
    zhang = w.gid(w.residents["zhang"])
    resp = await client.post(READ_ID, {"id": zhang}, w.tokens["c1_worker"], **{"X-Request-ID": "console-42"})
    assert resp.json()["data"]["node"]["idNumber"]
    await client.data(READ_ID, {"id": zhang}, w.tokens["super"])

    seen = (await client.data(AUDIT, {"f": {"action": "pii.read"}}, w.tokens["s1_manager"]))["auditEntries"]
    # The superuser has no home area: their read is not an s1 staff entry.
    assert seen["totalCount"] == 1
    entry = seen["edges"][0]["node"]
    assert entry["actor"] == {"username": "c1_worker"}
    assert (entry["field"], entry["requestId"], entry["subjectId"]) == ("id_number", "console-42", zhang)
    assert entry["subject"] == {"name": "张伟"}
    # About a resident of their scope, the auditor sees every entry, whoever read.
    about = (await client.data(AUDIT, {"f": {"subjectId": zhang}}, w.tokens["s1_manager"]))["auditEntries"]
    assert sorted(e["node"]["actor"]["username"] for e in about["edges"]) == ["c1_worker", "super"]
    assert (await client.data(AUDIT, {"f": {"requestId": "console-42"}}, w.tokens["super"]))["auditEntries"][
        "totalCount"
    ] == 1
    # No audit.read: nothing, even about a resident the viewer may read.
    for viewer in ("c1_worker", "c1_grid", "resident"):
        data = await client.data(AUDIT, {"f": {"subjectId": zhang}}, w.tokens[viewer])
        assert data["auditEntries"]["totalCount"] == 0, viewer


async def test_audit_entry_filter_refuses_text_no_column_holds(client):
    w = await build_world()
    body = await client(AUDIT, {"f": {"action": "x" * 65}}, w.tokens["super"], errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_resident_found_by_full_id_number_is_audited(client):
    w = await build_world()
    await make_resident(w.unit1, "周杰", id_number=ID_NUMBER)
    found = await client.data(BY_ID_NUMBER, {"n": f" {ID_NUMBER.lower()} "}, w.tokens["c1_worker"])
    assert found["residents"]["totalCount"] == 1
    assert found["residents"]["edges"][0]["node"]["name"] == "周杰"
    rows = await m.AuditLog.filter(action="pii.read", actor_id=w.users["c1_worker"].id)
    assert [(r.field, r.detail) for r in rows] == [("id_number", "search")]
    # Masked-only readers and out-of-scope staff find nobody, and nothing is audited for them.
    for viewer in ("c1_grid", "c2_worker", "resident"):
        data = await client.data(BY_ID_NUMBER, {"n": ID_NUMBER}, w.tokens[viewer])
        assert data["residents"]["totalCount"] == 0, viewer
    assert await m.AuditLog.filter(action="pii.read").count() == 1
    # A number nobody carries matches nobody; a malformed one is a clear INVALID_INPUT.
    other = make_id_number("410106", dt.date(1970, 1, 1), 5)
    assert (await client.data(BY_ID_NUMBER, {"n": other}, w.tokens["c1_worker"]))["residents"][
        "totalCount"
    ] == 0
    body = await client(BY_ID_NUMBER, {"n": ID_NUMBER[:-1] + "1"}, w.tokens["c1_worker"], errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "check digit" in body["errors"][0]["message"]
