"""Demo data: a year of residents' deliberation across the demo district.

- 1+1+1: every community has rules, covenant and venue (some rules in a second version); most
  compounds too, while about one in six is deliberately missing a part (the coverage report has
  something to list).
- Meetings of every kind over the past year and the next two weeks: compound small-bench meetings
  (小板凳恳谈会), residents' councils, weekend face-to-face, red-white councils, coordination
  meetings. 颐苑社区 holds small-bench meetings on a missing bin, stolen e-bike batteries and hard
  water; 中安街社区 a cable coordination meeting with the utilities.
- Topics walked through the same lifecycle the state machine enforces, with times drawn forward
  from their raising: steps that would lie in the future have not happened yet, so every status
  occurs; most topics end handled (the report's >90%).

Everything is written with bulk inserts, a handful of statements per table.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from core import clock
from core import models as m
from core.demo import DemoContext
from core.enums import AreaLevel, OrganizationKind
from plugins.deliberation.enums import (
    ActionItemStatus,
    CharterDocumentKind,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    ParticipantCategory,
    TopicStatus,
)
from plugins.deliberation.models import (
    ActionItem,
    AgendaItem,
    CharterDocument,
    DeliberationDecision,
    DeliberationMeeting,
    DeliberationTopic,
    MeetingParticipant,
    MeetingVenue,
    TopicSupport,
)
from plugins.deliberation.rules import adopted

SEED = 16
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
P = ParticipantCategory
K = MeetingKind

WORRIES = [
    ("楼下缺少分类垃圾桶", "小区东门只有一个垃圾桶，常常满溢，希望增设分类垃圾桶。"),
    ("电动车电瓶被盗", "车棚近一个月丢了五块电瓶，希望加装监控和充电桩。"),
    ("自来水水质偏硬", "烧水壶结垢严重，希望供水公司检测水质并加装净水设备。"),
    ("楼道灯不亮", "3号楼二单元楼道灯坏了半个月，老人上下楼不方便。"),
    ("飞线充电隐患", "有住户从楼上拉线给电动车充电，存在火灾隐患。"),
    ("停车位不足", "晚上车辆乱停，消防通道被占。"),
    ("广场舞噪音", "晚上九点后广场舞音响太大，影响休息。"),
    ("化粪池堵塞", "下水道返味，化粪池需要清掏。"),
    ("屋顶漏水", "顶楼住户家里下雨就漏水，需要维修防水层。"),
    ("增设休闲座椅", "老人晒太阳没有地方坐，希望在院里放几张长椅。"),
    ("线缆杂乱", "电线、网线、有线电视线缠在一起挂在楼外，既难看又危险。"),
    ("小区绿化带被占种菜", "有住户在绿化带种菜，影响环境。"),
    ("加装电梯意见征集", "老旧楼栋加装电梯，需要协调低层住户意见。"),
    ("红白事操办规范", "婚丧事大操大办，占用道路，希望议定简办标准。"),
]
ACTIONS = ["物业负责落实", "社区跟进协调", "联系相关单位施工", "张贴公告告知住户", "组织志愿者巡查"]
KIND_FORMAT = {
    K.SMALL_BENCH: MeetingFormat.ONE_SIX_X,
    K.RESIDENTS_COUNCIL: MeetingFormat.ONE_SIX_X,
    K.COORDINATION: MeetingFormat.ONE_SIX_X,
    K.WEEKEND_FACE_TO_FACE: MeetingFormat.OPEN,
    K.RED_WHITE_COUNCIL: MeetingFormat.OPEN,
}
TITLES = {
    K.SMALL_BENCH: "小板凳恳谈会",
    K.RESIDENTS_COUNCIL: "居民议事会",
    K.WEEKEND_FACE_TO_FACE: "周末面对面",
    K.RED_WHITE_COUNCIL: "红白理事会",
    K.COORDINATION: "协调会",
}


@dataclass
class Topic:
    row: DeliberationTopic
    supporters: list[int] = field(default_factory=list)


@dataclass
class Meeting:
    row: DeliberationMeeting
    people: list[MeetingParticipant] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    decisions: list[tuple[Topic, DeliberationDecision, list[ActionItem]]] = field(default_factory=list)
    # The report's own meetings: held as told, whatever the dice say.
    showcase: bool = False


class Builder:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.rng = random.Random(SEED)
        self.now = clock.now()
        self.meetings: list[Meeting] = []
        self.loose: list[Topic] = []  # topics never put on a meeting (raised recently, or declined)
        self.orgs: dict[OrganizationKind, list[m.Organization]] = {}
        self.by_area: dict[int, list[m.Resident]] = {}
        self.accounts: dict[int, int] = {}  # resident id -> demo account id

    async def load_context(self) -> None:
        for org in await m.Organization.all().order_by("id"):
            self.orgs.setdefault(org.kind, []).append(org)
        for r in self.ctx.residents:
            for area_id in (r.community_ref, r.compound_ref):
                if area_id:
                    self.by_area.setdefault(area_id, []).append(r)
        for u in self.ctx.users.values():
            if u.resident_id:
                self.accounts[u.resident_id] = u.id

    def org(self, kind: OrganizationKind, name_part: str | None = None) -> m.Organization | None:
        found = self.orgs.get(kind, [])
        if name_part:
            found = [o for o in found if name_part in o.name] or found
        return self.rng.choice(found) if found else None

    def community_of(self, area: m.Area) -> m.Area:
        return next(c for c in self.ctx.communities if c.id == area.community_ref)

    # ---------------------------------------------------------------- topics and meetings

    def topic(self, area: m.Area, raised_at: dt.datetime, worry: tuple[str, str] | None = None) -> Topic:
        title, description = worry or self.rng.choice(WORRIES)
        people = self.by_area.get(area.id, [])
        raiser = self.rng.choice(people) if people and self.rng.random() < 0.8 else None
        row = DeliberationTopic(
            area_id=area.id,
            **area.lineage(),
            title=title,
            description=description,
            status=TopicStatus.RAISED,
            raised_by_id=raiser.id if raiser else None,
            raised_by_user_id=self.accounts.get(raiser.id) if raiser else None,
            raised_at=raised_at,
        )
        supporters = self.rng.sample(people, min(len(people), self.rng.randint(0, 12))) if people else []
        row.support_count = len({r.id for r in supporters})
        return Topic(row, sorted({r.id for r in supporters}))

    def panel(self, area: m.Area, kind: MeetingKind, fmt: MeetingFormat) -> list[MeetingParticipant]:
        community = self.community_of(area)
        chair = self.ctx.community_workers.get(community.id)
        f = self.ctx.faker
        people = [
            MeetingParticipant(
                category=P.CHAIR,
                user_id=chair.id if chair else None,
                name=chair.display_name if chair else f"{community.name}党委书记",
            )
        ]
        if fmt == MeetingFormat.ONE_SIX_X:
            manager_id = area.property_manager_id if area.level == AreaLevel.COMPOUND else None
            manager = next(
                (o for o in self.orgs.get(OrganizationKind.PROPERTY_MANAGEMENT, []) if o.id == manager_id),
                None,
            ) or self.org(OrganizationKind.PROPERTY_MANAGEMENT)
            lawyer = self.org(OrganizationKind.LAW_FIRM)
            partner = self.org(OrganizationKind.SCHOOL) or self.org(OrganizationKind.ENTERPRISE)
            residents = self.by_area.get(area.id, [])
            representative = self.rng.choice(residents) if residents else None
            people += [
                MeetingParticipant(category=P.COMMUNITY_COMMITTEES, name=f"社区两委 {f.name()}"),
                MeetingParticipant(category=P.SUPERVISORY_COMMITTEE, name=f"监委会 {f.name()}"),
                MeetingParticipant(
                    category=P.PROPERTY_COMPANY,
                    organization_id=manager.id if manager else None,
                    name=f"{manager.name if manager else '物业'}代表",
                ),
                MeetingParticipant(
                    category=P.LEGAL_ADVISER,
                    organization_id=lawyer.id if lawyer else None,
                    name=f"法律顾问 {f.name()}",
                ),
                MeetingParticipant(
                    category=P.PARTNER_UNIT,
                    organization_id=partner.id if partner else None,
                    name=partner.name if partner else "共建单位代表",
                ),
                MeetingParticipant(
                    category=P.RESIDENT_REPRESENTATIVE,
                    resident_id=representative.id if representative else None,
                    user_id=self.accounts.get(representative.id) if representative else None,
                    name=representative.name if representative else f"居民代表 {f.name()}",
                ),
            ]
        stakeholders = self.rng.sample(
            self.by_area.get(area.id, []), min(len(self.by_area.get(area.id, [])), self.rng.randint(1, 4))
        )
        people += [
            MeetingParticipant(
                category=P.STAKEHOLDER, resident_id=r.id, user_id=self.accounts.get(r.id), name=r.name
            )
            for r in stakeholders
        ]
        if kind == K.COORDINATION:
            dept = self.org(OrganizationKind.GOVERNMENT_DEPARTMENT)
            if dept:
                people.append(
                    MeetingParticipant(category=P.DEPARTMENT, organization_id=dept.id, name=dept.name)
                )
        return people

    def meeting(
        self,
        area: m.Area,
        kind: MeetingKind,
        when: dt.datetime,
        worries=None,
        title: str | None = None,
        extra: list[MeetingParticipant] = (),
    ) -> Meeting:
        fmt = KIND_FORMAT[kind]
        community = self.community_of(area)
        chair = self.ctx.community_workers.get(community.id) or self.ctx.users["admin"]
        row = DeliberationMeeting(
            area_id=area.id,
            **area.lineage(),
            title=title or f"{area.name}{TITLES[kind]}",
            kind=kind,
            format=fmt,
            scheduled_at=when,
            status=MeetingStatus.PLANNED,
            chair_id=chair.id,
            created_by_id=chair.id,
        )
        meeting = Meeting(row, self.panel(area, kind, fmt) + list(extra))
        for i, p in enumerate(meeting.people):
            p.position = i
        worries = worries or [None] * self.rng.choice([1, 1, 2, 2, 3])
        for worry in worries:
            meeting.topics.append(self.topic(area, when - self.rng.uniform(3, 30) * DAY, worry))
        self.meetings.append(meeting)
        return meeting

    def walk(self, meeting: Meeting) -> None:
        """Move the meeting and its topics as far as the present allows."""
        row, now, rng = meeting.row, self.now, self.rng
        for t in meeting.topics:
            t.row.status = TopicStatus.SCHEDULED
        if row.scheduled_at > now:
            if rng.random() < 0.1:
                self.cancel(meeting, row.scheduled_at - 2 * DAY if row.scheduled_at - 2 * DAY < now else now)
            return
        if rng.random() < 0.02 and not meeting.showcase:
            self.cancel(meeting, row.scheduled_at - DAY)
            return
        held = row.scheduled_at + 2 * HOUR
        row.status, row.held_at = MeetingStatus.HELD, held
        # Now and then a fixed party does not come: such a 1+6+X meeting cannot decide.
        absent = (
            {rng.randrange(1, 7)}
            if row.format == MeetingFormat.ONE_SIX_X and rng.random() < 0.02 and not meeting.showcase
            else set()
        )
        for p in meeting.people:
            p.attended = p.position not in absent and (p.category != P.STAKEHOLDER or rng.random() < 0.85)
        row.attendance = sum(p.attended for p in meeting.people)
        row.minutes = "；".join(f"议题“{t.row.title}”：与会各方充分讨论" for t in meeting.topics) + "。"
        if absent:
            row.minutes += "因固定参会方缺席，本次会议只听取意见，不作决定。"
            return
        for t in meeting.topics:
            self.decide(meeting, t, held)

    def cancel(self, meeting: Meeting, at: dt.datetime) -> None:
        meeting.row.status, meeting.row.cancelled_at = MeetingStatus.CANCELLED, at
        meeting.row.cancel_reason = "天气原因改期"
        for t in meeting.topics:
            t.row.status = TopicStatus.RAISED

    def decide(self, meeting: Meeting, t: Topic, at: dt.datetime) -> None:
        rng, area = self.rng, meeting.row
        present = meeting.row.attendance
        roll = rng.random()
        if roll < 0.02:
            votes = (rng.randint(0, present // 3), present - present // 3, 0)  # voted down
        elif roll < 0.35:
            votes = (0, 0, 0)  # consensus
        else:
            against = rng.randint(0, max(0, present // 4))
            votes = (present - against - 1, against, 1) if present > against + 1 else (present, 0, 0)
        passed = adopted(*votes)
        decision = DeliberationDecision(
            area_id=t.row.area_id,
            **t.row.lineage(),
            text=f"关于“{t.row.title}”：{rng.choice(ACTIONS)}。",
            votes_for=votes[0],
            votes_against=votes[1],
            abstentions=votes[2],
            adopted=passed,
            decided_at=at,
        )
        items: list[ActionItem] = []
        if not passed:
            t.row.status = TopicStatus.RAISED
        elif rng.random() < 0.15:
            t.row.status, t.row.decided_at = TopicStatus.DONE, at
            self.done(t, at)
        else:
            t.row.status, t.row.decided_at = TopicStatus.DECIDED, at
            owners = [p for p in meeting.people if p.organization_id or p.user_id]
            for i in range(rng.choice([1, 1, 2, 3])):
                owner = rng.choice(owners) if owners else None
                due = clock.local_date(at) + rng.randint(5, 30) * DAY
                item = ActionItem(
                    area_id=t.row.area_id,
                    **t.row.lineage(),
                    position=i,
                    description=f"{t.row.title}：{rng.choice(ACTIONS)}",
                    due_on=due,
                    owner_organization_id=owner.organization_id if owner else None,
                    owner_user_id=None if owner is None or owner.organization_id else owner.user_id,
                    status=ActionItemStatus.OPEN,
                )
                if item.owner_user_id is None and item.owner_organization_id is None:
                    item.owner_user_id = area.chair_id
                finished = at + rng.uniform(1, (due - clock.local_date(at)).days + 3) * DAY
                if finished < self.now and rng.random() < 0.98:
                    item.status, item.done_at, item.note = ActionItemStatus.DONE, finished, "已完成"
                items.append(item)
            if all(i.status == ActionItemStatus.DONE for i in items):
                self.done(t, max(i.done_at for i in items))
        meeting.decisions.append((t, decision, items))

    def done(self, t: Topic, at: dt.datetime) -> None:
        t.row.status, t.row.done_at = TopicStatus.DONE, at
        t.row.done_seconds = max(0, int((at - t.row.raised_at).total_seconds()))

    # ---------------------------------------------------------------- the year

    def year(self) -> None:
        rng, now = self.rng, self.now
        start = now - 365 * DAY
        for community in self.ctx.communities:
            for month in range(13):
                when = start + (month * 28 + rng.randint(0, 20)) * DAY + 9 * HOUR
                kind = rng.choice(
                    [
                        K.RESIDENTS_COUNCIL,
                        K.RESIDENTS_COUNCIL,
                        K.WEEKEND_FACE_TO_FACE,
                        K.RED_WHITE_COUNCIL,
                        K.COORDINATION,
                    ]
                )
                self.meeting(community, kind, when)
        for compound in self.ctx.compounds:
            for _ in range(rng.randint(4, 7)):
                when = start + rng.uniform(0, 375) * DAY
                self.meeting(
                    compound, K.SMALL_BENCH, when.replace(hour=11, minute=0, second=0, microsecond=0)
                )
        self.showcase()
        for meeting in self.meetings:
            self.walk(meeting)
        # Recent worries nobody has scheduled yet, and some declined (not the compound's to decide).
        for area in self.ctx.compounds:
            if rng.random() < 0.2:
                self.loose.append(self.topic(area, now - rng.uniform(0.1, 14) * DAY))
            if rng.random() < 0.7:
                t = self.topic(area, now - rng.uniform(20, 300) * DAY)
                t.row.status, t.row.declined_at = (
                    TopicStatus.DECLINED,
                    t.row.raised_at + rng.randint(3, 12) * DAY,
                )
                t.row.decline_reason = "属于个人私事，不属于小区公共议题，已转交相关部门。"
                self.loose.append(t)

    def showcase(self) -> None:
        """The report's own meetings."""
        now = self.now
        yiyuan = next((c for c in self.ctx.communities if c.name == "颐苑社区"), None)
        if yiyuan is not None:
            compounds = [c for c in self.ctx.compounds if c.community_ref == yiyuan.id] or [yiyuan]
            for i, worry in enumerate(WORRIES[:3]):
                self.meeting(
                    compounds[i % len(compounds)],
                    K.SMALL_BENCH,
                    now - (200 - 60 * i) * DAY,
                    worries=[worry],
                    title=f"{compounds[i % len(compounds)].name}小板凳恳谈会：{worry[0]}",
                ).showcase = True
        zhongan = next((c for c in self.ctx.communities if c.name == "中安街社区"), None)
        if zhongan is not None:
            utilities = [
                MeetingParticipant(
                    category=P.PARTNER_UNIT if j else P.DEPARTMENT, organization_id=o.id, name=o.name
                )
                for j, o in enumerate(self.orgs.get(OrganizationKind.UTILITY, []))
            ]
            self.meeting(
                zhongan,
                K.COORDINATION,
                now - 90 * DAY,
                worries=[WORRIES[10]],
                title="中安街社区线缆整治协调会（供电、供水、电信）",
                extra=utilities,
            ).showcase = True

    # ---------------------------------------------------------------- writing

    async def write(self) -> None:
        await DeliberationMeeting.bulk_create([mt.row for mt in self.meetings], batch_size=500)
        meeting_ids = await DeliberationMeeting.all().order_by("id").values_list("id", flat=True)
        for mt, pk in zip(self.meetings, meeting_ids, strict=True):
            mt.row.id = pk
        topics = [t for mt in self.meetings for t in mt.topics] + self.loose
        for mt in self.meetings:
            for t in mt.topics:
                t.row.meeting_id = mt.row.id
        await DeliberationTopic.bulk_create([t.row for t in topics], batch_size=500)
        topic_ids = await DeliberationTopic.all().order_by("id").values_list("id", flat=True)
        for t, pk in zip(topics, topic_ids, strict=True):
            t.row.id = pk
        people, agenda, decisions = [], [], []
        for mt in self.meetings:
            for p in mt.people:
                p.meeting_id = mt.row.id
                people.append(p)
            agenda += [
                AgendaItem(meeting_id=mt.row.id, topic_id=t.row.id, position=i)
                for i, t in enumerate(mt.topics)
            ]
            for t, decision, _ in mt.decisions:
                decision.topic_id, decision.meeting_id = t.row.id, mt.row.id
                decisions.append(decision)
        await MeetingParticipant.bulk_create(people, batch_size=1000)
        await AgendaItem.bulk_create(agenda, batch_size=1000)
        await DeliberationDecision.bulk_create(decisions, batch_size=500)
        decision_ids = await DeliberationDecision.all().order_by("id").values_list("id", flat=True)
        items = []
        for (t, _, its), pk in zip(
            [d for mt in self.meetings for d in mt.decisions], decision_ids, strict=True
        ):
            for item in its:
                item.decision_id, item.topic_id = pk, t.row.id
                items.append(item)
        await ActionItem.bulk_create(items, batch_size=1000)
        await TopicSupport.bulk_create(
            [TopicSupport(topic_id=t.row.id, resident_id=r) for t in topics for r in t.supporters],
            batch_size=1000,
        )
        await self.charters()

    async def charters(self) -> None:
        rng, today = self.rng, clock.today()
        adoptions = {}
        for mt in self.meetings:
            if mt.row.status == MeetingStatus.HELD and mt.row.kind in (K.RESIDENTS_COUNCIL, K.SMALL_BENCH):
                adoptions.setdefault(mt.row.area_id, mt.row)
        docs, venues = [], []
        for i, area in enumerate([*self.ctx.communities, *self.ctx.compounds]):
            missing = set()
            # One compound in six is still missing a part.
            if area.level == AreaLevel.COMPOUND and i % 6 == 3:
                missing = set(rng.sample(["rules", "covenant", "venue"], rng.randint(1, 3)))
            meeting = adoptions.get(area.id)
            first_on = today - rng.randint(400, 900) * DAY
            if "rules" not in missing:
                docs.append(self.doc(area, CharterDocumentKind.RULES, 1, first_on))
                if rng.random() < 0.3:
                    second_on = (
                        clock.local_date(meeting.held_at) if meeting else today - rng.randint(30, 300) * DAY
                    )
                    docs.append(self.doc(area, CharterDocumentKind.RULES, 2, second_on, meeting))
            if "covenant" not in missing:
                docs.append(
                    self.doc(area, CharterDocumentKind.COVENANT, 1, first_on + rng.randint(0, 30) * DAY)
                )
            if "venue" not in missing:
                name = (
                    "社区议事厅"
                    if area.level == AreaLevel.COMMUNITY
                    else rng.choice(["楼院议事亭", "小板凳议事角", "党群服务站"])
                )
                venues.append(
                    MeetingVenue(
                        area_id=area.id,
                        **area.lineage(),
                        name=name,
                        address=area.address or f"{area.name}活动中心",
                        capacity=rng.choice([20, 30, 40, 60, 80]),
                    )
                )
        await CharterDocument.bulk_create(docs, batch_size=500)
        await MeetingVenue.bulk_create(venues, batch_size=500)
        # Meetings of an area with a venue took place there.
        by_area = {v.area_id: v for v in venues}
        for mt in self.meetings:
            venue = by_area.get(mt.row.area_id)
            if venue is not None:
                mt.row.venue_name, mt.row.venue_address, mt.row.venue_capacity = (
                    venue.name,
                    venue.address,
                    venue.capacity,
                )
        await DeliberationMeeting.bulk_update(
            [mt.row for mt in self.meetings if mt.row.venue_name],
            fields=["venue_name", "venue_address", "venue_capacity"],
            batch_size=500,
        )

    def doc(
        self,
        area: m.Area,
        kind: CharterDocumentKind,
        version: int,
        on: dt.date,
        meeting: DeliberationMeeting | None = None,
    ) -> CharterDocument:
        what = "居民议事规则" if kind == CharterDocumentKind.RULES else "居民公约"
        body = (
            "一、凡涉及居民切身利益的公共事务，均提交议事会协商。二、议题由居民提出，经“1+6+X”议事会讨论表决。"
            "三、决定事项明确责任人和完成时限，办理结果向居民公开。"
            if kind == CharterDocumentKind.RULES
            else "爱党爱国、遵纪守法；邻里和睦、互帮互助；爱护环境、垃圾分类；移风易俗、红白事简办；文明养犬、有序停车。"
        )
        return CharterDocument(
            area_id=area.id,
            **area.lineage(),
            kind=kind,
            version=version,
            text=f"《{area.name}{what}》（第{version}版）{body}",
            adopted_on=on,
            adopted_at_id=meeting.id if meeting is not None else None,
        )


async def load_demo(ctx: DemoContext) -> None:
    builder = Builder(ctx)
    await builder.load_context()
    builder.year()
    await builder.write()
