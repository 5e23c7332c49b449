"""`lastmile scale`: a benchmark district written in bulk that the application reads like its own."""

import pytest

from core import models as m
from core.pii import blind_index, decrypt, mask_id_number, mask_phone
from core.scale import build_district, plan
from core.testing import token_for
from core.validation import birth_date_from_id, gender_from_id, id_number_problem, phone_problem

PAGE = "{ residents(first: 5) { edges { node { name idNumberMasked unit { label building { compound { name } } } } } } }"


async def test_scale_district_is_valid_and_served(core_client):
    counts = await build_district(700, progress=lambda _: None)
    assert counts["residents"] == 700 == await m.Resident.all().count()
    assert counts["units"] == plan(700)["units"] == await m.Unit.all().count()
    assert await m.Area.filter(level="SUBDISTRICT").count() == 12
    assert await m.Area.filter(level="COMMUNITY").count() == 105

    residents = await m.Resident.all()
    units = {u.id: u for u in await m.Unit.all()}
    for r in residents:
        id_number = decrypt(r.id_number_cipher, "id_number")
        phone = decrypt(r.phone_cipher, "phone")
        assert id_number_problem(id_number) is None
        assert phone_problem(phone) is None
        assert birth_date_from_id(id_number) == r.birth_date
        assert gender_from_id(id_number) == r.gender.value
        assert r.id_number_hash == blind_index(id_number, "id_number")
        assert r.phone_hash == blind_index(phone, "phone")
        assert (r.id_number_masked, r.phone_masked, r.phone_last4) == (
            mask_id_number(id_number),
            mask_phone(phone),
            phone[-4:],
        )
        assert r.lineage() == units[r.unit_id].lineage() and r.community_id == r.community_ref
    assert len({r.id_number_hash for r in residents}) == 700

    # The application reads and extends it: ids continue after the bulk rows.
    admin = await m.User.get(username="admin")
    page = (await core_client.data(PAGE, token=token_for(admin)))["residents"]["edges"]
    assert len(page) == 5 and page[0]["node"]["unit"]["building"]["compound"]["name"]
    area = await m.Area.create(level="DISTRICT", name="另一个区")
    assert area.id > counts["areas"]


async def test_scale_refuses_a_database_with_data():
    await m.Area.create(level="DISTRICT", name="上街区")
    with pytest.raises(RuntimeError, match="empty database"):
        await build_district(10, progress=lambda _: None)
