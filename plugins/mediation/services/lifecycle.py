"""The case state machine: the only code that changes a case's status or handling level.

    REPORTED -ACCEPT-> ACCEPTED -ASSIGN_TEAM-> IN_MEDIATION -RESOLVE-> RESOLVED -CLOSE-> CLOSED
                                               IN_MEDIATION -FAIL----> FAILED ---CLOSE-> CLOSED
    ACCEPTED | IN_MEDIATION -ESCALATE-> ACCEPTED, one handling level up
                                        (COMPOUND -> COMMUNITY -> SUBDISTRICT; refused beyond)

Actions that leave the status as it is (reassigning the team, recording a
session, completing a follow-up) go through here too, so that every move is
checked against the same table and recorded as a DisputeCaseEvent with its
actor and time. A refused move raises INVALID_TRANSITION before anything is
written; the status change itself is a compare-and-set UPDATE, so two racing
moves from the same status cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.enums import AreaLevel
from core.errors import Code, Field, UserFailure
from plugins.mediation.enums import DisputeCaseAction as Action
from plugins.mediation.enums import DisputeStatus as S
from plugins.mediation.models import DisputeCase, DisputeCaseEvent, FollowUp


@dataclass(frozen=True)
class Rule:
    event_kind: str
    sources: frozenset[S]
    # None: the status stays as it is.
    target: S | None


def _rule(kind: str, sources: tuple[S, ...], target: S | None) -> Rule:
    return Rule(kind, frozenset(sources), target)


RULES: dict[Action, Rule] = {
    Action.ACCEPT: _rule("ACCEPTED", (S.REPORTED,), S.ACCEPTED),
    # Assigning the team starts mediation; on a case already in mediation it replaces the team.
    Action.ASSIGN_TEAM: _rule("TEAM_ASSIGNED", (S.ACCEPTED, S.IN_MEDIATION), S.IN_MEDIATION),
    Action.RECORD_SESSION: _rule("SESSION_RECORDED", (S.IN_MEDIATION,), None),
    Action.ESCALATE: _rule("ESCALATED", (S.ACCEPTED, S.IN_MEDIATION), S.ACCEPTED),
    Action.RESOLVE: _rule("RESOLVED", (S.IN_MEDIATION,), S.RESOLVED),
    Action.FAIL: _rule("FAILED", (S.IN_MEDIATION,), S.FAILED),
    Action.COMPLETE_FOLLOW_UP: _rule("FOLLOW_UP_DONE", (S.RESOLVED,), None),
    Action.CLOSE: _rule("CLOSED", (S.RESOLVED, S.FAILED), S.CLOSED),
}

# Where a case is handled first, by the level of the area it arose in (小事不出楼院、大事不出社区).
INITIAL_LEVEL = {
    AreaLevel.BUILDING: AreaLevel.COMPOUND,
    AreaLevel.COMPOUND: AreaLevel.COMPOUND,
    AreaLevel.COMMUNITY: AreaLevel.COMMUNITY,
}
NEXT_LEVEL = {AreaLevel.COMPOUND: AreaLevel.COMMUNITY, AreaLevel.COMMUNITY: AreaLevel.SUBDISTRICT}

_VERBS = {
    Action.ACCEPT: "accepted",
    Action.ASSIGN_TEAM: "given a team",
    Action.RECORD_SESSION: "given a session",
    Action.ESCALATE: "escalated",
    Action.RESOLVE: "resolved",
    Action.FAIL: "marked failed",
    Action.COMPLETE_FOLLOW_UP: "given a follow-up visit",
    Action.CLOSE: "closed",
}


def refuse(message: str, field: Field | None = None) -> UserFailure:
    return UserFailure(message, Code.INVALID_TRANSITION, field)


def refusal(case: DisputeCase, action: Action, pending_follow_ups: int = 0) -> str | None:
    """Why ``action`` may not be taken on ``case`` now, or None when it may."""
    rule = RULES[action]
    if case.status not in rule.sources:
        allowed = " or ".join(sorted(s.value for s in rule.sources))
        return f"A {case.status.value} case cannot be {_VERBS[action]} (only a {allowed} case can)."
    if action == Action.ESCALATE and case.handling_level not in NEXT_LEVEL:
        return (
            f"The case is already handled at {case.handling_level.value} level; "
            "it cannot be escalated further."
        )
    if action == Action.CLOSE and case.status == S.RESOLVED and pending_follow_ups:
        return f"{pending_follow_ups} follow-up visit(s) are still to be done; close the case once they are."
    return None


async def check(case: DisputeCase, action: Action) -> None:
    """Raise INVALID_TRANSITION unless ``action`` may be taken on ``case`` now."""
    pending = 0
    if action == Action.CLOSE and case.status == S.RESOLVED:
        pending = await FollowUp.filter(case_id=case.id, done_at__isnull=True).count()
    reason = refusal(case, action, pending)
    if reason is not None:
        raise refuse(reason)


def allowed_actions(case: DisputeCase, pending_follow_ups: int) -> list[Action]:
    """The actions the state machine would accept now, in lifecycle order."""
    return [
        action
        for action in RULES
        if refusal(case, action, pending_follow_ups) is None
        and (action != Action.COMPLETE_FOLLOW_UP or pending_follow_ups)
    ]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def record_report(case: DisputeCase, actor_id: int | None) -> DisputeCaseEvent:
    """The first event of a new case."""
    return await DisputeCaseEvent.create(
        case_id=case.id,
        at=case.reported_at,
        actor_id=actor_id,
        kind="REPORTED",
        to_status=S.REPORTED,
        to_level=case.handling_level,
    )


async def move(
    case: DisputeCase,
    action: Action,
    actor_id: int | None,
    *,
    note: str | None = None,
    at: dt.datetime | None = None,
    **changes,
) -> DisputeCaseEvent:
    """Check ``action``, apply it with ``changes`` (other columns to set) and record the event."""
    await check(case, action)
    rule = RULES[action]
    at = at or _now()
    from_status, from_level = case.status, case.handling_level
    to_status = rule.target or from_status
    if action == Action.ESCALATE:
        changes["handling_level"] = NEXT_LEVEL[from_level]
    if action == Action.RESOLVE:
        changes.update(
            outcome=S.RESOLVED,
            resolved_at=at,
            resolved_level=from_level,
            resolution_seconds=max(0, int((at - case.reported_at).total_seconds())),
        )
    elif action == Action.FAIL:
        changes.update(outcome=S.FAILED, failed_at=at)
    elif action == Action.CLOSE:
        changes["closed_at"] = at
    changes["status"] = to_status
    # Compare-and-set on what the check saw, status and level: a concurrent move from the same state
    # (two escalations from ACCEPTED at one level, say) makes this one match no row, even without the
    # row lock the services take on PostgreSQL.
    updated = await DisputeCase.filter(id=case.id, status=from_status, handling_level=from_level).update(
        **changes, updated_at=at
    )
    if not updated:
        raise refuse("The case was changed by someone else meanwhile; reload it and try again.")
    for name, value in changes.items():
        setattr(case, name, value)
    to_level = case.handling_level
    # A lifecycle move (a rule with a target) names both statuses, even when they are the same
    # (an escalation from ACCEPTED goes back to ACCEPTED); sessions and follow-ups do not move the case.
    moved = rule.target is not None
    return await DisputeCaseEvent.create(
        case_id=case.id,
        at=at,
        actor_id=actor_id,
        kind=rule.event_kind,
        from_status=from_status if moved else None,
        to_status=to_status if moved else None,
        from_level=from_level if to_level != from_level else None,
        to_level=to_level if to_level != from_level else None,
        note=note,
    )
