"""Demo data: volunteer teams in every community and a season of activities.

Per community: about a fifth of the adult residents volunteer; a 学雷锋 team
and a safety-patrol team with leaders; activities from two months ago to a
month ahead in every status (completed ones with check-ins, verified and
unverified hours and no-shows; one under way; open ones with signups; one
cancelled); and some ad-hoc service logs. Seeded by the demo's generator.
"""

from __future__ import annotations

import datetime as dt

from core.demo import DemoContext
from core.enums import ResidentStatus
from plugins.volunteers import models as vm
from plugins.volunteers.enums import ActivityCategory, ActivityStatus, SignupStatus, VolunteerStatus
from plugins.volunteers.services.hours import credited_hours

SKILLS = [
    "急救",
    "书法",
    "法律咨询",
    "理发",
    "心理疏导",
    "电器维修",
    "摄影",
    "舞蹈",
    "教育辅导",
    "驾驶",
    "医疗护理",
    "烹饪",
]
TEAMS = ["学雷锋志愿服务队", "平安志愿者巡逻队"]
# (title, category, days from today, hours long, capacity)
SEASON = [
    ("“我们的节日”端午包粽子", ActivityCategory.FESTIVAL, -56, 3, 30),
    ("道德讲堂：孝老爱亲", ActivityCategory.EDUCATION, -42, 2, None),
    ("楼院环境清洁日", ActivityCategory.ENVIRONMENT, -28, 3, 20),
    ("平安巡逻（夜间）", ActivityCategory.SAFETY_PATROL, -14, 4, 8),
    ("独居老人走访", ActivityCategory.ELDERLY_CARE, -7, 3, 10),
    ("防诈骗普法宣传", ActivityCategory.LEGAL_EDUCATION, 0, 6, 12),
    ("社区文艺汇演", ActivityCategory.CULTURE, 7, 3, 25),
    ("学雷锋便民服务日", ActivityCategory.CIVILITY_PRACTICE, 14, 4, 15),
    ("科普大学：防汛应急", ActivityCategory.EMERGENCY, 21, 2, None),
    ("垃圾分类宣传", ActivityCategory.ENVIRONMENT, 30, 2, 10),
]


# Activities held for an audience: their organisers record how many people came.
AUDIENCE_CATEGORIES = {
    ActivityCategory.FESTIVAL,
    ActivityCategory.EDUCATION,
    ActivityCategory.LEGAL_EDUCATION,
    ActivityCategory.CULTURE,
}


def _audience(
    category: ActivityCategory, status: ActivityStatus, community_id: int, index: int
) -> int | None:
    """A lecture's or festival's attendance, derived (not drawn from the demo's random stream, which
    the rest of the demo data depends on)."""
    if status != ActivityStatus.COMPLETED or category not in AUDIENCE_CATEGORIES:
        return None
    return 40 + (community_id * 37 + index * 53) % 110


def _status(days: int, index: int) -> ActivityStatus:
    if days < 0:
        return ActivityStatus.CANCELLED if index == 2 else ActivityStatus.COMPLETED
    if days == 0:
        return ActivityStatus.CLOSED
    return ActivityStatus.OPEN if days <= 14 else ActivityStatus.PLANNED


async def load_demo(ctx: DemoContext) -> None:
    rng = ctx.rng
    now = dt.datetime.now(dt.UTC)
    for community in ctx.communities:
        worker = ctx.community_workers.get(community.id)
        adults = [
            r
            for r in ctx.residents
            if r.community_id == community.id
            and r.status == ResidentStatus.ACTIVE
            and r.birth_date
            and 18 <= (ctx.today - r.birth_date).days // 365 <= 75
        ]
        chosen = rng.sample(adults, max(6, len(adults) // 5)) if len(adults) >= 6 else adults
        volunteers = []
        for r in chosen:
            v = vm.Volunteer(
                resident_id=r.id,
                joined_on=ctx.today - dt.timedelta(days=rng.randrange(60, 1500)),
                status=rng.choices(list(VolunteerStatus), [90, 6, 4])[0],
            )
            v.skills = rng.sample(SKILLS, rng.randint(0, 3))
            v.set_lineage(r.lineage())
            volunteers.append(v)
        await vm.Volunteer.bulk_create(volunteers)
        volunteers = await vm.Volunteer.filter(community_ref=community.id).order_by("id")
        active = [v for v in volunteers if v.status == VolunteerStatus.ACTIVE]
        if not active:
            continue

        teams = []
        for name in TEAMS:
            members = rng.sample(active, min(len(active), rng.randint(5, 12)))
            team = vm.VolunteerTeam(name=name, area_id=community.id, leader_id=members[0].id)
            team.set_lineage(community.lineage())
            await team.save()
            memberships = []
            for v in members:
                link = vm.TeamMembership(team_id=team.id, volunteer_id=v.id)
                link.set_lineage(team.lineage())
                memberships.append(link)
            await vm.TeamMembership.bulk_create(memberships)
            teams.append(team)

        for index, (title, category, days, length, capacity) in enumerate(SEASON):
            starts = dt.datetime.combine(ctx.today + dt.timedelta(days=days), dt.time(1, 0), dt.UTC)
            status = _status(days, index)
            activity = vm.VolunteerActivity(
                title=title,
                category=category,
                area_id=community.id,
                team_id=rng.choice(teams).id,
                location=f"{community.name}党群服务中心",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=length),
                capacity=capacity,
                status=status,
                description=f"{community.name}{title}",
                created_by_id=worker.id if worker else None,
                cancel_reason="天气原因取消" if status == ActivityStatus.CANCELLED else None,
                audience_count=_audience(category, status, community.id, index),
            )
            activity.set_lineage(community.lineage())
            await activity.save()
            if status == ActivityStatus.PLANNED:
                continue
            limit = capacity or len(active)
            takers = rng.sample(active, min(len(active), rng.randint(max(1, limit // 2), limit)))
            signups = [_signup(rng, activity, v, status, now, worker) for v in takers]
            await vm.ActivitySignup.bulk_create(signups)
            held = sum(1 for s in signups if s.status != SignupStatus.CANCELLED)
            await vm.VolunteerActivity.filter(id=activity.id).update(signup_count=held)

        logs = []
        for v in rng.sample(active, min(len(active), 5)):
            log = vm.ServiceLog(
                volunteer_id=v.id,
                served_on=ctx.today - dt.timedelta(days=rng.randrange(1, 50)),
                hours=rng.choice([1, 1.5, 2, 3]),
                description=rng.choice(["帮助独居老人买菜", "楼道杂物清理", "协助核酸登记", "义务理发"]),
                verified=rng.random() < 0.6,
                logged_by_id=worker.id if worker else None,
            )
            if log.verified and worker:
                log.verified_by_id, log.verified_at = worker.id, now
            log.set_lineage(v.lineage())
            logs.append(log)
        await vm.ServiceLog.bulk_create(logs)


def _signup(
    rng,
    activity: vm.VolunteerActivity,
    volunteer: vm.Volunteer,
    status: ActivityStatus,
    now: dt.datetime,
    worker,
) -> vm.ActivitySignup:
    s = vm.ActivitySignup(
        activity_id=activity.id,
        volunteer_id=volunteer.id,
        signed_up_at=activity.starts_at - dt.timedelta(days=rng.randint(1, 6)),
    )
    s.set_lineage(activity.lineage())
    if status == ActivityStatus.CANCELLED:
        s.status, s.cancelled_at = SignupStatus.CANCELLED, activity.starts_at - dt.timedelta(hours=12)
    elif status == ActivityStatus.COMPLETED:
        if rng.random() < 0.1:
            s.status = SignupStatus.NO_SHOW
        else:
            s.status = SignupStatus.CHECKED_OUT
            s.checked_in_at = activity.starts_at + dt.timedelta(minutes=rng.randint(-10, 20))
            s.checked_out_at = activity.ends_at + dt.timedelta(minutes=rng.randint(-40, 15))
            s.hours = credited_hours(s.checked_in_at, s.checked_out_at, activity.starts_at, activity.ends_at)
            if rng.random() < 0.7 and worker:
                s.verified, s.verified_by_id, s.verified_at = True, worker.id, now
    elif status == ActivityStatus.CLOSED and rng.random() < 0.6:
        s.status, s.checked_in_at = (
            SignupStatus.CHECKED_IN,
            activity.starts_at + dt.timedelta(minutes=rng.randint(0, 15)),
        )
    return s
