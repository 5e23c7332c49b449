"""An ID number registered elsewhere is not revealed to a caller outside its scope (docs/security.md).

DUPLICATE only when the caller may read the twin's number in full anyway; otherwise the
neutral ID_NUMBER_UNAVAILABLE, the same wherever the twin is, audited though the mutation
rolls back, and after LASTMILE_ID_REFUSALS_PER_DAY refusals every ID number the caller
enters is RATE_LIMITED (a free number too: the refusals stop being an oracle).
"""

import datetime as dt

from core import models as m
from core.pii import decrypt
from core.settings import get_settings
from core.testing import build_world, make_resident
from core.validation import make_id_number

REGISTER = """mutation($input: RegisterResidentInput!) { registerResident(input: $input) {
  resident { id } userErrors { code field message } } }"""
UPDATE = """mutation($input: UpdateResidentInput!) { updateResident(input: $input) {
  resident { id } userErrors { code field message } } }"""


async def _errors(client, doc, variables, token):
    data = await client.data(doc, {"input": variables}, token)
    return next(iter(data.values()))["userErrors"]


async def _id_of(resident) -> str:
    return decrypt(resident.id_number_cipher, "id_number")


async def test_twin_outside_the_callers_reach_is_not_revealed(client):
    w = await build_world()
    # c1's worker: zhang is theirs (full read allowed), wang (c2) and liu (c3, another subdistrict) are not.
    in_scope = await _errors(
        client,
        REGISTER,
        {"name": "甲", "unitId": w.gid(w.unit1), "idNumber": await _id_of(w.residents["zhang"])},
        w.tokens["c1_worker"],
    )
    assert [(e["code"], e["field"]) for e in in_scope] == [("DUPLICATE", ["input", "idNumber"])]

    answers = []
    for key in ("wang", "liu"):
        answers.append(
            await _errors(
                client,
                REGISTER,
                {"name": "乙", "unitId": w.gid(w.unit1), "idNumber": await _id_of(w.residents[key])},
                w.tokens["c1_worker"],
            )
        )
        answers.append(
            await _errors(
                client,
                UPDATE,
                {"id": w.gid(w.residents["zhang_wife"]), "idNumber": await _id_of(w.residents[key])},
                w.tokens["c1_worker"],
            )
        )
    # One answer, whichever twin and mutation: it says neither that nor where the number exists.
    assert all(a == answers[0] for a in answers)
    (error,) = answers[0]
    assert error["code"] == "ID_NUMBER_UNAVAILABLE" and error["field"] == ["input", "idNumber"]
    assert "registered" not in error["message"] and "already" not in error["message"]
    assert await m.Resident.filter(name="乙").count() == 0
    # Each neutral refusal is audited (the mutation itself rolled back), naming the twin for its area's auditors.
    rows = await m.AuditLog.filter(action="resident.idNumberRefused").order_by("id")
    assert [(r.actor_id, r.subject_gid) for r in rows] == [
        (w.users["c1_worker"].id, w.gid(w.residents[k])) for k in ("wang", "wang", "liu", "liu")
    ]
    assert await m.AuditLog.filter(action__in=["registerResident", "updateResident"]).count() == 0
    # The subdistrict manager reaches wang: for them it is a plain DUPLICATE.
    above = await _errors(
        client,
        REGISTER,
        {"name": "丙", "unitId": w.gid(w.unit1), "idNumber": await _id_of(w.residents["wang"])},
        w.tokens["s1_manager"],
    )
    assert [e["code"] for e in above] == ["DUPLICATE"]


async def test_refusals_are_limited_then_every_number_is_refused(client):
    w = await build_world()
    limit = get_settings().id_number_refusals_per_day
    outside = [await make_resident(w.unit3, f"外{i}", birth_date=None) for i in range(limit)]
    for r in outside:
        errors = await _errors(
            client,
            REGISTER,
            {"name": "探", "unitId": w.gid(w.unit1), "idNumber": await _id_of(r)},
            w.tokens["c1_worker"],
        )
        assert [e["code"] for e in errors] == ["ID_NUMBER_UNAVAILABLE"]
    fresh = make_id_number("410106", dt.date(1999, 9, 9), 901)
    # Limit reached: a number nobody holds is refused the same way as a taken one.
    for number in (fresh, await _id_of(w.residents["liu"])):
        errors = await _errors(
            client,
            REGISTER,
            {"name": "新", "unitId": w.gid(w.unit1), "idNumber": number},
            w.tokens["c1_worker"],
        )
        assert [e["code"] for e in errors] == ["RATE_LIMITED"]
    assert await m.Resident.filter(name__in=["探", "新"]).count() == 0
    # Registering without an ID number still works, and other callers are not affected.
    assert (
        await _errors(client, REGISTER, {"name": "无证", "unitId": w.gid(w.unit1)}, w.tokens["c1_worker"])
        == []
    )
    assert (
        await _errors(
            client,
            REGISTER,
            {"name": "新", "unitId": w.gid(w.unit2), "idNumber": fresh},
            w.tokens["c2_worker"],
        )
        == []
    )
