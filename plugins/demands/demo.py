"""Demo data: a believable year of Shangjie's party-building project ledger (党建项目台账).

About 1,050 demands over the last 365 days across the six demo communities, in every
status, most of them delivered and rated (resolution rate near the report's 96%); the
safety-education hall built by 16 organisations (a PUBLIC demand accepted jointly); the
建行家属院 cable clean-up whistle with power, water and telecoms summoned; a few more
whistles, one of them with a department late to report. Everything is written with
bulk inserts (demands, assignments, events), so ``lastmile demo`` stays quick.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from core import clock
from core import models as m
from core.demo import DemoContext
from core.enums import AreaLevel, OrganizationKind
from plugins.demands.enums import DemandAssignmentStatus as AS
from plugins.demands.enums import DemandChannel, DemandScope
from plugins.demands.enums import DemandStatus as S
from plugins.demands.enums import WhistleCallStatus as CS
from plugins.demands.enums import WhistleStatus as WS
from plugins.demands.models import (
    Demand,
    DemandAssignment,
    DemandCategory,
    DemandEvent,
    LedgerCounter,
    OrganizationLiaison,
    Whistle,
    WhistleCall,
)
from plugins.demands.numbering import format_ledger_number

DEMANDS = 1050
DAY = dt.timedelta(days=1)

CATEGORIES = [
    # (name, slaDays, suggested kinds, weight, typical needs)
    (
        "适老化改造",
        30,
        ["GOVERNMENT_DEPARTMENT", "ENTERPRISE"],
        12,
        ["楼道加装扶手", "卫生间防滑改造", "老人家中安装紧急呼叫器"],
    ),
    ("环境卫生", 7, ["PROPERTY_MANAGEMENT"], 18, ["楼道堆放杂物清理", "垃圾桶满溢", "绿化带杂草清理"]),
    ("设施维修", 10, ["PROPERTY_MANAGEMENT", "UTILITY"], 22, ["楼道灯不亮", "单元门禁损坏", "下水道堵塞"]),
    (
        "安全隐患",
        5,
        ["GOVERNMENT_DEPARTMENT", "POLICE", "UTILITY"],
        12,
        ["电动车楼道充电", "消防通道被占", "井盖破损"],
    ),
    ("便民服务", 7, ["SOCIAL_ORGANIZATION", "ENTERPRISE"], 14, ["上门理发", "代办医保", "家电义务维修"]),
    (
        "文体活动",
        30,
        ["SCHOOL", "SOCIAL_ORGANIZATION", "PARTY_ORGANIZATION"],
        8,
        ["组织广场舞培训", "暑期青少年托管", "书画展览"],
    ),
    ("法律咨询", 10, ["LAW_FIRM", "COURT"], 7, ["房屋继承咨询", "劳动合同纠纷咨询", "物业费争议咨询"]),
    (
        "公共设施建设",
        60,
        ["GOVERNMENT_DEPARTMENT", "ENTERPRISE", "UTILITY"],
        7,
        ["增设休闲座椅", "建设充电车棚", "修建小游园"],
    ),
]

EXTRA_ORGANIZATIONS = [
    ("上街区消防救援大队", OrganizationKind.GOVERNMENT_DEPARTMENT),
    ("上街区教育局", OrganizationKind.GOVERNMENT_DEPARTMENT),
    ("上街区红十字会", OrganizationKind.SOCIAL_ORGANIZATION),
    ("上街区科学技术协会", OrganizationKind.SOCIAL_ORGANIZATION),
    ("上街区妇女联合会", OrganizationKind.PARTY_ORGANIZATION),
    ("共青团上街区委员会", OrganizationKind.PARTY_ORGANIZATION),
    ("中国建设银行上街支行", OrganizationKind.ENTERPRISE),
    ("上街区退役军人事务局", OrganizationKind.GOVERNMENT_DEPARTMENT),
]

COMMENTS = {
    5: ["非常满意，办得又快又好", "社区和共建单位真给力", "感谢！"],
    4: ["满意", "效果不错，稍慢了点"],
    3: ["一般", "解决了，但跑了好几趟"],
    2: ["不太满意，拖得太久"],
    1: ["问题没有真正解决"],
}


async def _organizations(ctx: DemoContext) -> list[m.Organization]:
    for name, kind in EXTRA_ORGANIZATIONS:
        if not await m.Organization.filter(name=name).exists():
            await m.Organization.create(
                name=name,
                kind=kind,
                contact_name=ctx.faker.name(),
                contact_phone=f"0371-6{ctx.rng.randrange(10**6):06d}",
            )
    return list(await m.Organization.all().order_by("id"))


async def _liaisons(ctx: DemoContext, orgs: list[m.Organization]) -> dict[int, int]:
    """One liaison account per organisation (liaison1, liaison2, ...; the demo password)."""
    password_hash = ctx.users["admin"].password_hash
    users = {}
    for i, org in enumerate(orgs, start=1):
        user = await m.User.create(
            username=f"liaison{i}", display_name=f"{org.name}联络员", password_hash=password_hash
        )
        await OrganizationLiaison.create(organization=org, user=user)
        ctx.users[user.username] = user
        users[org.id] = user.id
    return users


def _status(rng, age_days: float) -> S:
    """Old demands are settled; recent ones are still on their way (about 96% resolved overall)."""
    roll = rng.random()
    if roll < 0.02:
        return S.WITHDRAWN
    if roll < 0.03:
        return S.REJECTED
    if age_days < 12:
        return rng.choice([S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.ACCEPTED, S.DELIVERED, S.DELIVERED])
    if age_days < 40:
        return rng.choices([S.ACCEPTED, S.DELIVERED, S.CLOSED], [2, 3, 10])[0]
    return S.CLOSED


class _Ledger:
    """Rows built in memory, then written with bulk inserts."""

    def __init__(self, ctx: DemoContext, now: dt.datetime):
        self.ctx, self.now, self.rng = ctx, now, ctx.rng
        self.demands: list[Demand] = []
        self.assignments: dict[int, list[DemandAssignment]] = defaultdict(list)
        self.events: dict[int, list[DemandEvent]] = defaultdict(list)

    def event(self, i: int, at, actor, kind, frm=None, to=None, note=None):
        self.events[i].append(
            DemandEvent(at=at, actor_id=actor, kind=kind, from_status=frm, to_status=to, note=note)
        )

    def add(
        self,
        *,
        category: DemandCategory,
        title: str,
        scope: DemandScope,
        area: m.Area,
        unit_id,
        submitter_id,
        entered_by: int,
        submitted_at: dt.datetime,
        status: S,
        orgs: list[m.Organization],
        liaisons: dict[int, int],
        channel: DemandChannel,
        score: int | None = None,
        description: str | None = None,
        joint: bool = False,
    ) -> Demand:
        rng, i = self.rng, len(self.demands)
        d = Demand(
            title=title,
            description=description or f"{title}，请社区协调解决。",
            category_id=category.id,
            scope=scope,
            channel=channel,
            status=status,
            area_id=area.id,
            unit_id=unit_id,
            submitter_id=submitter_id,
            entered_by_id=entered_by,
            submitted_at=submitted_at,
            **area.lineage(),
        )
        self.demands.append(d)
        self.event(i, submitted_at, entered_by, "SUBMITTED", to=S.SUBMITTED)
        if status == S.REJECTED:
            d.rejection_reason = "不属于社区党建项目受理范围，已引导至相关部门"
            self.event(
                i, submitted_at + DAY, entered_by, "REJECTED", S.SUBMITTED, S.REJECTED, d.rejection_reason
            )
            return d
        if status == S.SUBMITTED or (status == S.WITHDRAWN and rng.random() < 0.5):
            if status == S.WITHDRAWN:
                self.event(i, submitted_at + DAY, entered_by, "WITHDRAWN", S.SUBMITTED, S.WITHDRAWN)
            return d
        dispatched = min(
            submitted_at + dt.timedelta(hours=rng.randint(2, 40)), self.now - dt.timedelta(hours=1)
        )
        d.dispatched_at, d.dispatched_by_id = dispatched, entered_by
        d.due_at = dispatched + category.sla_days * DAY
        self.event(
            i,
            dispatched,
            entered_by,
            "DISPATCHED",
            S.SUBMITTED,
            S.DISPATCHED,
            "、".join(o.name for o in orgs),
        )
        answered = min(
            dispatched + dt.timedelta(hours=rng.randint(1, 30)), self.now - dt.timedelta(minutes=30)
        )
        if status == S.WITHDRAWN:
            for org in orgs:
                self.assignments[i].append(
                    DemandAssignment(organization_id=org.id, status=AS.CANCELLED, offered_at=dispatched)
                )
            self.event(i, answered, entered_by, "WITHDRAWN", S.DISPATCHED, S.WITHDRAWN)
            return d
        if status == S.DISPATCHED:
            for org in orgs:
                self.assignments[i].append(
                    DemandAssignment(organization_id=org.id, status=AS.OFFERED, offered_at=dispatched)
                )
            return d
        # Accepted: the first organisation (sometimes after another declined), the others join.
        for k, org in enumerate(orgs):
            declines = not joint and k > 0 and rng.random() < 0.15
            liaison = liaisons.get(org.id)
            self.assignments[i].append(
                DemandAssignment(
                    organization_id=org.id,
                    status=AS.DECLINED if declines else AS.ACCEPTED,
                    offered_at=dispatched,
                    answered_at=answered,
                    answered_by_id=liaison,
                    decline_reason="本单位近期人手不足，无法承接" if declines else None,
                    contribution=None
                    if declines
                    else rng.choice(["派专人上门处理", "提供物资和技术支持", "组织志愿者参与"]),
                )
            )
            if declines:
                self.event(
                    i, answered, liaison, "OFFER_DECLINED", note=f"{org.name}: 本单位近期人手不足，无法承接"
                )
            elif k == 0:
                self.event(i, answered, liaison, "ACCEPTED", S.DISPATCHED, S.ACCEPTED, org.name)
            else:
                self.event(i, answered, liaison, "ACCEPTED", note=org.name)
        if status == S.ACCEPTED:
            return d
        first = liaisons.get(orgs[0].id)
        span = category.sla_days * rng.choice([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.1, 1.3])
        delivered = min(answered + span * DAY, self.now - dt.timedelta(minutes=10))
        if status == S.DELIVERED:
            delivered = max(answered, min(delivered, self.now - dt.timedelta(days=rng.randint(0, 12))))
        d.delivered_at, d.delivery_report = delivered, "已按要求办结，居民现场确认"
        d.delivered_on_time = delivered <= d.due_at
        d.delivery_seconds = int((delivered - submitted_at).total_seconds())
        self.event(i, delivered, first, "DELIVERED", S.ACCEPTED, S.DELIVERED)
        if status == S.DELIVERED:
            return d
        rated = score is not None or rng.random() < 0.85
        if rated:
            score = score or rng.choices([5, 4, 3, 2, 1], [55, 30, 10, 3, 2])[0]
            at = min(delivered + dt.timedelta(hours=rng.randint(2, 200)), self.now - dt.timedelta(minutes=5))
            d.rating_score, d.rated_at, d.closed_at = score, at, at
            d.rating_comment = rng.choice(COMMENTS[score]) if rng.random() < 0.6 else None
            d.rated_by_id = entered_by
            self.event(i, at, entered_by, "RATED", S.DELIVERED, S.CLOSED, f"{score}/5")
        else:
            at = delivered + 14 * DAY
            d.closed_at = at
            self.event(i, at, None, "AUTO_CLOSED", S.DELIVERED, S.CLOSED, "unrated 14 days after delivery")
        return d

    async def save(self) -> dict[int, int]:
        """Number the ledger in submission order per year, insert in bulk; {row index: demand id}."""
        order = sorted(range(len(self.demands)), key=lambda i: self.demands[i].submitted_at)
        last: dict[int, int] = defaultdict(int)
        for i in order:
            d = self.demands[i]
            year = clock.local_date(d.submitted_at).year
            last[year] += 1
            d.year, d.seq, d.ledger_number = year, last[year], format_ledger_number(year, last[year])
        await Demand.bulk_create(self.demands, batch_size=500)
        ids = dict(await Demand.all().values_list("ledger_number", "id"))
        index = {i: ids[d.ledger_number] for i, d in enumerate(self.demands)}
        rows = []
        for i, items in self.assignments.items():
            for a in items:
                a.demand_id = index[i]
                rows.append(a)
        await DemandAssignment.bulk_create(rows, batch_size=1000)
        events = []
        for i, items in self.events.items():
            for e in items:
                e.demand_id = index[i]
                events.append(e)
        await DemandEvent.bulk_create(events, batch_size=1000)
        for year, seq in last.items():
            await LedgerCounter.create(year=year, last_seq=seq)
        return index


async def _compound(community: m.Area, name: str) -> m.Area:
    area = m.Area(level=AreaLevel.COMPOUND, name=name, parent_id=community.id, built_year=1988)
    area.set_lineage(community.lineage())
    await area.save()
    area.compound_ref = area.id
    await area.save(update_fields=["compound_ref"])
    return area


async def load_demo(ctx: DemoContext) -> None:
    rng, now = ctx.rng, clock.now()
    categories = [
        await DemandCategory.create(name=n, sla_days=sla, suggested_kinds=kinds)
        for n, sla, kinds, _w, _t in CATEGORIES
    ]
    weights = [w for _n, _s, _k, w, _t in CATEGORIES]
    needs = {c.id: t for c, (_n, _s, _k, _w, t) in zip(categories, CATEGORIES, strict=True)}
    orgs = await _organizations(ctx)
    by_name = {o.name: o for o in orgs}
    liaisons = await _liaisons(ctx, orgs)
    partners = defaultdict(list)
    for link in await m.PartnerLink.all().values("community_id", "organization_id"):
        partners[link["community_id"]].append(link["organization_id"])
    org_by_id = {o.id: o for o in orgs}
    residents = defaultdict(list)
    for r in ctx.residents:
        residents[r.community_id].append(r)
    units = {u.id: u for u in ctx.units}
    areas = {a.id: a for a in [*ctx.compounds, *ctx.buildings]}
    compounds = defaultdict(list)
    for c in ctx.compounds:
        compounds[c.parent_id].append(c)

    ledger = _Ledger(ctx, now)
    for _ in range(DEMANDS - 2):
        community = rng.choice(ctx.communities)
        category = rng.choices(categories, weights)[0]
        age = rng.uniform(0, 365) ** 1.0
        submitted = now - age * DAY
        worker = ctx.community_workers[community.id].id
        people = residents.get(community.id) or []
        if people and rng.random() < 0.8:
            r = rng.choice(people)
            unit = units[r.unit_id]
            scope, area, unit_id, submitter = (
                DemandScope.HOUSEHOLD,
                areas.get(unit.building_id, community),
                unit.id,
                r.id,
            )
        else:
            scope, unit_id, submitter = DemandScope.PUBLIC, None, None
            area = (
                rng.choice(compounds[community.id])
                if compounds[community.id] and rng.random() < 0.6
                else community
            )
        pool = [org_by_id[i] for i in partners.get(community.id, [])] or orgs
        chosen = rng.sample(pool, min(len(pool), rng.choice([1, 1, 1, 2, 2, 3])))
        ledger.add(
            category=category,
            title=rng.choice(needs[category.id]),
            scope=scope,
            area=area,
            unit_id=unit_id,
            submitter_id=submitter,
            entered_by=worker,
            submitted_at=submitted,
            status=_status(rng, age),
            orgs=chosen,
            liaisons=liaisons,
            channel=rng.choice(list(DemandChannel)),
        )

    # The safety-education hall: one PUBLIC need, accepted jointly by 16 organisations.
    zhongan = next((c for c in ctx.communities if c.name == "中安街社区"), ctx.communities[0])
    hall_orgs = orgs[:16]
    ledger.add(
        category=next(c for c in categories if c.name == "公共设施建设"),
        title="建设社区安全教育馆",
        description="居民点单：社区缺少消防、交通、防诈骗等安全宣传阵地。16家共建单位联合接单，共建安全教育馆。",
        scope=DemandScope.PUBLIC,
        area=zhongan,
        unit_id=None,
        submitter_id=None,
        entered_by=ctx.community_workers[zhongan.id].id,
        submitted_at=now - 200 * DAY,
        status=S.CLOSED,
        orgs=hall_orgs,
        liaisons=liaisons,
        channel=DemandChannel.MEETING,
        score=5,
        joint=True,
    )
    # The 建行家属院 cable clean-up, escalated to the subdistrict.
    sanwan = next((c for c in ctx.communities if c.name == "三湾街社区"), ctx.communities[0])
    jianhang = await _compound(sanwan, "建行家属院")
    utilities = [by_name[n] for n in ("上街供电公司", "上街自来水公司", "中国电信上街分公司") if n in by_name]
    cable_index = len(ledger.demands)
    ledger.add(
        category=next(c for c in categories if c.name == "安全隐患"),
        title="建行家属院线缆杂乱整治",
        description="院内电力、供水、通信线缆私拉乱接，存在安全隐患，一家单位无法单独解决。",
        scope=DemandScope.PUBLIC,
        area=jianhang,
        unit_id=None,
        submitter_id=None,
        entered_by=ctx.community_workers[sanwan.id].id,
        submitted_at=now - 120 * DAY,
        status=S.CLOSED,
        orgs=utilities,
        liaisons=liaisons,
        channel=DemandChannel.DOOR_TO_DOOR,
        score=5,
        joint=True,
    )
    index = await ledger.save()
    cable_id = index[cable_index]

    manager = ctx.users.get("subdistrict1") or ctx.users["admin"]
    blown = now - 118 * DAY
    whistle = await Whistle.create(
        title="建行家属院线缆整治",
        description="街道吹哨：供电、供水、通信三家单位联合入院整治飞线、规整管线。",
        subdistrict_id=jianhang.subdistrict_ref,
        area_id=jianhang.id,
        status=WS.RESOLVED,
        blown_at=blown,
        blown_by_id=manager.id,
        demand_id=cable_id,
        resolved_at=now - 100 * DAY,
        resolution="三家单位同步施工，拆除废弃线缆1200余米，规整入户线路",
        **jianhang.lineage(),
    )
    await WhistleCall.bulk_create(
        [
            WhistleCall(
                whistle_id=whistle.id,
                organization_id=o.id,
                status=CS.DONE,
                report_by=blown + 2 * DAY,
                reported_at=blown + dt.timedelta(hours=6 + 10 * k),
                reported_by_id=liaisons[o.id],
                reported_on_time=True,
                commitment="三日内入院勘察，联合制定整治方案",
                outcome="已完成本单位线缆整治",
                done_at=now - (101 + k) * DAY,
            )
            for k, o in enumerate(utilities)
        ]
    )
    await DemandEvent.create(
        demand_id=cable_id, at=blown, actor_id=manager.id, kind="WHISTLE_BLOWN", note=whistle.title
    )
    # A few more whistles: one still open with a department late to report.
    for k, community in enumerate(ctx.communities[2:5]):
        sub_no = ctx.subdistricts.index(
            next(s for s in ctx.subdistricts if s.id == community.subdistrict_ref)
        )
        sub_manager = ctx.users.get(f"subdistrict{sub_no + 1}") or ctx.users["admin"]
        at = now - (30 - 10 * k) * DAY
        open_ = k == 2
        w = await Whistle.create(
            title=f"{community.name}背街小巷积水治理",
            description="雨后积水严重，需排水、市政、物业联合处置。",
            subdistrict_id=community.subdistrict_ref,
            area_id=community.id,
            status=WS.OPEN if open_ else WS.RESOLVED,
            blown_at=at,
            blown_by_id=sub_manager.id,
            resolved_at=None if open_ else at + 9 * DAY,
            resolution=None if open_ else "疏通管网，加装雨水篦子",
            **community.lineage(),
        )
        summoned = rng.sample(orgs, 3)
        calls = []
        for j, o in enumerate(summoned):
            reported = not open_ or j == 0
            report_at = at + dt.timedelta(hours=12 + 30 * j)
            calls.append(
                WhistleCall(
                    whistle_id=w.id,
                    organization_id=o.id,
                    status=(CS.DONE if not open_ else CS.REPORTED) if reported else CS.SUMMONED,
                    report_by=at + 2 * DAY,
                    reported_at=report_at if reported else None,
                    reported_by_id=liaisons[o.id] if reported else None,
                    reported_on_time=(report_at <= at + 2 * DAY) if reported else None,
                    commitment="立即组织人员到场" if reported else None,
                    outcome="已完成" if reported and not open_ else None,
                    done_at=at + 8 * DAY if reported and not open_ else None,
                )
            )
        await WhistleCall.bulk_create(calls)
