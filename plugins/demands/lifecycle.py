"""The demand state machine: the only code that changes a demand's status.

    SUBMITTED -DISPATCH-> DISPATCHED -ACCEPT-> ACCEPTED -DELIVER-> DELIVERED -RATE|AUTO_CLOSE-> CLOSED
    DISPATCHED -RETURN (the last open offer declined)-> SUBMITTED
    DELIVERED -REWORK-> ACCEPTED
    SUBMITTED -REJECT-> REJECTED;  SUBMITTED | DISPATCHED -WITHDRAW-> WITHDRAWN

Moves that leave the status as it is (a further organisation accepting or declining,
a whistle blown, the overdue notice) go through here too, so every change is checked
against one table and recorded as a DemandEvent with its actor and time. A refused
move raises INVALID_TRANSITION before anything is written. The status change is a
compare-and-set UPDATE on the status the check saw, so two racing moves from the
same status cannot both succeed even without the row lock the services take.
The columns a move implies (dispatchedAt and dueAt, deliveredAt and whether it was
on time, closedAt) are set here, not by the callers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from core import clock
from core.errors import Code, UserFailure
from plugins.demands.enums import DemandStatus as S
from plugins.demands.models import Demand, DemandEvent


class Action(Enum):
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    DECLINE = "decline"
    RETURN = "return"
    DELIVER = "deliver"
    REWORK = "rework"
    RATE = "rate"
    AUTO_CLOSE = "auto-close"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    BLOW_WHISTLE = "blow the whistle on"
    MARK_OVERDUE = "mark overdue"


@dataclass(frozen=True)
class Rule:
    event_kind: str
    sources: frozenset[S]
    target: S | None  # None: the status stays as it is


def _rule(kind: str, sources: tuple[S, ...], target: S | None) -> Rule:
    return Rule(kind, frozenset(sources), target)


RULES: dict[Action, Rule] = {
    Action.DISPATCH: _rule("DISPATCHED", (S.SUBMITTED,), S.DISPATCHED),
    # The first acceptance moves the demand; later ones (joint delivery) join it.
    Action.ACCEPT: _rule("ACCEPTED", (S.DISPATCHED, S.ACCEPTED), S.ACCEPTED),
    Action.DECLINE: _rule("OFFER_DECLINED", (S.DISPATCHED, S.ACCEPTED), None),
    Action.RETURN: _rule("OFFER_DECLINED", (S.DISPATCHED,), S.SUBMITTED),
    Action.DELIVER: _rule("DELIVERED", (S.ACCEPTED,), S.DELIVERED),
    Action.REWORK: _rule("REWORK_REQUESTED", (S.DELIVERED,), S.ACCEPTED),
    Action.RATE: _rule("RATED", (S.DELIVERED,), S.CLOSED),
    Action.AUTO_CLOSE: _rule("AUTO_CLOSED", (S.DELIVERED,), S.CLOSED),
    Action.REJECT: _rule("REJECTED", (S.SUBMITTED,), S.REJECTED),
    Action.WITHDRAW: _rule("WITHDRAWN", (S.SUBMITTED, S.DISPATCHED), S.WITHDRAWN),
    Action.BLOW_WHISTLE: _rule("WHISTLE_BLOWN", (S.SUBMITTED, S.DISPATCHED, S.ACCEPTED), None),
    Action.MARK_OVERDUE: _rule("OVERDUE", (S.DISPATCHED, S.ACCEPTED), None),
}

AUTO_CLOSE_AFTER = dt.timedelta(days=14)


def refuse(message: str, field: list[str] | None = None) -> UserFailure:
    return UserFailure(message, Code.INVALID_TRANSITION, field)


def refusal(demand: Demand, action: Action) -> str | None:
    rule = RULES[action]
    if demand.status in rule.sources:
        return None
    allowed = " or ".join(sorted(s.value for s in rule.sources))
    return f"A {demand.status.value} demand cannot {action.value} (only a {allowed} one)."


def check(demand: Demand, action: Action, field: list[str] | None = None) -> None:
    """Raise INVALID_TRANSITION unless ``action`` may be taken on ``demand`` now."""
    reason = refusal(demand, action)
    if reason is not None:
        raise refuse(reason, field)


async def record_submission(demand: Demand, actor_id: int | None) -> DemandEvent:
    return await DemandEvent.create(
        demand_id=demand.id,
        at=demand.submitted_at,
        actor_id=actor_id,
        kind="SUBMITTED",
        to_status=S.SUBMITTED,
    )


def _implied(demand: Demand, action: Action, at: dt.datetime, sla_days: int | None) -> dict:
    """The columns a move sets besides the status."""
    if action == Action.DISPATCH:
        return {"dispatched_at": at, "due_at": at + dt.timedelta(days=sla_days or 0)}
    if action == Action.RETURN:
        # Back to "before dispatch": the next dispatch starts a new SLA clock.
        return {"dispatched_at": None, "due_at": None, "dispatched_by_id": None, "overdue_notified_at": None}
    if action == Action.DELIVER:
        return {
            "delivered_at": at,
            "delivered_on_time": demand.due_at is None or at <= demand.due_at,
            "delivery_seconds": max(0, int((at - demand.submitted_at).total_seconds())),
        }
    if action == Action.REWORK:
        return {"delivered_at": None, "delivered_on_time": None, "delivery_seconds": None}
    if action in (Action.RATE, Action.AUTO_CLOSE):
        return {"closed_at": at}
    return {}


async def move(
    demand: Demand,
    action: Action,
    actor_id: int | None,
    *,
    note: str | None = None,
    at: dt.datetime | None = None,
    sla_days: int | None = None,
    **changes,
) -> DemandEvent:
    """Check ``action``, apply it with ``changes`` (other columns to set) and record the event."""
    check(demand, action)
    rule = RULES[action]
    at = at or clock.now()
    from_status = demand.status
    to_status = rule.target or from_status
    changes.update(_implied(demand, action, at, sla_days))
    changes["status"] = to_status
    updated = await Demand.filter(id=demand.id, status=from_status).update(**changes, updated_at=at)
    if not updated:
        raise refuse("The demand was changed by someone else meanwhile; reload it and try again.")
    for name, value in changes.items():
        setattr(demand, name, value)
    moved = to_status != from_status
    return await DemandEvent.create(
        demand_id=demand.id,
        at=at,
        actor_id=actor_id,
        kind=rule.event_kind,
        from_status=from_status if moved else None,
        to_status=to_status if moved else None,
        note=note,
    )
