"""Demo data: last year's published star-household campaign and this year's
most-beautiful-family campaign, still taking nominations and votes."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from core import models as m
from core.auth import hash_password
from core.demo import DEMO_PASSWORD, DemoContext
from core.enums import HouseholdRelation, ResidentStatus
from core.permissions import Viewer
from plugins.civility import models as cm
from plugins.civility.enums import CampaignKind, CampaignStatus, NominationStatus
from plugins.civility.services.awards import award
from plugins.civility.services.scoring import DEFAULT_STAR_THRESHOLDS

STAR_CRITERIA = [
    ("爱国守法", "遵纪守法，无违法违规行为", 3.0, 10.0),
    ("家庭和睦", "尊老爱幼，邻里团结", 2.0, 10.0),
    ("环境卫生", "庭院整洁，垃圾分类", 2.0, 5.0),
    ("热心公益", "参加志愿服务和社区活动", 1.0, 5.0),
]
FAMILY_CRITERIA = [("家风家教", "家风淳朴，教子有方", 1.0, 10.0), ("邻里互助", "热心帮助邻里", 1.0, 10.0)]
REASONS = [
    "孝老爱亲，照顾年迈父母多年",
    "热心社区志愿服务",
    "庭院整洁，带头垃圾分类",
    "邻里和睦，乐于助人",
    "家风淳朴，子女品学兼优",
]


async def _campaign(
    ctx: DemoContext, title: str, kind: CampaignKind, year: int, status: CampaignStatus, criteria, **extra
) -> tuple[cm.Campaign, list[cm.Criterion]]:
    c = cm.Campaign(
        title=title,
        kind=kind,
        area_id=ctx.district.id,
        year=year,
        status=status,
        created_by_id=ctx.users["admin"].id,
        **extra,
    )
    c.set_lineage(ctx.district.lineage())
    await c.save()
    rows = [
        await cm.Criterion.create(campaign=c, name=n, description=d, weight=w, max_score=mx, position=i)
        for i, (n, d, w, mx) in enumerate(criteria)
    ]
    return c, rows


def _households(ctx: DemoContext, count: int) -> list[tuple[m.Unit, m.Resident]]:
    """Units with a household head, spread over the communities."""
    units = {u.id: u for u in ctx.units}
    heads = [r for r in ctx.residents if r.relation_to_head == HouseholdRelation.HEAD and r.unit_id in units]
    step = max(1, len(heads) // count)
    return [(units[r.unit_id], r) for r in heads[::step][:count]]


async def _nominate(campaign: cm.Campaign, unit: m.Unit, reason: str, by: m.User, status: NominationStatus):
    n = cm.Nomination(
        campaign_id=campaign.id, unit_id=unit.id, reason=reason, nominated_by_id=by.id, status=status
    )
    n.set_lineage(unit.lineage())
    await n.save()
    return n


async def load_demo(ctx: DemoContext) -> None:
    rng = ctx.rng
    admin = ctx.users["admin"]
    pw = hash_password(DEMO_PASSWORD)
    assessors = []
    for i in (1, 2):
        user = await m.User.create(
            username=f"assessor{i}", display_name=f"评审员{i}", password_hash=pw, home_area=ctx.district
        )
        await m.RoleGrant.create(user=user, role="assessor", area=ctx.district)
        ctx.users[user.username] = user
        assessors.append(user)

    last_year = ctx.today.year - 1
    star, criteria = await _campaign(
        ctx,
        f"{last_year}年度星级文明户评选",
        CampaignKind.STAR_HOUSEHOLD,
        last_year,
        CampaignStatus.PUBLISHED,
        STAR_CRITERIA,
        star_thresholds=[dict(t) for t in DEFAULT_STAR_THRESHOLDS],
        public_notice_ends_on=dt.date(last_year, 12, 20),
        published_at=dt.datetime(last_year, 12, 28, tzinfo=dt.UTC),
    )
    for unit, _head in _households(ctx, 12):
        n = await _nominate(star, unit, rng.choice(REASONS), admin, NominationStatus.APPROVED)
        for assessor in assessors:
            for c in criteria:
                value = round(c.max_score * rng.uniform(0.55, 1.0) * 2) / 2
                await cm.Score.create(nomination=n, criterion=c, assessor=assessor, score=value)
    # Publication through the same code the API uses: awards frozen, households notified.
    await award(SimpleNamespace(viewer=Viewer(), pending_events=[]), star)

    family, _ = await _campaign(
        ctx,
        f"{ctx.today.year}年度最美家庭评选",
        CampaignKind.MOST_BEAUTIFUL_FAMILY,
        ctx.today.year,
        CampaignStatus.NOMINATING,
        FAMILY_CRITERIA,
    )
    nominees = [
        await _nominate(
            family,
            unit,
            rng.choice(REASONS),
            ctx.community_workers.get(unit.community_ref, admin),
            NominationStatus.PENDING,
        )
        for unit, _head in _households(ctx, 8)
    ]
    voters = [r for r in ctx.residents if r.status == ResidentStatus.ACTIVE]
    votes = []
    for n in nominees:
        for voter in rng.sample(voters, min(len(voters), rng.randint(5, 40))):
            votes.append(cm.Vote(nomination_id=n.id, resident_id=voter.id))
    await cm.Vote.bulk_create(votes, batch_size=500)
