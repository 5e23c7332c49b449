"""The two state machines: the only code that changes a topic's or a meeting's status.

    Topic:   RAISED -SCHEDULE-> SCHEDULED -ADOPT_WITH_ACTIONS-> DECIDED -COMPLETE-> DONE
                                SCHEDULED -ADOPT-> DONE          (an adopted decision without action items)
                                SCHEDULED -VOTE_DOWN-> RAISED    (a decision voted down)
                                SCHEDULED -UNSCHEDULE-> RAISED   (its meeting was cancelled)
             RAISED | SCHEDULED -DECLINE-> DECLINED
    Meeting: PLANNED -HOLD-> HELD;  PLANNED -CANCEL-> CANCELLED

A move from any other status is refused with INVALID_TRANSITION before anything is
written. The status change itself is a compare-and-set UPDATE on the status the check
saw, so that two racing moves from one status cannot both succeed (on SQLite too).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from core.errors import Code, UserFailure
from plugins.deliberation.enums import MeetingStatus as MS
from plugins.deliberation.enums import TopicStatus as TS
from plugins.deliberation.models import DeliberationMeeting, DeliberationTopic


class TopicMove(Enum):
    SCHEDULE = "put on a meeting's agenda"
    ADOPT = "decided without action items"
    ADOPT_WITH_ACTIONS = "decided"
    VOTE_DOWN = "voted down"
    UNSCHEDULE = "taken off a cancelled meeting's agenda"
    COMPLETE = "marked done"
    DECLINE = "declined"


class MeetingMove(Enum):
    HOLD = "held"
    CANCEL = "cancelled"


TOPIC_RULES: dict[TopicMove, tuple[frozenset[TS], TS]] = {
    TopicMove.SCHEDULE: (frozenset({TS.RAISED}), TS.SCHEDULED),
    TopicMove.ADOPT: (frozenset({TS.SCHEDULED}), TS.DONE),
    TopicMove.ADOPT_WITH_ACTIONS: (frozenset({TS.SCHEDULED}), TS.DECIDED),
    TopicMove.VOTE_DOWN: (frozenset({TS.SCHEDULED}), TS.RAISED),
    TopicMove.UNSCHEDULE: (frozenset({TS.SCHEDULED}), TS.RAISED),
    TopicMove.COMPLETE: (frozenset({TS.DECIDED}), TS.DONE),
    TopicMove.DECLINE: (frozenset({TS.RAISED, TS.SCHEDULED}), TS.DECLINED),
}

MEETING_RULES: dict[MeetingMove, tuple[frozenset[MS], MS]] = {
    MeetingMove.HOLD: (frozenset({MS.PLANNED}), MS.HELD),
    MeetingMove.CANCEL: (frozenset({MS.PLANNED}), MS.CANCELLED),
}

# Topics still open to supports and withdrawals.
OPEN_TOPICS = frozenset({TS.RAISED, TS.SCHEDULED})


def refuse(message: str, field: list[str] | None = None) -> UserFailure:
    return UserFailure(message, Code.INVALID_TRANSITION, field)


def _allowed(sources: frozenset) -> str:
    return " or ".join(sorted(s.value for s in sources))


def check_topic(topic: DeliberationTopic, move: TopicMove, field: list[str] | None = None) -> TS:
    """The status ``move`` leads to; INVALID_TRANSITION when the topic's status does not allow it."""
    sources, target = TOPIC_RULES[move]
    if topic.status not in sources:
        raise refuse(
            f"A {topic.status.value} topic cannot be {move.value} (only a {_allowed(sources)} topic can).",
            field,
        )
    return target


def check_meeting(meeting: DeliberationMeeting, move: MeetingMove, field: list[str] | None = None) -> MS:
    sources, target = MEETING_RULES[move]
    if meeting.status not in sources:
        raise refuse(
            f"A {meeting.status.value} meeting cannot be {move.value} (only a {_allowed(sources)} "
            "meeting can).",
            field,
        )
    return target


async def move_topic(
    topic: DeliberationTopic, move: TopicMove, at: dt.datetime, field: list[str] | None = None, **changes
) -> DeliberationTopic:
    """Check ``move``, then set the new status and ``changes`` with a compare-and-set UPDATE."""
    target = check_topic(topic, move, field)
    if target == TS.DONE:
        changes.update(done_at=at, done_seconds=max(0, int((at - topic.raised_at).total_seconds())))
    if move in (TopicMove.ADOPT, TopicMove.ADOPT_WITH_ACTIONS):
        changes["decided_at"] = at
    if target == TS.DECLINED:
        changes["declined_at"] = at
    changes["status"] = target
    if not await DeliberationTopic.filter(id=topic.id, status=topic.status).update(**changes, updated_at=at):
        raise refuse("The topic was changed by someone else meanwhile; reload it and try again.", field)
    for name, value in changes.items():
        setattr(topic, name, value)
    return topic


async def move_meeting(
    meeting: DeliberationMeeting,
    move: MeetingMove,
    at: dt.datetime,
    field: list[str] | None = None,
    **changes,
) -> DeliberationMeeting:
    target = check_meeting(meeting, move, field)
    changes["status"] = target
    if not await DeliberationMeeting.filter(id=meeting.id, status=meeting.status).update(
        **changes, updated_at=at
    ):
        raise refuse("The meeting was changed by someone else meanwhile; reload it and try again.", field)
    for name, value in changes.items():
        setattr(meeting, name, value)
    return meeting
