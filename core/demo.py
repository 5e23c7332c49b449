"""Deterministic demo data: Shangjie District as the report describes it.

Seeded, so every run makes the same district: the subdistricts and
communities named in DOMAIN.md, compounds, buildings, units, a few thousand
residents (Faker zh_CN names, valid ID and mobile numbers), partner
organisations and staff accounts. Plugins add theirs through the
``lastmile_demo_data`` hook.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker

from core import clock
from core import models as m
from core.auth import hash_password
from core.enums import (
    AreaLevel,
    Gender,
    HouseholdRelation,
    OrganizationKind,
    ResidencyType,
    UnitUsage,
    lineage_column,
)
from core.pii import blind_index, encrypt, mask_id_number, mask_phone
from core.validation import make_id_number

SEED = 410106
DEMO_PASSWORD = "lastmile-demo"

SUBDISTRICTS = {
    ("济源路街道", False): ["三湾街社区", "中安街社区"],
    ("中心路街道", False): ["晨光社区", "颐苑社区"],
    ("峡窝镇", True): ["新安西路社区", "金昌社区"],
}
COMPOUND_NAMES = [
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
]
TAGS = ["elderly-alone", "disabled", "veteran", "low-income", "left-behind-child", "key-care"]
ORGANIZATIONS = [
    ("上街区卫生健康委员会", OrganizationKind.GOVERNMENT_DEPARTMENT),
    ("上街区应急管理局", OrganizationKind.GOVERNMENT_DEPARTMENT),
    ("上街区交警大队", OrganizationKind.POLICE),
    ("上街区人民法院", OrganizationKind.COURT),
    ("上街区人民检察院", OrganizationKind.PROCURATORATE),
    ("河南上街律师事务所", OrganizationKind.LAW_FIRM),
    ("上街供电公司", OrganizationKind.UTILITY),
    ("上街自来水公司", OrganizationKind.UTILITY),
    ("中国电信上街分公司", OrganizationKind.UTILITY),
    ("鑫源物业服务有限公司", OrganizationKind.PROPERTY_MANAGEMENT),
    ("安居物业管理有限公司", OrganizationKind.PROPERTY_MANAGEMENT),
    ("上街区实验小学", OrganizationKind.SCHOOL),
]


@dataclass
class DemoContext:
    """What plugins get in ``lastmile_demo_data``."""

    rng: random.Random
    faker: Faker
    district: m.Area
    subdistricts: list[m.Area] = field(default_factory=list)
    communities: list[m.Area] = field(default_factory=list)
    compounds: list[m.Area] = field(default_factory=list)
    buildings: list[m.Area] = field(default_factory=list)
    units: list[m.Unit] = field(default_factory=list)
    residents: list[m.Resident] = field(default_factory=list)
    # username -> user, e.g. "admin", "worker-<community code>".
    users: dict[str, m.User] = field(default_factory=dict)
    # community id -> the community worker's account.
    community_workers: dict[int, m.User] = field(default_factory=dict)
    today: dt.date = field(default_factory=lambda: clock.today())


async def _area(level: AreaLevel, name: str, parent: m.Area | None, **extra) -> m.Area:
    area = m.Area(level=level, name=name, parent=parent, **extra)
    if parent is not None:
        area.set_lineage(parent.lineage())
    await area.save()
    setattr(area, lineage_column(level), area.id)
    await area.save(update_fields=[lineage_column(level)])
    return area


def _resident(
    rng: random.Random,
    faker: Faker,
    unit: m.Unit,
    relation: HouseholdRelation,
    born: dt.date,
    gender: Gender,
    seq: int,
    today: dt.date,
) -> m.Resident:
    first17_region = "410106"
    seq_code = seq * 2 + (1 if gender == Gender.MALE else 0)  # odd 17th digit = male
    id_number = make_id_number(first17_region, born, seq_code)
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    name = faker.name_male() if gender == Gender.MALE else faker.name_female()
    r = m.Resident(
        name=name,
        gender=gender,
        birth_date=born,
        id_number_cipher=encrypt(id_number, "id_number"),
        id_number_hash=blind_index(id_number, "id_number"),
        id_number_masked=mask_id_number(id_number),
        phone_cipher=encrypt(phone, "phone"),
        phone_hash=blind_index(phone, "phone"),
        phone_masked=mask_phone(phone),
        phone_last4=phone[-4:],
        residency_type=ResidencyType.REGISTERED if rng.random() < 0.8 else ResidencyType.NON_REGISTERED,
        is_party_member=rng.random() < 0.12,
        unit_id=unit.id,
        relation_to_head=relation,
        community_id=unit.community_ref,
        moved_in_on=today - dt.timedelta(days=rng.randrange(30, 9000)),
    )
    tags = []
    age = today.year - born.year
    if age >= 70 and rng.random() < 0.3:
        tags.append("elderly-alone")
    if rng.random() < 0.04:
        tags.append(rng.choice(TAGS[1:]))
    r.tags = tags
    r.set_lineage(unit.lineage())
    return r


def _born(rng: random.Random, today: dt.date, min_age: int, max_age: int) -> dt.date:
    return today - dt.timedelta(days=rng.randrange(min_age * 365 + 1, max_age * 365))


def _quiet(message: str) -> None:
    pass


async def load_core_demo(residents_target: int = 3000, progress=_quiet) -> DemoContext:
    rng = random.Random(SEED)
    faker = Faker("zh_CN")
    faker.seed_instance(SEED)
    today = clock.today()
    district = await _area(AreaLevel.DISTRICT, "上街区", None, code="410106")
    ctx = DemoContext(rng=rng, faker=faker, district=district, today=today)

    orgs = [
        await m.Organization.create(
            name=n, kind=k, contact_name=faker.name(), contact_phone=f"0371-6{rng.randrange(10**6):06d}"
        )
        for n, k in ORGANIZATIONS
    ]
    managers = [o for o in orgs if o.kind == OrganizationKind.PROPERTY_MANAGEMENT]

    sub_no = 0
    for (sub_name, is_town), community_names in SUBDISTRICTS.items():
        sub_no += 1
        sub = await _area(
            AreaLevel.SUBDISTRICT, sub_name, district, code=f"410106{sub_no:03d}", is_town=is_town
        )
        ctx.subdistricts.append(sub)
        for c_no, c_name in enumerate(community_names, start=1):
            community = await _area(AreaLevel.COMMUNITY, c_name, sub, code=f"410106{sub_no:03d}{c_no:03d}")
            ctx.communities.append(community)
            for org in rng.sample(orgs, 4):
                await m.PartnerLink.create(organization=org, community=community)
            for k in range(rng.randint(2, 3)):
                compound = await _area(
                    AreaLevel.COMPOUND,
                    f"{rng.choice(COMPOUND_NAMES)}{'小区' if k % 2 == 0 else '家园'}{k + 1}",
                    community,
                    address=f"上街区{faker.street_name()}{rng.randint(1, 300)}号",
                    built_year=rng.randint(1978, 2020),
                    property_manager=rng.choice(managers),
                )
                ctx.compounds.append(compound)
                for b in range(rng.randint(2, 4)):
                    floors = rng.choice([5, 6, 6, 7, 11, 18])
                    building = await _area(AreaLevel.BUILDING, f"{b + 1}号楼", compound, floors=floors)
                    ctx.buildings.append(building)
                    units = []
                    for entrance in range(1, 3):
                        for floor in range(1, floors + 1):
                            for room in (1, 2):
                                u = m.Unit(
                                    building_id=building.id,
                                    label=f"{entrance}-{floor}{room:02d}",
                                    floor=floor,
                                    area_sqm=round(rng.uniform(45, 140), 1),
                                    usage=rng.choices(list(UnitUsage), [70, 18, 8, 2, 2])[0],
                                )
                                u.set_lineage(building.lineage())
                                units.append(u)
                    await m.Unit.bulk_create(units)
    ctx.units = await m.Unit.all().order_by("id")
    progress(
        f"core: {len(ctx.communities)} communities, {len(ctx.compounds)} compounds, {len(ctx.units)} units"
    )

    # Households: a head, often a spouse, children, sometimes a grandparent.
    seq = 0
    batch: list[m.Resident] = []
    occupied = [u for u in ctx.units if u.usage in (UnitUsage.OWNER_OCCUPIED, UnitUsage.RENTED)]
    rng.shuffle(occupied)
    for unit in occupied:
        if seq >= residents_target:
            break
        head_gender = rng.choice([Gender.MALE, Gender.FEMALE])
        head_born = _born(rng, today, 28, 80)
        relation_head = HouseholdRelation.HEAD if unit.usage != UnitUsage.RENTED else HouseholdRelation.HEAD
        members = [(relation_head, head_born, head_gender)]
        if rng.random() < 0.75:
            members.append(
                (
                    HouseholdRelation.SPOUSE,
                    _born(rng, today, 26, 80),
                    Gender.FEMALE if head_gender == Gender.MALE else Gender.MALE,
                )
            )
        for _ in range(rng.choice([0, 1, 1, 2])):
            members.append((HouseholdRelation.CHILD, _born(rng, today, 1, 25), rng.choice(list(Gender))))
        if rng.random() < 0.2:
            members.append((HouseholdRelation.PARENT, _born(rng, today, 70, 95), rng.choice(list(Gender))))
        for relation, born, gender in members:
            seq += 1
            batch.append(_resident(rng, faker, unit, relation, born, gender, seq, today))
    await m.Resident.bulk_create(batch, batch_size=500)
    ctx.residents = await m.Resident.all().order_by("id")
    progress(f"core: {len(ctx.residents)} residents")

    await _demo_users(ctx)
    progress(f"core: {len(ctx.users)} accounts")
    return ctx


async def _demo_users(ctx: DemoContext) -> None:
    pw = hash_password(DEMO_PASSWORD)

    async def user(username: str, display: str, grants: list[tuple[str, m.Area]], **extra) -> m.User:
        u = await m.User.create(username=username, display_name=display, password_hash=pw, **extra)
        for role, area in grants:
            await m.RoleGrant.create(user=u, role=role, area=area)
        ctx.users[username] = u
        return u

    await user("admin", "区管理员", [("admin", ctx.district)], home_area=ctx.district, is_superuser=True)
    await user("district", "区级管理员", [("area_manager", ctx.district)], home_area=ctx.district)
    for i, sub in enumerate(ctx.subdistricts, start=1):
        await user(f"subdistrict{i}", f"{sub.name}管理员", [("area_manager", sub)], home_area=sub)
    for i, community in enumerate(ctx.communities, start=1):
        worker = await user(
            f"worker{i}", f"{community.name}社工", [("community_worker", community)], home_area=community
        )
        ctx.community_workers[community.id] = worker
        await user(f"grid{i}", f"{community.name}网格员", [("grid_worker", community)], home_area=community)
    heads = [r for r in ctx.residents if r.relation_to_head == HouseholdRelation.HEAD][:3]
    for i, resident in enumerate(heads, start=1):
        community = next(c for c in ctx.communities if c.id == resident.community_id)
        await user(
            f"resident{i}", resident.name, [("resident", community)], resident=resident, home_area=community
        )


async def database_is_empty() -> bool:
    return not await m.Area.exists()


async def load_demo(host, residents_target: int = 3000, progress=_quiet) -> DemoContext:
    """Core's demo data, then each plugin's, in one go; ``progress(line)`` hears of each stage."""
    ctx = await load_core_demo(residents_target, progress)
    await host.demo_data(ctx, progress)
    return ctx
