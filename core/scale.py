"""A district at benchmark scale: ``lastmile scale --residents N``.

The demo district (core.demo) has a few thousand residents and is built
through the ORM, one object at a time. Measuring reads at district scale
needs a million residents in minutes, so this builds the same kind of data
(12 subdistricts, ~105 communities, ~1 compound per 1,000 residents, ~40
units per building, ~3.3 residents per occupied unit) as plain rows with
explicit ids and writes them in bulk: PostgreSQL's COPY (asyncpg
``copy_records_to_table``), batched INSERTs on SQLite. Personal data is real
ciphertext, blind index and masked form from core.pii over valid GB 11643 ID
numbers and mobile numbers, so every read path (masked, audited full read,
exact lookup by blind index) works on it.

Seeded: the same N gives the same district. Only an empty database is filled.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterator

from core.pii import blind_index, encrypt, mask_id_number, mask_phone
from core.validation import id_check_digit

SEED = 410106
SUBDISTRICT_NAMES = [
    "济源路街道",
    "中心路街道",
    "新安路街道",
    "工业路街道",
    "矿山街道",
    "峡窝镇",
    "汇金路街道",
    "登封路街道",
    "金华路街道",
    "朝阳路街道",
    "淮河路街道",
    "五云山镇",
]
COMMUNITIES = 105
COMMUNITY_SUFFIXES = ["街社区", "路社区", "社区", "园社区", "里社区"]
COMPOUND_WORDS = [
    "幸福",
    "和谐",
    "阳光",
    "绿城",
    "金桥",
    "锦绣",
    "翠园",
    "康乐",
    "兴业",
    "铝城",
    "友谊",
    "安居",
    "春晖",
    "华庭",
    "盛世",
    "碧水",
    "御景",
    "东方",
    "西苑",
    "南湖",
    "北辰",
    "颐和",
    "嘉园",
    "丽景",
]
COMMUNITY_WORDS = [
    "三湾",
    "中安",
    "晨光",
    "颐苑",
    "新安西",
    "金昌",
    "汝南",
    "荥阳",
    "龙门",
    "淮阳",
    "济源",
    "洛阳",
    "许昌",
    "登封",
    "巩义",
    "新郑",
    "中原",
    "嵩山",
    "黄河",
    "伏牛",
    "桐柏",
    "太行",
    "大别",
    "邙山",
]
# Zhengzhou region codes: an ID number is region + birth date + a 3-digit sequence, so a
# crowded birth date spills into the next region instead of repeating a number.
REGIONS = ["410106", "410102", "410103", "410104", "410105", "410108", "410122", "410181", "410182", "410183"]
TAGS = ["elderly-alone", "disabled", "veteran", "low-income", "left-behind-child", "key-care"]
UNITS_PER_COMPOUND_TARGET = 300  # ~1,000 compounds and ~300k units at 1M residents
RESIDENTS_PER_UNIT = 3.3
BATCH = 20_000

AREA_COLUMNS = (
    "id",
    "district_ref",
    "subdistrict_ref",
    "community_ref",
    "compound_ref",
    "building_ref",
    "level",
    "name",
    "code",
    "parent_id",
    "is_town",
    "address",
    "built_year",
    "floors",
    "property_manager_id",
    "created_at",
    "updated_at",
)
UNIT_COLUMNS = (
    "id",
    "district_ref",
    "subdistrict_ref",
    "community_ref",
    "compound_ref",
    "building_ref",
    "building_id",
    "label",
    "floor",
    "area_sqm",
    "usage",
    "created_at",
    "updated_at",
)
RESIDENT_COLUMNS = (
    "id",
    "district_ref",
    "subdistrict_ref",
    "community_ref",
    "compound_ref",
    "building_ref",
    "name",
    "gender",
    "birth_date",
    "id_number_cipher",
    "id_number_hash",
    "id_number_masked",
    "phone_cipher",
    "phone_hash",
    "phone_masked",
    "phone_last4",
    "status",
    "residency_type",
    "is_party_member",
    "tags_text",
    "unit_id",
    "relation_to_head",
    "community_id",
    "moved_in_on",
    "moved_out_on",
    "created_at",
    "updated_at",
)


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, conn, postgres: bool):
        self.conn = conn
        self.postgres = postgres

    async def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            async with self.conn.acquire_connection() as raw:
                await raw.copy_records_to_table(table, records=rows, columns=list(columns))
        else:
            marks = ",".join("?" * len(columns))
            sql = f'INSERT INTO "{table}" ({",".join(columns)}) VALUES ({marks})'
            async with self.conn.acquire_connection() as raw:
                # tortoise's SQLite connection autocommits: without BEGIN each row is its own
                # transaction (and fsync), a hundred times slower.
                await raw.execute("BEGIN")
                await raw.executemany(sql, [_sqlite_row(r) for r in rows])
                await raw.execute("COMMIT")


def _sqlite_row(row: tuple) -> tuple:
    # Tortoise stores SQLite datetimes and dates as ISO text.
    return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)


def _name_pool(seed: int) -> tuple[list[str], list[str]]:
    from faker import Faker

    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    return ([faker.name_male() for _ in range(20_000)], [faker.name_female() for _ in range(20_000)])


class _IdNumbers:
    """Unique valid ID numbers: region + birth date + sequence (odd for men) + check digit."""

    def __init__(self):
        self.used: dict[tuple[str, dt.date, int], int] = {}

    def make(self, born: dt.date, male: bool) -> str:
        for region in REGIONS:
            key = (region, born, male)
            n = self.used.get(key, 0)
            if n < 500:
                self.used[key] = n + 1
                seq = n * 2 + (1 if male else 0)
                first17 = f"{region}{born:%Y%m%d}{seq:03d}"
                return first17 + id_check_digit(first17)
        raise RuntimeError(f"more than {500 * len(REGIONS)} people born on {born} of one gender")


def plan(residents: int) -> dict[str, int]:
    """How many areas and units a district of ``residents`` people has."""
    units = max(1, math.ceil(residents / RESIDENTS_PER_UNIT * 1.04))  # a few units stand vacant or commercial
    compounds = max(COMMUNITIES, round(units / UNITS_PER_COMPOUND_TARGET))
    return {
        "subdistricts": len(SUBDISTRICT_NAMES),
        "communities": COMMUNITIES,
        "compounds": compounds,
        "units": units,
    }


async def build_district(residents: int, *, progress: Callable[[str], None] = print) -> dict[str, int]:
    """Fill an empty database with a district of ``residents`` residents; returns the counts written."""
    from tortoise import connections

    from core import models as m
    from core.auth import hash_password
    from core.demo import DEMO_PASSWORD

    if await m.Area.exists():
        raise RuntimeError(
            "the database already has areas; scale data is written only into an empty database"
        )
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    writer = Writer(conn, postgres)
    rng = random.Random(SEED)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    shape = plan(residents)
    t0 = time.perf_counter()

    # ---- areas: district > 12 subdistricts > 105 communities > compounds > buildings
    org_ids = await _organizations(writer, now)
    next_id = iter(range(1, 10**9))
    areas: list[tuple] = []

    def area(
        level: str,
        name: str,
        parent: tuple | None,
        code=None,
        is_town=False,
        address=None,
        built_year=None,
        floors=None,
        manager=None,
    ) -> tuple:
        aid = next(next_id)
        lineage = list(parent[1:6]) if parent else [None] * 5
        lineage[["DISTRICT", "SUBDISTRICT", "COMMUNITY", "COMPOUND", "BUILDING"].index(level)] = aid
        row = (
            aid,
            *lineage,
            level,
            name,
            code,
            parent[0] if parent else None,
            is_town,
            address,
            built_year,
            floors,
            manager,
            now,
            now,
        )
        areas.append(row)
        return row

    district = area("DISTRICT", "上街区", None, code="410106")
    subs = [
        area("SUBDISTRICT", n, district, code=f"410106{i:03d}", is_town=n.endswith("镇"))
        for i, n in enumerate(SUBDISTRICT_NAMES, start=1)
    ]
    communities = []
    for i in range(COMMUNITIES):
        sub = subs[i % len(subs)]
        name = f"{COMMUNITY_WORDS[i % len(COMMUNITY_WORDS)]}{COMMUNITY_SUFFIXES[i // len(COMMUNITY_WORDS)]}"
        communities.append(area("COMMUNITY", name, sub, code=f"{sub[8]}{i + 1:03d}"))
    compounds = []
    for i in range(shape["compounds"]):
        community = communities[i % COMMUNITIES]
        k = i // COMMUNITIES
        name = f"{COMPOUND_WORDS[(i * 7) % len(COMPOUND_WORDS)]}{'小区' if k % 2 == 0 else '家园'}{k + 1}"
        compounds.append(
            area(
                "COMPOUND",
                name,
                community,
                address=f"上街区{COMMUNITY_WORDS[i % 24]}路{i % 300 + 1}号",
                built_year=rng.randint(1978, 2022),
                manager=rng.choice(org_ids["property"]),
            )
        )
    # Units are spread evenly over compounds; buildings hold 2 entrances x floors x 2 rooms.
    units_rows: list[tuple] = []
    per_compound = shape["units"] / len(compounds)
    unit_id = 0
    made = 0.0
    for compound in compounds:
        made += per_compound
        quota = round(made) - unit_id
        b = 0
        while quota > 0:
            b += 1
            floors = rng.choice([5, 6, 6, 7, 11, 18])
            building = area("BUILDING", f"{b}号楼", compound, floors=floors)
            for entrance in (1, 2):
                for floor in range(1, floors + 1):
                    for room in (1, 2):
                        if quota <= 0:
                            break
                        unit_id += 1
                        quota -= 1
                        usage = rng.choices(
                            ("OWNER_OCCUPIED", "RENTED", "VACANT", "COMMERCIAL", "OTHER"), (80, 16, 2, 1, 1)
                        )[0]
                        units_rows.append(
                            (
                                unit_id,
                                *building[1:6],
                                building[0],
                                f"{entrance}-{floor}{room:02d}",
                                floor,
                                round(rng.uniform(45, 140), 1),
                                usage,
                                now,
                                now,
                            )
                        )
    for i in range(0, len(areas), BATCH):
        await writer.write("core_area", AREA_COLUMNS, areas[i : i + BATCH])
    for i in range(0, len(units_rows), BATCH):
        await writer.write("core_unit", UNIT_COLUMNS, units_rows[i : i + BATCH])
    progress(
        f"areas {len(areas):,} and units {len(units_rows):,} written in {time.perf_counter() - t0:.1f} s"
    )

    # ---- residents, household by household, written in batches as they are made
    occupied = [u for u in units_rows if u[10] in ("OWNER_OCCUPIED", "RENTED")]
    males, females = _name_pool(SEED)
    ids = _IdNumbers()
    batch: list[tuple] = []
    written = 0
    rid = 0
    for row in _households(rng, occupied, residents, today):
        unit, relation, born, male = row
        rid += 1
        batch.append(_resident_row(rng, rid, unit, relation, born, male, males, females, ids, today, now))
        if len(batch) >= BATCH:
            await writer.write("core_resident", RESIDENT_COLUMNS, batch)
            written += len(batch)
            batch = []
            if written % 200_000 == 0:
                progress(f"residents {written:,} in {time.perf_counter() - t0:.0f} s")
    await writer.write("core_resident", RESIDENT_COLUMNS, batch)
    written += len(batch)

    # ---- accounts: the admin, a district manager, and a worker and a grid worker per community
    pw = hash_password(DEMO_PASSWORD)
    users = [("admin", "区管理员", True, district[0]), ("district", "区级管理员", False, district[0])]
    grants = [(1, "admin", district[0]), (2, "area_manager", district[0])]
    for i, community in enumerate(communities, start=1):
        users.append((f"worker{i}", f"{community[7]}社工", False, community[0]))
        grants.append((len(users), "community_worker", community[0]))
        users.append((f"grid{i}", f"{community[7]}网格员", False, community[0]))
        grants.append((len(users), "grid_worker", community[0]))
    await writer.write(
        "core_user",
        (
            "id",
            "username",
            "password_hash",
            "display_name",
            "home_area_id",
            "is_active",
            "is_superuser",
            "created_at",
        ),
        [(i, u, pw, d, home, True, su, now) for i, (u, d, su, home) in enumerate(users, start=1)],
    )
    await writer.write(
        "core_role_grant",
        ("id", "user_id", "role", "area_id", "created_at"),
        [(i, uid, role, aid, now) for i, (uid, role, aid) in enumerate(grants, start=1)],
    )
    if postgres:
        # Rows came with explicit ids: move each id sequence past them.
        for table in ("core_area", "core_unit", "core_resident", "core_user", "core_role_grant"):
            await conn.execute_script(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}));"
            )
        await conn.execute_script("ANALYZE core_area; ANALYZE core_unit; ANALYZE core_resident;")
    progress(f"residents {written:,} written; {time.perf_counter() - t0:.1f} s in all")
    return {
        "areas": len(areas),
        "compounds": len(compounds),
        "units": len(units_rows),
        "residents": written,
        "users": len(users),
    }


async def _organizations(writer: Writer, now: dt.datetime) -> dict[str, list[int]]:
    from core.demo import ORGANIZATIONS

    rows = [(i, name, kind.value, None, None, now) for i, (name, kind) in enumerate(ORGANIZATIONS, start=1)]
    await writer.write(
        "core_organization", ("id", "name", "kind", "contact_name", "contact_phone", "created_at"), rows
    )
    property_ids = [r[0] for r in rows if r[2] == "PROPERTY_MANAGEMENT"]
    return {"property": property_ids}


def _born(rng: random.Random, today: dt.date, min_age: int, max_age: int) -> dt.date:
    return today - dt.timedelta(days=rng.randrange(min_age * 365 + 1, max_age * 365))


def _households(rng: random.Random, occupied: list[tuple], target: int, today: dt.date) -> Iterator[tuple]:
    """(unit, relation, birth date, male) per resident: a head, often a spouse, children, a parent;
    about 3.3 people per unit, until ``target`` residents exist."""
    made = 0
    while made < target:
        for unit in occupied:
            male = rng.random() < 0.5
            members = [("HEAD", _born(rng, today, 28, 80), male)]
            if rng.random() < 0.8:
                members.append(("SPOUSE", _born(rng, today, 26, 80), not male))
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                members.append(("CHILD", _born(rng, today, 1, 25), rng.random() < 0.5))
            if rng.random() < 0.25:
                members.append(("PARENT", _born(rng, today, 70, 95), rng.random() < 0.5))
            for relation, born, is_male in members:
                if made >= target:
                    return
                made += 1
                yield unit, relation, born, is_male


def _resident_row(rng, rid, unit, relation, born, male, males, females, ids, today, now) -> tuple:
    id_number = ids.make(born, male)
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    tags = []
    if today.year - born.year >= 70 and rng.random() < 0.3:
        tags.append("elderly-alone")
    if rng.random() < 0.04:
        tags.append(rng.choice(TAGS[1:]))
    tags_text = "|" + "|".join(sorted(set(tags))) + "|" if tags else ""
    status = "ACTIVE" if rng.random() < 0.97 else "MOVED_OUT"
    return (
        rid,
        *unit[1:6],
        rng.choice(males if male else females),
        "MALE" if male else "FEMALE",
        born,
        encrypt(id_number, "id_number"),
        blind_index(id_number, "id_number"),
        mask_id_number(id_number),
        encrypt(phone, "phone"),
        blind_index(phone, "phone"),
        mask_phone(phone),
        phone[-4:],
        status,
        "REGISTERED" if rng.random() < 0.8 else "NON_REGISTERED",
        rng.random() < 0.12,
        tags_text,
        unit[0],
        relation,
        unit[3],
        today - dt.timedelta(days=rng.randrange(30, 9000)),
        None if status == "ACTIVE" else today - dt.timedelta(days=rng.randrange(1, 30)),
        now,
        now,
    )
