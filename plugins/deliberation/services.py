"""What the topic, meeting, decision and action-item mutations do.

Each function runs inside the mutation's transaction (core.api.mutation.run_mutation),
takes plain values (primary keys already decoded by the schema: None = not given,
0 = given but naming nothing) and raises UserFailure to refuse; every status change
goes through plugins.deliberation.lifecycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core import clock
from core import models as m
from core.access import visible
from core.audit import record
from core.enums import lineage_column
from core.errors import Code, UserFailure, not_found
from core.events import emit
from core.ids import decode_int_gid, encode_gid
from core.services.guards import optional_text, require, require_text
from core.services.notifications import notify
from plugins.deliberation import lifecycle
from plugins.deliberation.access import DELIBERATING_LEVELS, MANAGE, can_raise, lives_in
from plugins.deliberation.enums import (
    ActionItemStatus,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    ParticipantCategory,
    TopicStatus,
)
from plugins.deliberation.lifecycle import MeetingMove, TopicMove
from plugins.deliberation.models import (
    ActionItem,
    AgendaItem,
    DeliberationDecision,
    DeliberationMeeting,
    DeliberationTopic,
    MeetingParticipant,
    MeetingVenue,
    TopicSupport,
)
from plugins.deliberation.rules import QUORUM_NOT_MET, adopted, missing_categories

TOPIC_EVENTS = "deliberation.topic.updated"
MEETING_KIND = "deliberation.meeting"
ACTION_KIND = "deliberation.action"
OP_RAISE = "raiseTopic"
LONG_TEXT = 5000
MAX_PARTICIPANTS = 200
MAX_AGENDA = 50
MAX_ACTION_ITEMS = 50


@dataclass(frozen=True)
class ParticipantSpec:
    category: ParticipantCategory
    user_id: int | None = None
    resident_id: int | None = None
    organization_id: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class ActionSpec:
    description: str
    owner_user_id: int | None
    owner_organization_id: int | None
    due_on: dt.date


def now() -> dt.datetime:
    return clock.now()


def topic_changed(context, topic: DeliberationTopic) -> None:
    """Queue the deliberationTopicUpdated event (published once the transaction commits)."""
    emit(context, TOPIC_EVENTS, topic_id=topic.id, area_ids=topic.area_ids())


async def _audit(context, action: str, type_name: str, pk: int, detail: str | None = None) -> None:
    await record(context, action, encode_gid(type_name, pk), detail)


# ---------------------------------------------------------------- lookups


async def deliberating_area(viewer, pk: int | None, field: list[str], *, scoped: bool = True) -> m.Area:
    """The community or compound ``pk`` names (NOT_FOUND when unknown or unseen, INVALID_LEVEL otherwise)."""
    qs = visible(viewer, m.Area) if scoped else m.Area.all()
    area = await qs.filter(id=pk or 0).first()
    if area is None:
        raise not_found("Area", field)
    if area.level not in DELIBERATING_LEVELS:
        raise UserFailure("Deliberation happens in a community or a compound.", Code.INVALID_LEVEL, field)
    return area


async def _topic(viewer, pk: int | None, field: list[str], lock: bool = True) -> DeliberationTopic:
    qs = visible(viewer, DeliberationTopic).filter(id=pk or 0)
    if lock:
        qs = qs.select_for_update(of=(DeliberationTopic._meta.db_table,))
    topic = await qs.first()
    if topic is None:
        raise not_found("Topic", field)
    return topic


async def _meeting(viewer, pk: int | None, field: list[str], manage: bool = True) -> DeliberationMeeting:
    meeting = (
        await visible(viewer, DeliberationMeeting)
        .filter(id=pk or 0)
        .select_for_update(of=(DeliberationMeeting._meta.db_table,))
        .first()
    )
    if meeting is None:
        raise not_found("Meeting", field)
    if manage:
        require(viewer, MANAGE, meeting, field)
    return meeting


def _at_or_below(row, area: m.Area) -> bool:
    return getattr(row, lineage_column(area.level)) == area.id


# ---------------------------------------------------------------- topics


async def _earlier_raise(context, key: str) -> DeliberationTopic | None:
    row = await m.IdempotencyKey.get_or_none(
        operation=OP_RAISE, actor_id=context.viewer.user_id or 0, key=key
    )
    if row is None or not row.result_gid:
        return None
    pk = decode_int_gid(row.result_gid, "DeliberationTopic")
    topic = await visible(context.viewer, DeliberationTopic).get_or_none(id=pk or 0)
    if topic is None:
        raise not_found("Topic", ["input", "clientMutationId"])
    return topic


async def _claim_key(context, key: str) -> tuple[DeliberationTopic | None, int | None]:
    """(earlier result, None) when the key was used; else (None, id of the key row now claimed)."""
    earlier = await _earlier_raise(context, key)
    if earlier is not None:
        return earlier, None
    try:
        async with in_transaction():  # a savepoint; on PostgreSQL a twin request's claim makes this wait
            row = await m.IdempotencyKey.create(
                operation=OP_RAISE, actor_id=context.viewer.user_id or 0, key=key, result_gid=""
            )
    except IntegrityError:
        earlier = await _earlier_raise(context, key)
        if earlier is not None:
            return earlier, None
        raise UserFailure(
            "A topic with this clientMutationId is being raised; retry.",
            Code.DUPLICATE,
            ["input", "clientMutationId"],
        ) from None
    return None, row.id


async def raise_topic(
    context, area_pk: int | None, title: str, description: str, client_mutation_id: str | None
) -> DeliberationTopic:
    viewer = context.viewer
    field = ["input", "areaId"]
    key = optional_text(client_mutation_id, ["input", "clientMutationId"], "clientMutationId", 128)
    key_row = None
    if key is not None:
        earlier, key_row = await _claim_key(context, key)
        if earlier is not None:
            return earlier
    # Looked up unscoped: a resident may raise in their compound, which core's area policy shows them
    # through their lineage; a refusal never tells of an area the viewer cannot see.
    area = await m.Area.get_or_none(id=area_pk or 0)
    if area is None or not (
        await visible(viewer, m.Area).filter(id=area.id).exists() or lives_in(viewer, area)
    ):
        raise not_found("Area", field)
    if area.level not in DELIBERATING_LEVELS:
        raise UserFailure("A topic is raised in a compound or a community.", Code.INVALID_LEVEL, field)
    if not can_raise(viewer, area):
        raise UserFailure(
            "Residents raise topics where they live; staff need deliberation.topic.raise.",
            Code.FORBIDDEN,
            field,
        )
    title = require_text(title, ["input", "title"], "title", 200)
    description = require_text(description, ["input", "description"], "description", LONG_TEXT)
    as_resident = lives_in(viewer, area)
    topic = await DeliberationTopic.create(
        area_id=area.id,
        **area.lineage(),
        title=title,
        description=description,
        status=TopicStatus.RAISED,
        raised_by_id=viewer.resident_id if as_resident else None,
        raised_by_user_id=viewer.user_id,
        raised_at=now(),
    )
    if key_row is not None:
        await m.IdempotencyKey.filter(id=key_row).update(result_gid=encode_gid("DeliberationTopic", topic.id))
    await _audit(context, OP_RAISE, "DeliberationTopic", topic.id)
    topic_changed(context, topic)
    return topic


async def _supporter(context, topic_pk: int | None) -> DeliberationTopic:
    viewer = context.viewer
    topic = await _topic(viewer, topic_pk, ["topicId"])
    if not viewer.resident_id or topic.area_id not in viewer.resident_lineage:
        raise UserFailure(
            "Only residents of the topic's compound or community support it.", Code.FORBIDDEN, ["topicId"]
        )
    if topic.status not in lifecycle.OPEN_TOPICS:
        raise lifecycle.refuse(f"A {topic.status.value} topic is no longer open to support.", ["topicId"])
    return topic


async def support_topic(context, topic_pk: int | None) -> DeliberationTopic:
    topic = await _supporter(context, topic_pk)
    try:
        async with in_transaction():  # a savepoint: the UNIQUE (topic, resident) pair decides "once each"
            await TopicSupport.create(topic_id=topic.id, resident_id=context.viewer.resident_id)
    except IntegrityError:
        raise UserFailure("You already support this topic.", Code.DUPLICATE, ["topicId"]) from None
    await DeliberationTopic.filter(id=topic.id).update(support_count=F("support_count") + 1)
    return await _refreshed(context, topic)


async def withdraw_support(context, topic_pk: int | None) -> DeliberationTopic:
    topic = await _supporter(context, topic_pk)
    if not await TopicSupport.filter(topic_id=topic.id, resident_id=context.viewer.resident_id).delete():
        raise UserFailure("You do not support this topic.", Code.INVALID_INPUT, ["topicId"])
    await DeliberationTopic.filter(id=topic.id).update(support_count=F("support_count") - 1)
    return await _refreshed(context, topic)


async def _refreshed(context, topic: DeliberationTopic) -> DeliberationTopic:
    await topic.refresh_from_db(fields=["support_count"])
    topic_changed(context, topic)
    return topic


async def decline_topic(context, topic_pk: int | None, reason: str) -> DeliberationTopic:
    viewer = context.viewer
    topic = await _topic(viewer, topic_pk, ["topicId"])
    require(viewer, MANAGE, topic, ["topicId"])
    lifecycle.check_topic(topic, TopicMove.DECLINE, ["topicId"])
    reason = require_text(reason, ["reason"], "reason", LONG_TEXT)
    await lifecycle.move_topic(topic, TopicMove.DECLINE, now(), ["topicId"], decline_reason=reason)
    await _audit(context, "declineTopic", "DeliberationTopic", topic.id, reason[:200])
    topic_changed(context, topic)
    return topic


# ---------------------------------------------------------------- meetings


async def _participants(
    viewer, specs: list[ParticipantSpec], field: list[str], start: int = 0, attended: bool = False
) -> list[MeetingParticipant]:
    if len(specs) > MAX_PARTICIPANTS:
        raise UserFailure(f"At most {MAX_PARTICIPANTS} participants.", Code.INVALID_INPUT, field)
    user_ids = {s.user_id for s in specs if s.user_id}
    resident_ids = {s.resident_id for s in specs if s.resident_id}
    org_ids = {s.organization_id for s in specs if s.organization_id}
    # People at the table are context of the meeting: accounts and organisations are looked up
    # unscoped (active ones); residents only among those the planner may read.
    users = (
        {u.id: u for u in await m.User.filter(id__in=sorted(user_ids), is_active=True)} if user_ids else {}
    )
    residents = (
        {r.id: r for r in await visible(viewer, m.Resident).filter(id__in=sorted(resident_ids))}
        if resident_ids
        else {}
    )
    orgs = {o.id: o for o in await m.Organization.filter(id__in=sorted(org_ids))} if org_ids else {}
    # A resident with an account sits at the table with it (MeetingParticipant.user, notifications).
    accounts = (
        dict(
            await m.User.filter(
                resident_id__in=sorted(r.id for r in residents.values()), is_active=True
            ).values_list("resident_id", "id")
        )
        if residents
        else {}
    )
    out = []
    for i, s in enumerate(specs):
        at = [*field, str(i)]
        user = users.get(s.user_id) if s.user_id is not None else None
        resident = residents.get(s.resident_id) if s.resident_id is not None else None
        org = orgs.get(s.organization_id) if s.organization_id is not None else None
        if s.user_id is not None and user is None:
            raise not_found("User", [*at, "userId"])
        if s.resident_id is not None and resident is None:
            raise not_found("Resident", [*at, "residentId"])
        if s.organization_id is not None and org is None:
            raise not_found("Organization", [*at, "organizationId"])
        given = optional_text(s.name, [*at, "name"], "name", 100)
        name = (
            given
            or (resident.name if resident else None)
            or (user.display_name if user else None)
            or (org.name if org else None)
        )
        if not name:
            raise UserFailure(
                "Name the participant (userId, residentId, organizationId or name).",
                Code.INVALID_INPUT,
                [*at, "name"],
            )
        user_id = user.id if user else accounts.get(resident.id) if resident else None
        out.append(
            MeetingParticipant(
                position=start + i,
                category=s.category,
                user_id=user_id,
                resident_id=resident.id if resident else None,
                organization_id=org.id if org else None,
                name=name[:100],
                attended=attended,
                walk_in=attended,
            )
        )
    return out


async def _schedulable(
    viewer, meeting_area: m.Area, topic_pks: list[int | None], field: list[str]
) -> list[DeliberationTopic]:
    if len(topic_pks) > MAX_AGENDA:
        raise UserFailure(f"At most {MAX_AGENDA} topics on an agenda.", Code.INVALID_INPUT, field)
    topics = []
    for i, pk in enumerate(topic_pks):
        at = [*field, str(i)]
        topic = await _topic(viewer, pk, at)
        if topic.id in {t.id for t in topics}:
            raise UserFailure("The same topic is named twice.", Code.INVALID_INPUT, at)
        if not _at_or_below(topic, meeting_area):
            raise UserFailure(
                "A meeting takes up topics of its own area (or of compounds below it).",
                Code.INVALID_INPUT,
                at,
            )
        lifecycle.check_topic(topic, TopicMove.SCHEDULE, at)
        topics.append(topic)
    return topics


async def _schedule(
    context, meeting: DeliberationMeeting, topics: list[DeliberationTopic], first: int, field: list[str]
) -> None:
    at = now()
    for topic in topics:
        await lifecycle.move_topic(topic, TopicMove.SCHEDULE, at, field, meeting_id=meeting.id)
        topic_changed(context, topic)
    await AgendaItem.bulk_create(
        [AgendaItem(meeting_id=meeting.id, topic_id=t.id, position=first + i) for i, t in enumerate(topics)]
    )


def participant_accounts(participants: list[MeetingParticipant]) -> list[int]:
    """Accounts of the participants (their own, or the one linked to a participating resident)."""
    return list(dict.fromkeys(p.user_id for p in participants if p.user_id))


async def plan_meeting(
    context,
    *,
    area_pk: int | None,
    title: str,
    kind: MeetingKind,
    fmt: MeetingFormat,
    scheduled_at: dt.datetime,
    venue_name: str | None,
    chair_pk: int | None,
    participants: list[ParticipantSpec],
    topic_pks: list[int | None],
) -> DeliberationMeeting:
    viewer = context.viewer
    area = await deliberating_area(viewer, area_pk, ["input", "areaId"])
    require(viewer, MANAGE, area, ["input", "areaId"])
    title = require_text(title, ["input", "title"], "title", 200)
    venue = await MeetingVenue.get_or_none(area_id=area.id)
    name = optional_text(venue_name, ["input", "venueName"], "venueName", 200)
    if name is None and venue is not None:
        name = venue.name
    same = venue is not None and venue.name == name
    chair_id = viewer.user_id if chair_pk is None else chair_pk
    if not await m.User.filter(id=chair_id or 0, is_active=True).exists():
        raise not_found("User", ["input", "chairId"])
    people = await _participants(viewer, participants, ["input", "participants"])
    topics = await _schedulable(viewer, area, topic_pks, ["input", "topicIds"])
    meeting = await DeliberationMeeting.create(
        area_id=area.id,
        **area.lineage(),
        title=title,
        kind=kind,
        format=fmt,
        scheduled_at=scheduled_at,
        venue_name=name,
        venue_address=venue.address if same else None,
        venue_capacity=venue.capacity if same else None,
        status=MeetingStatus.PLANNED,
        chair_id=chair_id,
        created_by_id=viewer.user_id,
    )
    for p in people:
        p.meeting_id = meeting.id
    await MeetingParticipant.bulk_create(people)
    await _schedule(context, meeting, topics, 0, ["input", "topicIds"])
    local = clock.local_date(scheduled_at)
    await notify(
        context,
        participant_accounts(people),
        MEETING_KIND,
        f"议事会议通知: {title}",
        body=f"{local.isoformat()} {name or ''}".strip(),
        subject=meeting,
    )
    await _audit(context, "planMeeting", "DeliberationMeeting", meeting.id)
    return meeting


async def add_topic_to_agenda(context, meeting_pk: int | None, topic_pk: int | None) -> DeliberationMeeting:
    viewer = context.viewer
    meeting = await _meeting(viewer, meeting_pk, ["meetingId"])
    if meeting.status != MeetingStatus.PLANNED:
        raise lifecycle.refuse(
            f"Topics are added to a PLANNED meeting's agenda, not a {meeting.status.value} one.",
            ["meetingId"],
        )
    area = await m.Area.get(id=meeting.area_id)
    topics = await _schedulable(viewer, area, [topic_pk], ["topicId"])
    first = await AgendaItem.filter(meeting_id=meeting.id).count()
    await _schedule(context, meeting, topics, first, ["topicId"])
    await _audit(context, "addTopicToAgenda", "DeliberationMeeting", meeting.id)
    return meeting


async def cancel_meeting(context, meeting_pk: int | None, reason: str) -> DeliberationMeeting:
    viewer = context.viewer
    meeting = await _meeting(viewer, meeting_pk, ["meetingId"])
    lifecycle.check_meeting(meeting, MeetingMove.CANCEL, ["meetingId"])
    reason = require_text(reason, ["reason"], "reason", LONG_TEXT)
    at = now()
    await lifecycle.move_meeting(
        meeting, MeetingMove.CANCEL, at, ["meetingId"], cancel_reason=reason, cancelled_at=at
    )
    # Its topics wait for another meeting.
    for topic in await DeliberationTopic.filter(meeting_id=meeting.id, status=TopicStatus.SCHEDULED):
        await lifecycle.move_topic(topic, TopicMove.UNSCHEDULE, at)
        topic_changed(context, topic)
    await _audit(context, "cancelMeeting", "DeliberationMeeting", meeting.id, reason[:200])
    return meeting


async def hold_meeting(
    context,
    meeting_pk: int | None,
    attended_indexes: list[int],
    walk_ins: list[ParticipantSpec],
    minutes: str,
) -> DeliberationMeeting:
    viewer = context.viewer
    meeting = await _meeting(viewer, meeting_pk, ["input", "meetingId"])
    lifecycle.check_meeting(meeting, MeetingMove.HOLD, ["input", "meetingId"])
    invited = await MeetingParticipant.filter(meeting_id=meeting.id).count()
    seen: set[int] = set()
    for i, index in enumerate(attended_indexes):
        at = ["input", "attendedIndexes", str(i)]
        if not 0 <= index < invited:
            raise UserFailure(
                f"No participant has index {index} (the meeting has {invited}).", Code.INVALID_INPUT, at
            )
        if index in seen:
            raise UserFailure("The same participant is named twice.", Code.INVALID_INPUT, at)
        seen.add(index)
    walkers = await _participants(viewer, walk_ins, ["input", "walkIns"], start=invited, attended=True)
    minutes = require_text(minutes, ["input", "minutes"], "minutes", 20000)
    if seen:
        await MeetingParticipant.filter(meeting_id=meeting.id, position__in=sorted(seen)).update(
            attended=True
        )
    for p in walkers:
        p.meeting_id = meeting.id
    await MeetingParticipant.bulk_create(walkers)
    await lifecycle.move_meeting(
        meeting,
        MeetingMove.HOLD,
        now(),
        ["input", "meetingId"],
        held_at=now(),
        minutes=minutes,
        attendance=len(seen) + len(walkers),
    )
    await _audit(context, "holdMeeting", "DeliberationMeeting", meeting.id)
    return meeting


# ---------------------------------------------------------------- decisions and action items


async def _action_items(specs: list[ActionSpec]) -> list[ActionItem]:
    field = ["input", "actionItems"]
    if len(specs) > MAX_ACTION_ITEMS:
        raise UserFailure(f"At most {MAX_ACTION_ITEMS} action items.", Code.INVALID_INPUT, field)
    user_ids = sorted({s.owner_user_id for s in specs if s.owner_user_id})
    org_ids = sorted({s.owner_organization_id for s in specs if s.owner_organization_id})
    users = (
        set(await m.User.filter(id__in=user_ids, is_active=True).values_list("id", flat=True))
        if user_ids
        else set()
    )
    orgs = set(await m.Organization.filter(id__in=org_ids).values_list("id", flat=True)) if org_ids else set()
    out = []
    for i, s in enumerate(specs):
        at = [*field, str(i)]
        if (s.owner_user_id is None) == (s.owner_organization_id is None):
            raise UserFailure(
                "An action item has one owner: ownerUserId or ownerOrganizationId.",
                Code.INVALID_INPUT,
                [*at, "ownerUserId"],
            )
        if s.owner_user_id is not None and s.owner_user_id not in users:
            raise not_found("User", [*at, "ownerUserId"])
        if s.owner_organization_id is not None and s.owner_organization_id not in orgs:
            raise not_found("Organization", [*at, "ownerOrganizationId"])
        out.append(
            ActionItem(
                position=i,
                description=require_text(s.description, [*at, "description"], "description", LONG_TEXT),
                owner_user_id=s.owner_user_id,
                owner_organization_id=s.owner_organization_id,
                due_on=s.due_on,
                status=ActionItemStatus.OPEN,
            )
        )
    return out


async def owners_accounts(host, items: list[ActionItem]) -> dict[int, list[int]]:
    """{action item id: accounts that own it} (the user, or the owning organisation's users)."""
    org_users = await host.organization_users(
        [i.owner_organization_id for i in items if i.owner_organization_id]
    )
    return {
        i.id: ([i.owner_user_id] if i.owner_user_id else sorted(org_users.get(i.owner_organization_id, ())))
        for i in items
    }


async def notify_owners(context, host, items: list[ActionItem], kind_title: str) -> None:
    accounts = await owners_accounts(host, items)
    for item in items:
        await notify(
            context,
            accounts[item.id],
            ACTION_KIND,
            kind_title,
            body=f"{item.description[:160]} (截止 {item.due_on.isoformat()})",
            subject=item,
        )


async def record_decision(
    context,
    *,
    meeting_pk: int | None,
    topic_pk: int | None,
    text: str,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    actions: list[ActionSpec],
) -> DeliberationMeeting:
    viewer = context.viewer
    field = ["input", "meetingId"]
    meeting = await _meeting(viewer, meeting_pk, field)
    if meeting.status == MeetingStatus.CANCELLED:
        raise lifecycle.refuse("A cancelled meeting decides nothing.", field)
    people = await MeetingParticipant.filter(meeting_id=meeting.id)
    missing = missing_categories(meeting.format, meeting.status, people)
    if missing:
        raise UserFailure(
            "A 1+6+X meeting decides once the chair and all six fixed parties are present; "
            "missing: " + ", ".join(c.value for c in missing) + ".",
            QUORUM_NOT_MET,
            field,
        )
    if meeting.status != MeetingStatus.HELD:
        raise lifecycle.refuse("Decisions are recorded once the meeting is held (holdMeeting).", field)
    topic = await _topic(viewer, topic_pk, ["input", "topicId"])
    if not await AgendaItem.filter(meeting_id=meeting.id, topic_id=topic.id).exists():
        raise UserFailure(
            "The topic is not on this meeting's agenda.", Code.INVALID_INPUT, ["input", "topicId"]
        )
    lifecycle.check_topic(topic, TopicMove.ADOPT, ["input", "topicId"])
    if topic.meeting_id != meeting.id:
        raise lifecycle.refuse("The topic is now scheduled at another meeting.", ["input", "topicId"])
    for name, value in (
        ("votesFor", votes_for),
        ("votesAgainst", votes_against),
        ("abstentions", abstentions),
    ):
        if value < 0 or value > 100000:
            raise UserFailure(f"{name} must be between 0 and 100000.", Code.INVALID_INPUT, ["input", name])
    text = require_text(text, ["input", "text"], "text", LONG_TEXT)
    passed = adopted(votes_for, votes_against, abstentions)
    if actions and not passed:
        raise UserFailure(
            "A decision voted down has no action items.", Code.INVALID_INPUT, ["input", "actionItems"]
        )
    # Any due date is accepted: a decision recorded late may set a day already past (it is overdue at once).
    items = await _action_items(actions)
    at = now()
    decision = await DeliberationDecision.create(
        topic_id=topic.id,
        meeting_id=meeting.id,
        area_id=topic.area_id,
        **topic.lineage(),
        text=text,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        adopted=passed,
        decided_at=at,
    )
    for item in items:
        item.decision_id, item.topic_id, item.area_id = decision.id, topic.id, topic.area_id
        item.set_lineage(topic.lineage())
    await ActionItem.bulk_create(items)
    move = (TopicMove.ADOPT_WITH_ACTIONS if items else TopicMove.ADOPT) if passed else TopicMove.VOTE_DOWN
    await lifecycle.move_topic(topic, move, at, ["input", "topicId"])
    topic_changed(context, topic)
    if items:
        created = await ActionItem.filter(decision_id=decision.id).order_by("position")
        await notify_owners(context, context.host, created, f"议事决定待办: {topic.title[:60]}")
    await _audit(
        context,
        "recordDecision",
        "DeliberationMeeting",
        meeting.id,
        f"topic {topic.id}: " + ("adopted" if passed else "voted down"),
    )
    return meeting


async def may_complete(context, item: ActionItem) -> bool:
    viewer = context.viewer
    if viewer.can(MANAGE, item):
        return True
    if item.owner_user_id and item.owner_user_id == viewer.user_id:
        return True
    if item.owner_organization_id and viewer.user_id:
        org_users = await context.host.organization_users([item.owner_organization_id])
        return viewer.user_id in org_users.get(item.owner_organization_id, ())
    return False


async def complete_action_item(context, item_pk: int | None, note: str | None) -> ActionItem:
    viewer = context.viewer
    field = ["actionItemId"]
    item = await ActionItem.get_or_none(id=item_pk or 0)
    if item is None or not (await may_complete(context, item)):
        # Readers who may not complete it are told so; anyone else learns nothing of it.
        if item is not None and await visible(viewer, ActionItem).filter(id=item.id).exists():
            raise UserFailure(
                "Only the item's owner (or deliberation.manage) completes it.", Code.FORBIDDEN, field
            )
        raise not_found("Action item", field)
    if item.status != ActionItemStatus.OPEN:
        raise lifecycle.refuse("This action item is already done.", field)
    note = optional_text(note, ["note"], "note", LONG_TEXT)
    at = now()
    if not await ActionItem.filter(id=item.id, status=ActionItemStatus.OPEN).update(
        status=ActionItemStatus.DONE, done_at=at, done_by_id=viewer.user_id, note=note
    ):
        raise lifecycle.refuse("This action item is already done.", field)
    item.status, item.done_at, item.done_by_id, item.note = ActionItemStatus.DONE, at, viewer.user_id, note
    # The last one done closes the topic. The topic row is locked (PostgreSQL) so that two owners
    # finishing the last two items at once see each other's work.
    topic = await DeliberationTopic.filter(id=item.topic_id).select_for_update().first()
    if (
        topic.status == TopicStatus.DECIDED
        and not await ActionItem.filter(
            topic_id=topic.id, decision_id=item.decision_id, status=ActionItemStatus.OPEN
        ).exists()
    ):
        await lifecycle.move_topic(topic, TopicMove.COMPLETE, at)
        topic_changed(context, topic)
    await _audit(context, "completeActionItem", "ActionItem", item.id)
    return item
