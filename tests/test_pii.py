"""Residents' personal data: encrypted at rest, full values only with resident.pii.read, every full read audited."""

import datetime as dt

from tortoise.connection import connections

from core import models as m
from core.pii import blind_index, decrypt, encrypt
from core.testing import build_world, count_statements, make_resident
from core.validation import make_id_number

RESIDENTS = "{ residents { edges { node { id name idNumber idNumberMasked phone phoneMasked } } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Resident { name idNumber phone idNumberMasked } } }"

ID_NUMBER = make_id_number("410106", dt.date(1975, 3, 9), 77)
PHONE = "13912345678"


async def _world_with_known_resident():
    w = await build_world()
    w.residents["known"] = await make_resident(w.unit1, "周杰", id_number=ID_NUMBER, phone=PHONE)
    return w


async def _audit_rows(action="pii.read"):
    return await m.AuditLog.filter(action=action).order_by("id")


async def test_raw_row_holds_no_plaintext(core_client):
    w = await _world_with_known_resident()
    # Registered through the API too, so the service's own write path is covered.
    reg = await core_client.data(
        """mutation($input: RegisterResidentInput!) { registerResident(input: $input) {
             resident { id } userErrors { code } } }""",
        {
            "input": {
                "name": "吴敏",
                "idNumber": make_id_number("410106", dt.date(1988, 8, 8), 5),
                "phone": "13712345678",
                "unitId": w.gid(w.unit1),
            }
        },
        token=w.tokens["c1_worker"],
    )
    assert reg["registerResident"]["userErrors"] == []
    registered_id = make_id_number("410106", dt.date(1988, 8, 8), 5)
    conn = connections.get("default")
    rows = await conn.execute_query_dict("SELECT * FROM core_resident")
    assert len(rows) == 6
    dump = repr(rows)
    for secret in (ID_NUMBER, PHONE, registered_id, "13712345678", ID_NUMBER[6:14], PHONE[3:7] + PHONE[7:]):
        assert secret not in dump
    known = next(r for r in rows if r["name"] == "周杰")
    assert known["id_number_cipher"].startswith("v1:") and known["phone_cipher"].startswith("v1:")
    assert known["id_number_masked"] == ID_NUMBER[:6] + "*" * 12
    assert known["id_number_hash"] == blind_index(ID_NUMBER, "id_number")
    assert decrypt(known["id_number_cipher"], "id_number") == ID_NUMBER


def test_encryption_is_authenticated_and_bound_to_its_field():
    token = encrypt(PHONE, "phone")
    assert token != encrypt(PHONE, "phone")  # random nonce
    import base64

    import pytest
    from cryptography.exceptions import InvalidTag

    blob = bytearray(base64.b64decode(token[3:]))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        decrypt("v1:" + base64.b64encode(bytes(blob)).decode(), "phone")
    with pytest.raises(InvalidTag):  # moved to another column
        decrypt(token, "id_number")
    assert blind_index(PHONE, "phone") != blind_index(PHONE, "id_number")


async def test_who_sees_full_values(core_client):
    w = await _world_with_known_resident()
    known = w.gid(w.residents["known"])
    # Community worker of the area: full values.
    data = await core_client.data(NODE, {"id": known}, token=w.tokens["c1_worker"])
    assert data["node"] == {
        "name": "周杰",
        "idNumber": ID_NUMBER,
        "phone": PHONE,
        "idNumberMasked": ID_NUMBER[:6] + "*" * 12,
    }
    # Subdistrict manager above it: full values too (resident.pii.read over s1).
    data = await core_client.data(NODE, {"id": known}, token=w.tokens["s1_manager"])
    assert data["node"]["idNumber"] == ID_NUMBER
    # Grid worker of the same community: masked only.
    data = await core_client.data(NODE, {"id": known}, token=w.tokens["c1_grid"])
    assert data["node"] == {
        "name": "周杰",
        "idNumber": None,
        "phone": None,
        "idNumberMasked": ID_NUMBER[:6] + "*" * 12,
    }
    grid_list = await core_client.data(RESIDENTS, token=w.tokens["c1_grid"])
    for edge in grid_list["residents"]["edges"]:
        node = edge["node"]
        assert node["idNumber"] is None and node["phone"] is None
        assert "*" in node["idNumberMasked"] and node["phoneMasked"].startswith("*******")
    # Community worker of another community: the resident does not exist for them.
    data = await core_client.data(NODE, {"id": known}, token=w.tokens["c2_worker"])
    assert data["node"] is None
    names = await core_client.data(
        "{ residents { totalCount edges { node { name } } } }", token=w.tokens["c2_worker"]
    )
    assert names["residents"] == {"totalCount": 1, "edges": [{"node": {"name": "王芳"}}]}
    # Only the two full reads above (community worker, subdistrict manager) were audited, per field.
    rows = await _audit_rows()
    assert [(r.actor_id, r.subject_gid, r.field) for r in rows] == [
        (w.users["c1_worker"].id, known, "id_number"),
        (w.users["c1_worker"].id, known, "phone"),
        (w.users["s1_manager"].id, known, "id_number"),
        (w.users["s1_manager"].id, known, "phone"),
    ]


async def test_resident_sees_own_record_masked(core_client):
    w = await build_world()
    data = await core_client.data(
        "{ me { resident { name idNumber idNumberMasked phone } } }", token=w.tokens["resident"]
    )
    r = data["me"]["resident"]
    assert r["name"] == "张伟" and r["idNumber"] is None and r["phone"] is None and "*" in r["idNumberMasked"]
    assert await m.AuditLog.filter(action="pii.read").count() == 0


async def test_each_full_read_is_audited_in_one_statement(core_client):
    w = await build_world()
    worker = w.users["c1_worker"]
    resp = await core_client.post(RESIDENTS, token=w.tokens["c1_worker"], **{"X-Request-ID": "req-audit-1"})
    assert resp.headers["x-request-id"] == "req-audit-1"
    assert len(resp.json()["data"]["residents"]["edges"]) == 2  # c1 has two residents
    # Three residents in scope for the subdistrict manager (c1: 2, c2: 1).
    with count_statements() as statements:
        data = await core_client.data(RESIDENTS, token=w.tokens["s1_manager"])
    edges = data["residents"]["edges"]
    assert len(edges) == 3 and all(e["node"]["idNumber"] and e["node"]["phone"] for e in edges)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT") and "core_audit_log" in s]
    assert len(inserts) == 1, statements
    rows = await _audit_rows()
    manager_rows = [r for r in rows if r.actor_id == w.users["s1_manager"].id]
    assert len(manager_rows) == 6
    assert {(r.subject_gid, r.field) for r in manager_rows} == {
        (e["node"]["id"], f) for e in edges for f in ("id_number", "phone")
    }
    assert len({r.request_id for r in manager_rows}) == 1 and manager_rows[0].request_id
    assert all(r.at is not None for r in manager_rows)
    worker_rows = [r for r in rows if r.actor_id == worker.id]
    assert len(worker_rows) == 4 and {r.request_id for r in worker_rows} == {"req-audit-1"}


async def test_masked_reads_write_no_audit_rows(core_client):
    w = await build_world()
    await core_client.data(
        "{ residents { edges { node { idNumberMasked phoneMasked } } } }", token=w.tokens["c1_worker"]
    )
    await core_client.data(RESIDENTS, token=w.tokens["c1_grid"])
    assert await m.AuditLog.all().count() == 0


async def test_mutations_write_audit_rows(core_client):
    w = await build_world()
    res = await core_client.data(
        """mutation($input: RegisterResidentInput!) { registerResident(input: $input) {
             resident { id } userErrors { code } } }""",
        {"input": {"name": "郑爽", "unitId": w.gid(w.unit1)}},
        token=w.tokens["c1_worker"],
    )
    gid = res["registerResident"]["resident"]["id"]
    rows = await m.AuditLog.all()
    assert [(r.action, r.actor_id, r.subject_gid) for r in rows] == [
        ("registerResident", w.users["c1_worker"].id, gid)
    ]
    assert rows[0].request_id
    # A refused mutation leaves no row: its transaction is rolled back.
    await core_client.data(
        """mutation($input: RegisterResidentInput!) { registerResident(input: $input) { userErrors { code } } }""",
        {"input": {"name": "郑爽", "unitId": w.gid(w.unit2)}},
        token=w.tokens["c1_worker"],
    )
    assert await m.AuditLog.filter(action="registerResident").count() == 1


async def test_logins_are_audited(core_client):
    w = await build_world()
    login = 'mutation($p: String!) { login(username: "c1_worker", password: $p) { token } }'
    await core_client.data(login, {"p": "wrong-password"})
    await core_client.data(login, {"p": "correct horse battery"})
    rows = await m.AuditLog.filter(action__startswith="login").order_by("id")
    assert [(r.action, r.actor_id, r.subject_gid) for r in rows] == [
        ("login.failed", None, w.gid(w.users["c1_worker"])),
        ("login", w.users["c1_worker"].id, w.gid(w.users["c1_worker"])),
    ]


async def test_one_row_per_fact_within_an_operation(core_client):
    w = await build_world()
    zhang = w.gid(w.residents["zhang"])
    data = await core_client.data(
        """query($id: ID!) { a: node(id: $id) { ... on Resident { idNumber x: idNumber } }
             b: residents(filter: {search: "张伟"}) { edges { node { idNumber } } } }""",
        {"id": zhang},
        token=w.tokens["c1_worker"],
    )
    assert data["a"]["idNumber"] == data["a"]["x"] == data["b"]["edges"][0]["node"]["idNumber"]
    rows = await _audit_rows()
    assert [(r.subject_gid, r.field) for r in rows] == [(zhang, "id_number")]
