"""Test helpers: a GraphQL-over-HTTP client, SQL statement counting, a small world of data."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

import httpx
from tortoise import Tortoise
from tortoise.connection import connections

from core import models as m
from core.api.relay import gid_of
from core.api.schema import build_runtime
from core.app import create_app
from core.auth import hash_password, issue_token
from core.enums import AreaLevel, Gender, HouseholdRelation, lineage_column
from core.pii import blind_index, encrypt, mask_id_number, mask_phone
from core.plugins import PluginHost
from core.settings import get_settings
from core.validation import make_id_number


def build_test_app(plugins: list[str] | None, **overrides):
    settings = get_settings().model_copy(update=overrides) if overrides else get_settings()
    runtime = build_runtime(settings, PluginHost(plugins))
    return create_app(settings, runtime=runtime, manage_db=False)


async def reset_tables() -> None:
    from core.compiler.cache import forget_all

    forget_all()  # ids restart: a remembered plan could name rows of the previous test

    from core.viewer_cache import CACHE

    CACHE.drop()  # ids restart: a cached viewer of the last test's user 1 is nobody now
    conn = connections.get("default")
    tables = []
    for app in Tortoise.apps.values():
        for model in app.values():
            tables.append(model._meta.db_table)
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE;")
    else:
        script = "PRAGMA foreign_keys = OFF;" + "".join(f'DELETE FROM "{t}";' for t in tables)
        await conn.execute_script(script + "PRAGMA foreign_keys = ON;")
        # Restart ids so that runs are reproducible.
        with contextlib.suppress(Exception):
            await conn.execute_script("DELETE FROM sqlite_sequence;")


class GraphQLClient:
    """Posts operations to /graphql like a front-end would."""

    def __init__(self, app):
        self.app = app
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.http.aclose()

    async def post(self, query: str, variables: dict | None = None, token: str | None = None, **headers):
        hdrs = {"Authorization": f"Bearer {token}"} if token else {}
        hdrs.update(headers)
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=hdrs)

    async def __call__(self, query: str, variables: dict | None = None, token: str | None = None,
                       *, errors_ok: bool = False) -> dict:
        """The response body; fails the test on GraphQL errors unless errors_ok."""
        resp = await self.post(query, variables, token)
        assert resp.status_code in (200, 400), resp.text
        body = resp.json()
        if not errors_ok:
            assert not body.get("errors"), body["errors"]
        return body

    async def data(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        return (await self(query, variables, token))["data"]


class StatementCounter(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record):
        msg = record.getMessage()
        if msg.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.statements.append(msg)


@contextlib.contextmanager
def count_statements():
    logger = logging.getLogger("tortoise.db_client")
    handler = StatementCounter()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


# ---------------------------------------------------------------- building data


async def make_area(level: AreaLevel, name: str, parent: m.Area | None = None, **extra) -> m.Area:
    area = m.Area(level=level, name=name, parent=parent, **extra)
    if parent is not None:
        area.set_lineage(parent.lineage())
    await area.save()
    setattr(area, lineage_column(level), area.id)
    await area.save(update_fields=[lineage_column(level)])
    return area


async def make_unit(building: m.Area, label: str, **extra) -> m.Unit:
    unit = m.Unit(building=building, label=label, **extra)
    unit.set_lineage(building.lineage())
    await unit.save()
    return unit


_seq = [0]


def new_id_number(born=None) -> str:
    import datetime as dt

    _seq[0] += 1
    return make_id_number("410106", born or dt.date(1980, 1, 1) + dt.timedelta(days=_seq[0]), _seq[0])


async def make_resident(unit: m.Unit, name: str, relation=HouseholdRelation.OTHER, *, id_number: str | None = None,
                        phone: str | None = None, **extra) -> m.Resident:
    import datetime as dt

    idn = id_number or new_id_number(extra.get("birth_date"))
    ph = phone or f"139{_seq[0]:08d}"
    r = m.Resident(
        name=name, unit=unit, community_id=unit.community_ref, relation_to_head=relation,
        gender=Gender.MALE, birth_date=extra.pop("birth_date", dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))),
        id_number_cipher=encrypt(idn, "id_number"), id_number_hash=blind_index(idn, "id_number"),
        id_number_masked=mask_id_number(idn), phone_cipher=encrypt(ph, "phone"),
        phone_hash=blind_index(ph, "phone"), phone_masked=mask_phone(ph), phone_last4=ph[-4:], **extra,
    )
    r.set_lineage(unit.lineage())
    await r.save()
    return r


async def make_user(username: str, grants: list[tuple[str, m.Area]] = (), *, superuser: bool = False,
                    resident: m.Resident | None = None, home: m.Area | None = None) -> m.User:
    user = await m.User.create(username=username, display_name=username.title(), password_hash=_PW_HASH,
                               is_superuser=superuser, resident=resident,
                               home_area=home or (grants[0][1] if grants else None))
    for role, area in grants:
        await m.RoleGrant.create(user=user, role=role, area=area)
    return user


PASSWORD = "correct horse battery"
_PW_HASH = hash_password(PASSWORD)


def token_for(user: m.User) -> str:
    return issue_token(user, get_settings())[0]


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


