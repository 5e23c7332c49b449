"""Demo data: a believable year of dispute cases across the demo communities.

Each case is walked through the same lifecycle the state machine enforces
(report, accept, sometimes escalate, team, sessions, resolve or fail,
follow-ups, close), with times drawn forward from its report; steps that
would lie in the future have not happened yet, so recent cases are still
REPORTED, ACCEPTED or IN_MEDIATION and every status occurs. Rows are written
with bulk inserts. Adds one mediator account per community (``mediator1..``,
password ``lastmile-demo``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from core import clock
from core import models as m
from core.api.relay import gid_of
from core.auth import hash_password
from core.demo import DEMO_PASSWORD, DemoContext
from core.enums import AreaLevel
from plugins.mediation.enums import (
    DisputeCategory as C,
)
from plugins.mediation.enums import (
    DisputePartyRole,
    MediationMethod,
    MediationTeamRole,
)
from plugins.mediation.enums import (
    DisputeStatus as S,
)
from plugins.mediation.models import (
    CaseCounter,
    DisputeCase,
    DisputeCaseEvent,
    DisputeParty,
    FollowUp,
    MediationSession,
    MediationTeamMember,
)
from plugins.mediation.services.cases import NOTIFY_KIND, assigned_title
from plugins.mediation.services.lifecycle import INITIAL_LEVEL, NEXT_LEVEL
from plugins.mediation.services.numbering import format_case_number

CASES = 320
# Cases each demo resident account (resident1..) is the applicant of.
ACCOUNT_CASES = 3
# A few cases whose walk stops at a given status, so that every status shows whatever day the demo is
# loaded (status, days since reported: long enough for every earlier step to lie in the past).
SHOWCASE = [
    (S.REPORTED, 0.02),
    (S.ACCEPTED, 2),
    (S.IN_MEDIATION, 10),
    (S.RESOLVED, 60),
    (S.FAILED, 60),
    (S.CLOSED, 200),
]
DAY = dt.timedelta(days=1)

CATEGORY_WEIGHTS = {
    C.NEIGHBOR: 24,
    C.FAMILY: 12,
    C.PROPERTY_MANAGEMENT: 12,
    C.LANDLORD_TENANT: 7,
    C.LABOR: 4,
    C.DEBT: 6,
    C.NOISE: 13,
    C.PARKING: 11,
    C.RENOVATION: 9,
    C.OTHER: 2,
}
TITLES = {
    C.NEIGHBOR: ["楼道堆放杂物引发邻里矛盾", "宠物扰邻纠纷", "公共区域占用纠纷", "邻里通道使用争执"],
    C.FAMILY: ["赡养老人费用分担纠纷", "婚姻家庭矛盾", "房产继承分歧", "子女抚养费争议"],
    C.PROPERTY_MANAGEMENT: [
        "物业费收缴争议",
        "电梯维修责任纠纷",
        "小区绿化维护不到位投诉",
        "门禁系统故障责任争议",
    ],
    C.LANDLORD_TENANT: ["押金退还纠纷", "租客提前退租争议", "出租房屋维修责任纠纷"],
    C.LABOR: ["装修工人工资拖欠", "保洁人员劳务费争议"],
    C.DEBT: ["邻里借款未还纠纷", "合伙经营欠款纠纷"],
    C.NOISE: ["夜间噪音扰民", "广场舞音响噪音投诉", "空调外机噪音纠纷"],
    C.PARKING: ["车位被占用纠纷", "电动车充电占道争执", "私装地锁引发纠纷"],
    C.RENOVATION: ["装修导致楼下渗水", "装修噪音及垃圾清运纠纷", "拆改承重墙引发争议"],
    C.OTHER: ["公共设施损坏赔偿争议", "高空抛物引发纠纷"],
}
OUTSIDE = {
    C.PROPERTY_MANAGEMENT: "物业服务中心",
    C.LANDLORD_TENANT: "房东",
    C.LABOR: "装修公司负责人",
    C.RENOVATION: "装修施工队",
    C.PARKING: "外来车主",
}
TERMS = [
    "双方达成谅解，责任方当面致歉并承诺整改",
    "责任方承担维修费用，一周内完成修复",
    "双方约定使用时间和规则，签订邻里公约",
    "分期偿还欠款，社区见证",
    "物业限期整改并减免部分费用",
]
LOCATIONS = ["楼院调解室", "社区矛盾纠纷调解中心", "当事人家中", "小区议事亭", "街道综治中心"]


@dataclass
class Plan:
    """One case as it will be written: the row and its children, before ids exist."""

    case: DisputeCase
    parties: list[DisputeParty] = field(default_factory=list)
    team: list[MediationTeamMember] = field(default_factory=list)
    sessions: list[MediationSession] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    events: list[DisputeCaseEvent] = field(default_factory=list)
    notify: list[int] = field(default_factory=list)


async def _mediators(ctx: DemoContext) -> dict[int, m.User]:
    pw = hash_password(DEMO_PASSWORD)
    out = {}
    for i, community in enumerate(ctx.communities, start=1):
        user = await m.User.create(
            username=f"mediator{i}",
            display_name=f"{community.name}民调员",
            password_hash=pw,
            home_area=community,
        )
        await m.RoleGrant.create(user=user, role="mediator", area=community)
        ctx.users[user.username] = user
        out[community.id] = user
    return out


class _Walker:
    """Walks one case through its lifecycle up to ``now``."""

    def __init__(self, ctx: DemoContext, now: dt.datetime, staff: dict):
        self.rng = ctx.rng
        self.now = now
        self.staff = staff

    def event(
        self, plan: Plan, at, actor, kind, frm=None, to=None, note=None, from_level=None, to_level=None
    ):
        plan.events.append(
            DisputeCaseEvent(
                at=at,
                actor_id=actor.id if actor else None,
                kind=kind,
                from_status=frm,
                to_status=to,
                note=note,
                from_level=from_level,
                to_level=to_level,
            )
        )

    def walk(self, plan: Plan, community: m.Area, reporter: m.User, stop: S | None = None) -> None:
        """``stop``: end the walk once the case reaches this status (the showcase cases)."""
        rng, c = self.rng, plan.case
        worker, grid, mediator, manager = (
            self.staff[k][community.id] for k in ("worker", "grid", "mediator", "manager")
        )
        self.event(plan, c.reported_at, reporter, "REPORTED", to=S.REPORTED, to_level=c.handling_level)
        t = c.reported_at + dt.timedelta(hours=rng.uniform(1, 30))
        if t > self.now:
            return
        c.status = S.ACCEPTED
        self.event(plan, t, worker, "ACCEPTED", S.REPORTED, S.ACCEPTED)
        if stop == S.ACCEPTED:
            return
        # Small matters stay in the compound: most cases never leave their first level.
        while c.handling_level in NEXT_LEVEL and rng.random() < (
            0.18 if c.handling_level == AreaLevel.COMPOUND else 0.15
        ):
            t += dt.timedelta(hours=rng.uniform(4, 48))
            if t > self.now:
                return
            up = NEXT_LEVEL[c.handling_level]
            self.event(
                plan,
                t,
                worker,
                "ESCALATED",
                S.ACCEPTED,
                S.ACCEPTED,
                note="涉及多方利益，提交上一级调解",
                from_level=c.handling_level,
                to_level=up,
            )
            c.handling_level = up
        lead = manager if c.handling_level == AreaLevel.SUBDISTRICT else worker
        t += dt.timedelta(hours=rng.uniform(2, 40))
        if t > self.now:
            return
        plan.team = [
            MediationTeamMember(user_id=mediator.id, role=MediationTeamRole.MEDIATOR),
            MediationTeamMember(user_id=grid.id, role=MediationTeamRole.GRID_LEADER),
        ]
        if c.handling_level != AreaLevel.COMPOUND:
            plan.team.append(MediationTeamMember(user_id=lead.id, role=MediationTeamRole.COMMUNITY_HEAD))
        c.method = rng.choices(list(MediationMethod), [55, 30, 15])[0]
        c.case_owner_id = (lead if c.handling_level != AreaLevel.COMPOUND else mediator).id
        c.status = S.IN_MEDIATION
        self.event(
            plan,
            t,
            lead,
            "TEAM_ASSIGNED",
            S.ACCEPTED,
            S.IN_MEDIATION,
            note=f"{len(plan.team)} member(s), method {c.method.value}",
        )
        if t > self.now - dt.timedelta(days=14):
            plan.notify = [member.user_id for member in plan.team]
        if stop == S.IN_MEDIATION:
            return
        spread = {AreaLevel.COMPOUND: (1, 6), AreaLevel.COMMUNITY: (3, 12), AreaLevel.SUBDISTRICT: (7, 25)}
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            t += dt.timedelta(days=rng.uniform(*spread[c.handling_level]) / 2)
            if t > self.now:
                return
            plan.sessions.append(
                MediationSession(
                    held_at=t,
                    location=rng.choice(LOCATIONS),
                    notes="听取双方陈述，释法明理，提出调解方案",
                    recorded_by_id=mediator.id,
                )
            )
            self.event(plan, t, mediator, "SESSION_RECORDED", note=plan.sessions[-1].location)
        t += dt.timedelta(hours=rng.uniform(2, 72))
        if t > self.now:
            return
        if stop == S.FAILED or rng.random() < 0.08:
            c.status, c.outcome, c.failed_at = S.FAILED, S.FAILED, t
            self.event(
                plan, t, lead, "FAILED", S.IN_MEDIATION, S.FAILED, note="双方分歧较大，引导通过诉讼途径解决"
            )
            closed = t + dt.timedelta(days=rng.uniform(1, 6))
            # Some stay open until the court confirms it took the matter over.
            if stop != S.FAILED and rng.random() < 0.85 and closed <= self.now:
                c.status, c.closed_at = S.CLOSED, closed
                self.event(plan, closed, lead, "CLOSED", S.FAILED, S.CLOSED)
            return
        c.status, c.outcome, c.resolved_at, c.resolved_level = S.RESOLVED, S.RESOLVED, t, c.handling_level
        c.resolution_seconds = int((t - c.reported_at).total_seconds())
        c.agreement_terms, c.agreement_signed_on = rng.choice(TERMS), clock.local_date(t)
        dues = [
            c.agreement_signed_on + dt.timedelta(days=d) for d in ([7, 30] if rng.random() < 0.6 else [15])
        ]
        self.event(
            plan, t, lead, "RESOLVED", S.IN_MEDIATION, S.RESOLVED, note=f"{len(dues)} follow-up(s) scheduled"
        )
        last = t
        for due in dues:
            if stop == S.RESOLVED:
                plan.follow_ups.append(FollowUp(due_on=due))
                continue
            done = dt.datetime.combine(due, dt.time(10), tzinfo=clock.zone()) + dt.timedelta(
                hours=rng.uniform(0, 30)
            )
            follow_up = FollowUp(due_on=due)
            plan.follow_ups.append(follow_up)
            if done > self.now:
                continue
            kept = rng.random() < 0.93
            follow_up.done_at, follow_up.done_by_id, follow_up.agreement_kept = done, grid.id, kept
            follow_up.note = "回访确认协议已履行" if kept else "协议部分未履行，已再次督促"
            self.event(
                plan,
                done,
                grid,
                "FOLLOW_UP_DONE",
                note=f"{due.isoformat()}: {'agreement kept' if kept else 'agreement not kept'}",
            )
            last = max(last, done)
        if all(f.done_at for f in plan.follow_ups):
            closed = last + dt.timedelta(days=rng.uniform(0.5, 5))
            if closed <= self.now:
                c.status, c.closed_at = S.CLOSED, closed
                self.event(plan, closed, lead, "CLOSED", S.RESOLVED, S.CLOSED)


def _pick_area(ctx: DemoContext, community: m.Area, compounds, buildings) -> m.Area:
    roll = ctx.rng.random()
    mine = compounds[community.id]
    if roll < 0.15 or not mine:
        return community
    compound = ctx.rng.choice(mine)
    if roll < 0.4 or not buildings[compound.id]:
        return compound
    return ctx.rng.choice(buildings[compound.id])


def _lives_at(resident, area: m.Area) -> bool:
    if resident.community_id != area.community_ref:
        return False
    return (
        area.level == AreaLevel.COMMUNITY or getattr(resident, f"{area.level.value.lower()}_ref") == area.id
    )


def _with_resident_account(
    plan: Plan, area: m.Area, account_residents, account_cases: dict[int, int]
) -> None:
    """Make a demo resident account the applicant of this case, while it has fewer than ACCOUNT_CASES."""
    named = {p.resident_id for p in plan.parties}
    for resident in account_residents:
        if (
            account_cases[resident.id] < ACCOUNT_CASES
            and resident.id not in named
            and _lives_at(resident, area)
        ):
            plan.parties[0] = DisputeParty(
                resident_id=resident.id, name=resident.name, role=DisputePartyRole.APPLICANT
            )
            account_cases[resident.id] += 1
            return


def _parties(ctx: DemoContext, category: C, area: m.Area, residents) -> list[DisputeParty]:
    rng = ctx.rng
    near = [
        r
        for r in residents[area.community_ref]
        if area.level == AreaLevel.COMMUNITY or getattr(r, f"{area.level.value.lower()}_ref") == area.id
    ]
    pool = near if len(near) >= 2 else residents[area.community_ref]
    if category == C.FAMILY and len(pool) >= 1:
        first = rng.choice(pool)
        household = [r for r in pool if r.unit_id == first.unit_id and r.id != first.id]
        second = rng.choice(household) if household else rng.choice(pool)
    else:
        first, second = rng.sample(pool, 2)
    out = [DisputeParty(resident_id=first.id, name=first.name, role=DisputePartyRole.APPLICANT)]
    if category in OUTSIDE and rng.random() < 0.7:
        out.append(DisputeParty(name=OUTSIDE[category], role=DisputePartyRole.RESPONDENT))
    elif second.id != first.id:
        out.append(DisputeParty(resident_id=second.id, name=second.name, role=DisputePartyRole.RESPONDENT))
    if rng.random() < 0.08:
        out.append(DisputeParty(name=ctx.faker.name(), role=DisputePartyRole.THIRD_PARTY))
    return out


async def load_demo(ctx: DemoContext) -> None:
    rng = ctx.rng
    now = dt.datetime.now(dt.UTC)
    mediators = await _mediators(ctx)
    subdistrict_managers = {
        sub.id: ctx.users.get(f"subdistrict{i}") for i, sub in enumerate(ctx.subdistricts, 1)
    }
    staff = {
        "worker": ctx.community_workers,
        "grid": {
            c.id: ctx.users.get(f"grid{i}") or ctx.community_workers[c.id]
            for i, c in enumerate(ctx.communities, 1)
        },
        "mediator": mediators,
        "manager": {
            c.id: subdistrict_managers.get(c.parent_id) or ctx.community_workers[c.id]
            for c in ctx.communities
        },
    }
    compounds, buildings, residents = defaultdict(list), defaultdict(list), defaultdict(list)
    for compound in ctx.compounds:
        compounds[compound.parent_id].append(compound)
    for building in ctx.buildings:
        buildings[building.parent_id].append(building)
    for resident in ctx.residents:
        residents[resident.community_id].append(resident)
    resident_users = {u.resident_id: u for u in ctx.users.values() if u.resident_id}
    # The demo resident accounts (resident1..) are parties to a few cases, so that a resident app shows some.
    account_residents = [r for r in ctx.residents if r.id in resident_users]
    account_cases: dict[int, int] = defaultdict(int)
    communities = [c for c in ctx.communities if len(residents[c.id]) >= 2]
    if not communities:
        return
    walker = _Walker(ctx, now, staff)
    plans: list[Plan] = []
    for i in range(CASES):
        community = rng.choice(communities)
        area = _pick_area(ctx, community, compounds, buildings)
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        stop, days_ago = SHOWCASE[i] if i < len(SHOWCASE) else (None, rng.uniform(0, 365))
        reported_at = now - dt.timedelta(days=days_ago, hours=rng.uniform(0, 10) if stop is None else 0)
        plan = Plan(
            DisputeCase(
                title=rng.choice(TITLES[category]),
                description="",
                category=category,
                status=S.REPORTED,
                area_id=area.id,
                handling_level=INITIAL_LEVEL[area.level],
                reported_at=reported_at,
                **area.lineage(),
            )
        )
        plan.parties = _parties(ctx, category, area, residents)
        if i >= len(SHOWCASE) and category != C.FAMILY:
            _with_resident_account(plan, area, account_residents, account_cases)
        applicant = resident_users.get(plan.parties[0].resident_id)
        reporter = applicant or rng.choice([staff["grid"][community.id], staff["worker"][community.id]])
        plan.case.reported_by_id = reporter.id
        plan.case.description = f"{plan.parties[0].name}反映：{plan.case.title}，请求社区协调解决。"
        walker.walk(plan, community, reporter, stop)
        plans.append(plan)
    await _write(plans)


async def _write(plans: list[Plan]) -> None:
    # Numbers in order of report within each (China Standard Time) year: gap-free, as the counter would give.
    plans.sort(key=lambda p: p.case.reported_at)
    per_year: dict[int, int] = defaultdict(int)
    for plan in plans:
        year = clock.local_date(plan.case.reported_at).year
        per_year[year] += 1
        plan.case.year, plan.case.seq = year, per_year[year]
        plan.case.case_number = format_case_number(year, per_year[year])
    await DisputeCase.bulk_create([p.case for p in plans], batch_size=500)
    ids = dict(
        await DisputeCase.filter(case_number__in=[p.case.case_number for p in plans]).values_list(
            "case_number", "id"
        )
    )
    children: dict[type, list] = defaultdict(list)
    notes = []
    for plan in plans:
        case_id = ids[plan.case.case_number]
        plan.case.id = case_id
        for kind in ("parties", "team", "sessions", "follow_ups", "events"):
            for row in getattr(plan, kind):
                row.case_id = case_id
                children[type(row)].append(row)
        for user_id in plan.notify:
            notes.append(
                m.Notification(
                    user_id=user_id,
                    kind=NOTIFY_KIND,
                    body=plan.case.title,
                    title=assigned_title(plan.case.case_number),
                    subject_gid=gid_of(plan.case),
                )
            )
    for model, rows in children.items():
        await model.bulk_create(rows, batch_size=1000)
    if notes:
        await m.Notification.bulk_create(notes)
    await CaseCounter.bulk_create([CaseCounter(year=y, last_seq=n) for y, n in per_year.items()])
