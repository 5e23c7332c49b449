"""Residents through the API: registration rules, idempotency, filters, moves."""

import datetime as dt

from core import models as m
from core.testing import build_world, make_resident
from core.validation import id_number_problem, make_id_number, phone_problem

REGISTER = """
mutation($input: RegisterResidentInput!) {
  registerResident(input: $input) {
    resident { id name gender birthDate age idNumberMasked idNumber phoneMasked phone status tags
               unit { label } community { name } relationToHead residencyType isPartyMember }
    userErrors { field message code }
  }
}"""

VALID_ID = make_id_number("410106", dt.date(1990, 5, 17), 123)  # 17th digit 3: male


def test_gb11643_check_digit():
    assert id_number_problem("11010519491231002X") is None  # the standard's own example
    assert id_number_problem("110105194912310021") is not None  # wrong check digit
    assert id_number_problem("110105194902300020") is not None  # 30 February
    assert id_number_problem("11010519491231002") is not None  # 17 characters
    assert phone_problem("13812345678") is None
    assert phone_problem("12812345678") is not None
    assert phone_problem("1381234567") is not None


async def test_register_derives_and_masks(client):
    w = await build_world()
    res = await client.data(
        REGISTER,
        {
            "input": {
                "name": "赵敏",
                "idNumber": VALID_ID,
                "phone": "138 1234 5678",
                "unitId": w.gid(w.unit1),
                "relationToHead": "CHILD",
                "tags": ["veteran", "disabled"],
            }
        },
        w.tokens["c1_worker"],
    )
    r = res["registerResident"]["resident"]
    assert res["registerResident"]["userErrors"] == []
    assert r["birthDate"] == "1990-05-17" and r["gender"] == "MALE"
    assert r["idNumberMasked"] == VALID_ID[:6] + "*" * 12
    assert r["idNumber"] == VALID_ID and r["phone"] == "13812345678" and r["phoneMasked"] == "*******5678"
    assert r["community"]["name"] == "三湾街社区" and r["unit"]["label"] == "1-101"
    assert r["tags"] == ["disabled", "veteran"] and r["status"] == "ACTIVE"


async def test_register_refusals_leave_nothing(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    before = await m.Resident.all().count()
    cases = [
        (
            {"idNumber": VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")},
            "INVALID_ID_NUMBER",
            ["input", "idNumber"],
        ),
        ({"idNumber": "41010619901340123X"}, "INVALID_ID_NUMBER", ["input", "idNumber"]),
        ({"phone": "02112345678"}, "INVALID_PHONE", ["input", "phone"]),
        ({"unitId": None, "communityId": None}, "INVALID_INPUT", ["input", "unitId"]),
        ({"unitId": "VW5pdDo5OTk5"}, "NOT_FOUND", ["input", "unitId"]),
        ({"unitId": w.gid(w.unit2)}, "NOT_FOUND", ["input", "unitId"]),  # another community: out of scope
        ({"relationToHead": "HEAD"}, "DUPLICATE", ["input", "relationToHead"]),  # unit1 has a head
        ({"idNumber": VALID_ID, "birthDate": "1991-01-01"}, "INVALID_INPUT", ["input", "birthDate"]),
    ]
    for extra, code, field in cases:
        payload = {"name": "钱七", "unitId": w.gid(w.unit1), **extra}
        res = await client.data(REGISTER, {"input": payload}, tok)
        errors = res["registerResident"]["userErrors"]
        assert res["registerResident"]["resident"] is None, extra
        assert errors[0]["code"] == code and errors[0]["field"] == field, (extra, errors)
    assert await m.Resident.all().count() == before


async def test_duplicate_id_number(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    first = await client.data(
        REGISTER, {"input": {"name": "甲", "idNumber": VALID_ID, "unitId": w.gid(w.unit1)}}, tok
    )
    assert first["registerResident"]["userErrors"] == []
    again = await client.data(
        REGISTER, {"input": {"name": "乙", "idNumber": VALID_ID.lower(), "unitId": w.gid(w.unit1)}}, tok
    )
    assert again["registerResident"]["userErrors"][0]["code"] == "DUPLICATE"


async def test_client_mutation_id_is_idempotent(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    payload = {"input": {"name": "孙八", "unitId": w.gid(w.unit1), "clientMutationId": "reg-42"}}
    a = await client.data(REGISTER, payload, tok)
    b = await client.data(REGISTER, payload, tok)
    assert a["registerResident"]["resident"]["id"] == b["registerResident"]["resident"]["id"]
    assert await m.Resident.filter(name="孙八").count() == 1


async def test_filters_and_order(client):
    w = await build_world()
    await make_resident(
        w.unit1,
        "张三丰",
        tags_text="|elderly-alone|veteran|",
        birth_date=dt.date(1940, 1, 1),
        is_party_member=True,
        phone="13900001234",
    )
    su = w.tokens["super"]
    q = """query($f: ResidentFilter, $o: ResidentOrder) { residents(filter: $f, orderBy: $o) {
        totalCount edges { node { name } } } }"""

    async def names(f, o=None):
        data = await client.data(q, {"f": f, "o": o}, su)
        return [e["node"]["name"] for e in data["residents"]["edges"]], data["residents"]["totalCount"]

    assert (await names({"areaId": w.gid(w.c1)}))[1] == 3
    assert (await names({"areaId": w.gid(w.s1)}))[1] == 4
    assert (await names({"areaId": w.gid(w.district)}))[1] == 5
    assert (await names({"search": "张"}))[0] == ["张伟", "张三丰"]
    assert (await names({"search": "1234"}))[0] == ["张三丰"]
    assert (await names({"tags": ["veteran", "elderly-alone"]}))[0] == ["张三丰"]
    assert (await names({"tags": ["veteran", "disabled"]}))[1] == 0
    assert (await names({"minAge": 80}))[0] == ["张三丰"]
    assert (await names({"maxAge": 80}))[1] == 4
    assert (await names({"isPartyMember": True}))[0] == ["张三丰"]
    assert (await names({"unitId": w.gid(w.unit1)}))[1] == 3
    ordered, _ = await names({"areaId": w.gid(w.c1)}, {"field": "BIRTH_DATE", "direction": "ASC"})
    assert ordered[0] == "张三丰"
    desc, _ = await names(None, {"field": "NAME", "direction": "DESC"})
    assert desc == sorted(desc, reverse=True)


async def test_backward_pagination(client):
    w = await build_world()
    q = """query($l: Int, $b: String) { residents(last: $l, before: $b) { edges { cursor node { name } }
        pageInfo { hasPreviousPage hasNextPage startCursor } } }"""
    data = await client.data(q, {"l": 2}, w.tokens["super"])
    conn = data["residents"]
    assert [e["node"]["name"] for e in conn["edges"]] == ["王芳", "刘洋"]
    assert conn["pageInfo"]["hasPreviousPage"] and not conn["pageInfo"]["hasNextPage"]
    data = await client.data(q, {"l": 5, "b": conn["pageInfo"]["startCursor"]}, w.tokens["super"])
    assert [e["node"]["name"] for e in data["residents"]["edges"]] == ["张伟", "李娜"]
    bad = await client(
        '{ residents(after: "nonsense") { totalCount } }', token=w.tokens["super"], errors_ok=True
    )
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_move_and_move_out(client):
    w = await build_world()
    tok = w.tokens["s1_manager"]
    move = """mutation($input: MoveResidentInput!) { moveResident(input: $input) {
        resident { unit { label building { compound { community { name } } } } community { name } relationToHead }
        userErrors { code field } } }"""
    res = await client.data(
        move,
        {
            "input": {
                "residentId": w.gid(w.residents["zhang_wife"]),
                "unitId": w.gid(w.unit2),
                "relationToHead": "TENANT",
            }
        },
        tok,
    )
    r = res["moveResident"]["resident"]
    assert r["community"]["name"] == "中安街社区" and r["relationToHead"] == "TENANT"
    counts = await client.data(
        "query($a: ID!, $b: ID!) { a: node(id: $a) { ... on Community { residentCount } } b: node(id: $b) { ... on Community { residentCount } } }",
        {"a": w.gid(w.c1), "b": w.gid(w.c2)},
        tok,
    )
    assert counts["a"]["residentCount"] == 1 and counts["b"]["residentCount"] == 2
    # Moving into another subdistrict is out of the manager's scope.
    res = await client.data(
        move, {"input": {"residentId": w.gid(w.residents["zhang"]), "unitId": w.gid(w.unit3)}}, tok
    )
    assert res["moveResident"]["userErrors"][0]["code"] == "NOT_FOUND"
    out = """mutation($input: MoveOutResidentInput!) { moveOutResident(input: $input) {
        resident { status movedOutOn } userErrors { code } } }"""
    res = await client.data(
        out,
        {
            "input": {
                "residentId": w.gid(w.residents["zhang"]),
                "status": "DECEASED",
                "movedOutOn": "2026-01-02",
            }
        },
        tok,
    )
    assert res["moveOutResident"]["resident"] == {"status": "DECEASED", "movedOutOn": "2026-01-02"}
    again = await client.data(out, {"input": {"residentId": w.gid(w.residents["zhang"])}}, tok)
    assert again["moveOutResident"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    unit = await client.data(
        "query($u: ID!) { node(id: $u) { ... on Unit { residents { name } householdHead { name } } } }",
        {"u": w.gid(w.unit1)},
        tok,
    )
    assert unit["node"] == {"residents": [], "householdHead": None}


async def test_one_global_id_per_object(client):
    import base64

    w = await build_world()
    pk = w.residents["zhang"].id

    def gid(raw: str) -> str:
        return base64.urlsafe_b64encode(f"Resident:{raw}".encode()).decode().rstrip("=")

    q = "query($id: ID!) { node(id: $id) { id } }"
    ok = await client.data(q, {"id": gid(str(pk))}, w.tokens["super"])
    assert ok["node"]["id"] == w.gid(w.residents["zhang"])
    for variant in (
        f"+{pk}",
        f"0{pk}",
        f" {pk}",
        f"{pk}_0"[:-2] + "_" + f"{pk}"[-1:] if pk > 9 else f"{pk}_",
        "١",
        "99999999999999999999",
    ):
        data = await client.data(q, {"id": gid(variant)}, w.tokens["super"])
        assert data["node"] is None, variant


async def test_moving_back_in_and_the_resident_account_follows(client):
    w = await build_world()
    tok = w.tokens["s1_manager"]
    me = "{ me { roles { role { name } area { name } } resident { status community { name } } } }"
    move = """mutation($input: MoveResidentInput!) { moveResident(input: $input) {
        resident { status movedOutOn community { name } } userErrors { code } } }"""
    # The resident account of 张伟 (c1) moves to c2: its resident grant follows.
    res = await client.data(
        move,
        {
            "input": {
                "residentId": w.gid(w.residents["zhang"]),
                "unitId": w.gid(w.unit2),
                "relationToHead": "TENANT",
            }
        },
        tok,
    )
    assert res["moveResident"]["resident"]["community"]["name"] == "中安街社区"
    mine = await client.data(me, token=w.tokens["resident"])
    assert mine["me"]["roles"] == [{"role": {"name": "resident"}, "area": {"name": "中安街社区"}}]
    # Moved out, then back in: ACTIVE again; a deceased resident cannot move.
    out = """mutation($input: MoveOutResidentInput!) { moveOutResident(input: $input) { userErrors { code } } }"""
    await client.data(out, {"input": {"residentId": w.gid(w.residents["zhang"])}}, tok)
    res = await client.data(
        move, {"input": {"residentId": w.gid(w.residents["zhang"]), "unitId": w.gid(w.unit1)}}, tok
    )
    assert res["moveResident"]["resident"] == {
        "status": "ACTIVE",
        "movedOutOn": None,
        "community": {"name": "三湾街社区"},
    }
    await client.data(out, {"input": {"residentId": w.gid(w.residents["wang"]), "status": "DECEASED"}}, tok)
    res = await client.data(
        move, {"input": {"residentId": w.gid(w.residents["wang"]), "unitId": w.gid(w.unit1)}}, tok
    )
    assert res["moveResident"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
