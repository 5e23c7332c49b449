"""Building test data directly in the database: areas, units, residents, accounts with roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from core import models as m
from core.api.relay import gid_of
from core.auth import hash_password, issue_token
from core.enums import AreaLevel, Gender, HouseholdRelation, lineage_column
from core.pii import blind_index, encrypt, mask_id_number, mask_phone
from core.settings import get_settings
from core.validation import make_id_number


async def make_area(level: AreaLevel, name: str, parent: m.Area | None = None, **extra) -> m.Area:
    """An area of ``level`` below ``parent``, its lineage columns filled as core fills them."""
    area = m.Area(level=level, name=name, parent=parent, **extra)
    if parent is not None:
        area.set_lineage(parent.lineage())
    await area.save()
    setattr(area, lineage_column(level), area.id)
    await area.save(update_fields=[lineage_column(level)])
    return area


async def make_unit(building: m.Area, label: str, **extra) -> m.Unit:
    """A dwelling unit in ``building``."""
    unit = m.Unit(building=building, label=label, **extra)
    unit.set_lineage(building.lineage())
    await unit.save()
    return unit


_seq = [0]


def new_id_number(born=None) -> str:
    import datetime as dt

    _seq[0] += 1
    return make_id_number("410106", born or dt.date(1980, 1, 1) + dt.timedelta(days=_seq[0]), _seq[0])


async def make_resident(
    unit: m.Unit,
    name: str,
    relation=HouseholdRelation.OTHER,
    *,
    id_number: str | None = None,
    phone: str | None = None,
    **extra,
) -> m.Resident:
    """A resident of ``unit`` with a valid (generated) ID number and phone, stored encrypted."""
    import datetime as dt

    idn = id_number or new_id_number(extra.get("birth_date"))
    ph = phone or f"139{_seq[0]:08d}"
    r = m.Resident(
        name=name,
        unit=unit,
        community_id=unit.community_ref,
        relation_to_head=relation,
        gender=Gender.MALE,
        birth_date=extra.pop("birth_date", dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))),
        id_number_cipher=encrypt(idn, "id_number"),
        id_number_hash=blind_index(idn, "id_number"),
        id_number_masked=mask_id_number(idn),
        phone_cipher=encrypt(ph, "phone"),
        phone_hash=blind_index(ph, "phone"),
        phone_masked=mask_phone(ph),
        phone_last4=ph[-4:],
        **extra,
    )
    r.set_lineage(unit.lineage())
    await r.save()
    return r


async def make_user(
    username: str,
    grants: list[tuple[str, m.Area]] = (),
    *,
    superuser: bool = False,
    resident: m.Resident | None = None,
    home: m.Area | None = None,
) -> m.User:
    """An account with password :data:`PASSWORD` and ``grants`` [(role, area)]."""
    user = await m.User.create(
        username=username,
        display_name=username.title(),
        password_hash=_PW_HASH,
        is_superuser=superuser,
        resident=resident,
        home_area=home or (grants[0][1] if grants else None),
    )
    for role, area in grants:
        await m.RoleGrant.create(user=user, role=role, area=area)
    return user


PASSWORD = "correct horse battery"
_PW_HASH = hash_password(PASSWORD)


def token_for(user: m.User) -> str:
    """A bearer token for ``user`` (no login round trip)."""
    return issue_token(user, get_settings())[0]


async def grant_role(user: m.User, role: str, area: m.Area) -> m.RoleGrant:
    """Give ``user`` ``role`` (a core or plugin role name) over ``area`` and everything below it."""
    return await m.RoleGrant.create(user=user, role=role, area=area)


LOGIN = """mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { token userErrors { field message code } }
}"""


async def login(client, username: str, password: str = PASSWORD) -> str:
    """Log in through the API as a front-end would; the token (fails the test if refused)."""
    payload = (await client.data(LOGIN, {"u": username, "p": password}))["login"]
    assert payload["token"], payload["userErrors"]
    return payload["token"]


@dataclass
class World:
    """Two subdistricts, three communities, staff of every kind and a resident account."""

    district: m.Area = None
    s1: m.Area = None
    s2: m.Area = None
    c1: m.Area = None
    c2: m.Area = None
    c3: m.Area = None
    compound1: m.Area = None
    building1: m.Area = None
    unit1: m.Unit = None
    unit2: m.Unit = None
    unit3: m.Unit = None
    residents: dict[str, m.Resident] = field(default_factory=dict)
    users: dict[str, m.User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def gid(self, obj) -> str:
        return gid_of(obj)


async def build_world() -> World:
    """Build the :class:`World`: areas, units, four residents and a user (with a token) per role."""
    w = World()
    w.district = await make_area(AreaLevel.DISTRICT, "上街区", code="410106")
    w.s1 = await make_area(AreaLevel.SUBDISTRICT, "济源路街道", w.district)
    w.s2 = await make_area(AreaLevel.SUBDISTRICT, "峡窝镇", w.district, is_town=True)
    w.c1 = await make_area(AreaLevel.COMMUNITY, "三湾街社区", w.s1)
    w.c2 = await make_area(AreaLevel.COMMUNITY, "中安街社区", w.s1)
    w.c3 = await make_area(AreaLevel.COMMUNITY, "金昌社区", w.s2)
    w.compound1 = await make_area(AreaLevel.COMPOUND, "幸福小区", w.c1, built_year=1990)
    compound2 = await make_area(AreaLevel.COMPOUND, "和谐家园", w.c2)
    compound3 = await make_area(AreaLevel.COMPOUND, "金昌小区", w.c3)
    w.building1 = await make_area(AreaLevel.BUILDING, "1号楼", w.compound1, floors=6)
    b2 = await make_area(AreaLevel.BUILDING, "1号楼", compound2, floors=6)
    b3 = await make_area(AreaLevel.BUILDING, "1号楼", compound3, floors=6)
    w.unit1 = await make_unit(w.building1, "1-101")
    w.unit2 = await make_unit(b2, "1-101")
    w.unit3 = await make_unit(b3, "1-101")
    w.residents["zhang"] = await make_resident(w.unit1, "张伟", HouseholdRelation.HEAD)
    w.residents["zhang_wife"] = await make_resident(w.unit1, "李娜", HouseholdRelation.SPOUSE)
    w.residents["wang"] = await make_resident(w.unit2, "王芳", HouseholdRelation.HEAD)
    w.residents["liu"] = await make_resident(w.unit3, "刘洋", HouseholdRelation.HEAD)
    w.users["super"] = await make_user("super", superuser=True)
    w.users["district_admin"] = await make_user("district_admin", [("admin", w.district)])
    w.users["s1_manager"] = await make_user("s1_manager", [("area_manager", w.s1)])
    w.users["c1_worker"] = await make_user("c1_worker", [("community_worker", w.c1)])
    w.users["c2_worker"] = await make_user("c2_worker", [("community_worker", w.c2)])
    w.users["c1_grid"] = await make_user("c1_grid", [("grid_worker", w.c1)])
    w.users["resident"] = await make_user("resident", [("resident", w.c1)], resident=w.residents["zhang"])
    w.tokens = {name: token_for(u) for name, u in w.users.items()}
    return w
