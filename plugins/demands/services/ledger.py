"""The 四联单 path of a demand: submit (点单), dispatch (下单), answer (接单), deliver, rate (评单),
and the side exits (reject, withdraw, rework)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import clock
from core import models as m
from core.access import visible
from core.enums import lineage_column
from core.errors import Code, UserFailure, not_found
from core.services.notifications import notify
from plugins.demands import lifecycle
from plugins.demands.access import DISPATCH, SUBMIT, is_submitter, liaison_org_ids
from plugins.demands.checks import LONG_TEXT, PLACE_LEVELS, organization_pks, text
from plugins.demands.enums import DemandAssignmentStatus as AS
from plugins.demands.enums import DemandScope
from plugins.demands.lifecycle import Action
from plugins.demands.models import Demand, DemandAssignment, DemandCategory
from plugins.demands.numbering import format_ledger_number, next_seq
from plugins.demands.services.common import (
    changed,
    find,
    forbid,
    liaison_users,
    locked,
    require,
    submitter_users,
)

OFFERED_KIND = "demands.offered"
DELIVERED_KIND = "demands.delivered"
REWORK_KIND = "demands.rework"
WITHDRAWN_KIND = "demands.withdrawn"


async def _demand(context, pk: int | None, field: list[str]) -> Demand:
    return await find(context.viewer, Demand, pk, field, "Demand", for_update=True)


def _require_submitter(viewer, demand: Demand, field: list[str]) -> None:
    if not is_submitter(viewer, demand):
        raise forbid("Only the submitter may do this.", field)


# ---------------------------------------------------------------- submit


async def _area(viewer, ref, field: list[str]) -> m.Area:
    if ref is None:
        raise not_found("Area", field)
    pk, level = ref
    area = await visible(viewer, m.Area).filter(id=pk, level=level).first()
    if area is None:
        raise not_found("Area", field)
    if area.level not in PLACE_LEVELS:
        raise UserFailure(
            "A demand is located at a community, compound or building.", Code.INVALID_LEVEL, field
        )
    return area


async def _earlier(viewer, key: str | None) -> Demand | None:
    if key is None or viewer.user_id is None:
        return None
    return await visible(viewer, Demand).filter(entered_by_id=viewer.user_id, client_key=key).first()


async def submit_demand(
    context,
    *,
    area_ref,
    area_given: bool,
    category_pk: int | None,
    title: str,
    description: str,
    scope: DemandScope,
    channel,
    submitter_pk: int | None,
    submitter_given: bool,
    client_mutation_id: str | None,
) -> Demand:
    viewer = context.viewer
    key = text(client_mutation_id, ["input", "clientMutationId"], "clientMutationId", 128, required=False)
    earlier = await _earlier(viewer, key)
    if earlier is not None:
        return earlier
    title = text(title, ["input", "title"], "title", 200)
    description = text(description, ["input", "description"], "description", LONG_TEXT)
    category = await DemandCategory.get_or_none(id=category_pk) if category_pk is not None else None
    if category is None:
        raise not_found("Demand category", ["input", "categoryId"])
    if not category.active:
        raise UserFailure("This category is no longer in use.", Code.INVALID_INPUT, ["input", "categoryId"])
    area = await _area(viewer, area_ref, ["input", "areaId"]) if area_given else None

    # Whose need: the named resident, else the resident account itself; staff raising a PUBLIC need: nobody.
    submitter = None
    if submitter_given:
        submitter = await visible(viewer, m.Resident).filter(id=submitter_pk or 0).first()
        if submitter is None:
            raise not_found("Resident", ["input", "submitterId"])
    elif (
        not (scope == DemandScope.PUBLIC and area is not None and viewer.can(SUBMIT, area))
        and viewer.resident_id
    ):
        submitter = await m.Resident.get_or_none(id=viewer.resident_id)
    if scope == DemandScope.HOUSEHOLD and submitter is None:
        raise UserFailure(
            "A household demand names its resident (submitterId).",
            Code.INVALID_INPUT,
            ["input", "submitterId"],
        )

    unit = None
    if scope == DemandScope.HOUSEHOLD:
        unit = await m.Unit.get_or_none(id=submitter.unit_id) if submitter.unit_id else None
        if unit is None:
            raise UserFailure(
                "The resident has no dwelling unit for a household demand.",
                Code.INVALID_INPUT,
                ["input", "submitterId"],
            )
        if area is None:
            area = await m.Area.get(id=unit.building_id)
        elif getattr(unit, lineage_column(area.level)) != area.id:
            raise UserFailure(
                "The area must contain the resident's dwelling unit.", Code.INVALID_INPUT, ["input", "areaId"]
            )
    elif area is None:
        raise UserFailure("A public demand names its area.", Code.INVALID_INPUT, ["input", "areaId"])

    # Staff enter demands inside their scope; a resident only their own, in their own home areas.
    own = (
        viewer.resident_id is not None
        and (submitter is None or submitter.id == viewer.resident_id)
        and area.id in viewer.resident_lineage
    )
    if not viewer.can(SUBMIT, area) and not own:
        raise forbid(
            f"Entering this demand needs {SUBMIT} over its area (or be your own).", ["input", "areaId"]
        )

    async def create() -> Demand:
        year = clock.local_date(clock.now()).year
        seq = await next_seq(year)
        at = clock.now()  # taken once the counter row is ours: numbers rise with submittedAt
        return await Demand.create(
            ledger_number=format_ledger_number(year, seq),
            year=year,
            seq=seq,
            title=title,
            description=description,
            category_id=category.id,
            scope=scope,
            channel=channel,
            status=lifecycle.S.SUBMITTED,
            area_id=area.id,
            unit_id=unit.id if unit else None,
            submitter_id=submitter.id if submitter else None,
            entered_by_id=viewer.user_id,
            submitted_at=at,
            client_key=key,
            **area.lineage(),
        )

    if key is None:
        demand = await create()
    else:
        try:
            async with in_transaction():  # a savepoint: a twin request with the same key may win
                demand = await create()
        except IntegrityError:
            earlier = await _earlier(viewer, key)
            if earlier is None:
                raise UserFailure(
                    "A submission with this clientMutationId is in progress; retry.",
                    Code.DUPLICATE,
                    ["input", "clientMutationId"],
                ) from None
            return earlier
    await lifecycle.record_submission(demand, viewer.user_id)
    return changed(context, demand)


# ---------------------------------------------------------------- dispatch and answers


async def dispatch_demand(
    context, *, demand_pk: int | None, organization_ids: list[str], note: str | None
) -> Demand:
    viewer = context.viewer
    demand = await _demand(context, demand_pk, ["input", "demandId"])
    require(viewer, DISPATCH, demand, ["input", "demandId"])
    lifecycle.check(demand, Action.DISPATCH, ["input", "demandId"])
    field = ["input", "organizationIds"]
    pks = organization_pks(organization_ids, field)
    found = {o.id: o for o in await visible(viewer, m.Organization).filter(id__in=[p for p in pks if p])}
    for i, pk in enumerate(pks):
        if pk not in found:
            raise not_found("Organization", [*field, str(i)])
    note = text(note, ["input", "note"], "note", LONG_TEXT, required=False)
    category = await DemandCategory.get(id=demand.category_id)
    at = clock.now()
    await DemandAssignment.bulk_create(
        [
            DemandAssignment(demand_id=demand.id, organization_id=pk, status=AS.OFFERED, offered_at=at)
            for pk in pks
        ]
    )
    names = "、".join(found[pk].name for pk in pks)
    await lifecycle.move(
        demand,
        Action.DISPATCH,
        viewer.user_id,
        at=at,
        sla_days=category.sla_days,
        dispatched_by_id=viewer.user_id,
        note=f"{names}" + (f": {note}" if note else ""),
    )
    await notify(
        context,
        await liaison_users(pks),
        OFFERED_KIND,
        f"新的群众诉求{demand.ledger_number}待接单",
        body=demand.title,
        subject=demand,
    )
    return changed(context, demand)


async def answer_offer(
    context, *, assignment_pk: int | None, accept: bool, reason: str | None, contribution: str | None
) -> DemandAssignment:
    viewer = context.viewer
    field = ["input", "assignmentId"]
    assignment = await find(viewer, DemandAssignment, assignment_pk, field, "Demand assignment")
    if assignment.organization_id not in await liaison_org_ids(viewer.user_id):
        raise forbid("Only a liaison of the organisation may answer its offers.", field)
    # The demand's row lock orders concurrent answers to its offers (PostgreSQL).
    demand = await locked(Demand, assignment.demand_id)
    assignment = await DemandAssignment.get(id=assignment.id)
    if assignment.status != AS.OFFERED:
        raise lifecycle.refuse(f"This offer was already {assignment.status.value.lower()}.", field)
    action = Action.ACCEPT if accept else Action.DECLINE
    lifecycle.check(demand, action, field)
    if accept:
        contribution = text(
            contribution, ["input", "contribution"], "contribution", LONG_TEXT, required=False
        )
        reason = None
    else:
        reason = text(reason, ["input", "reason"], "A reason for declining", LONG_TEXT)
        contribution = None
    at = clock.now()
    done = await DemandAssignment.filter(id=assignment.id, status=AS.OFFERED).update(
        status=AS.ACCEPTED if accept else AS.DECLINED,
        answered_at=at,
        answered_by_id=viewer.user_id,
        decline_reason=reason,
        contribution=contribution,
    )
    if not done:
        raise lifecycle.refuse("This offer was answered meanwhile.", field)
    org = await m.Organization.get(id=assignment.organization_id)
    if accept:
        await lifecycle.move(
            demand,
            Action.ACCEPT,
            viewer.user_id,
            at=at,
            note=org.name + (f": {contribution}" if contribution else ""),
        )
    else:
        still = await DemandAssignment.filter(
            demand_id=demand.id, status__in=[AS.OFFERED, AS.ACCEPTED]
        ).exists()
        back = not still and demand.status == lifecycle.S.DISPATCHED
        await lifecycle.move(
            demand,
            Action.RETURN if back else Action.DECLINE,
            viewer.user_id,
            at=at,
            note=f"{org.name}: {reason}",
        )
    changed(context, demand)
    return await DemandAssignment.get(id=assignment.id)


# ---------------------------------------------------------------- delivery and rating


async def deliver_demand(context, *, demand_pk: int | None, report: str) -> Demand:
    viewer = context.viewer
    field = ["input", "demandId"]
    demand = await _demand(context, demand_pk, field)
    if not viewer.can(DISPATCH, demand):
        accepted = set(
            await DemandAssignment.filter(demand_id=demand.id, status=AS.ACCEPTED).values_list(
                "organization_id", flat=True
            )
        )
        if not accepted & await liaison_org_ids(viewer.user_id):
            raise forbid(
                "Delivery is reported by an organisation that accepted the demand, or by its dispatcher.",
                field,
            )
    lifecycle.check(demand, Action.DELIVER, field)
    report = text(report, ["input", "report"], "report", LONG_TEXT)
    await lifecycle.move(demand, Action.DELIVER, viewer.user_id, delivery_report=report)
    await notify(
        context,
        await submitter_users(demand),
        DELIVERED_KIND,
        f"您的诉求{demand.ledger_number}已办结，请评价",
        body=report[:200],
        subject=demand,
    )
    return changed(context, demand)


async def request_rework(context, *, demand_pk: int | None, reason: str) -> Demand:
    demand = await _demand(context, demand_pk, ["demandId"])
    _require_submitter(context.viewer, demand, ["demandId"])
    lifecycle.check(demand, Action.REWORK, ["demandId"])
    reason = text(reason, ["reason"], "reason", LONG_TEXT)
    await lifecycle.move(demand, Action.REWORK, context.viewer.user_id, note=reason)
    accepted = await DemandAssignment.filter(demand_id=demand.id, status=AS.ACCEPTED).values_list(
        "organization_id", flat=True
    )
    await notify(
        context,
        await liaison_users(accepted),
        REWORK_KIND,
        f"诉求{demand.ledger_number}需返工",
        body=reason[:200],
        subject=demand,
    )
    return changed(context, demand)


async def rate_demand(context, *, demand_pk: int | None, score: int, comment: str | None) -> Demand:
    viewer = context.viewer
    field = ["input", "demandId"]
    demand = await _demand(context, demand_pk, field)
    _require_submitter(viewer, demand, field)
    lifecycle.check(demand, Action.RATE, field)
    if not 1 <= score <= 5:
        raise UserFailure(
            "A score is 1 (very dissatisfied) to 5 (very satisfied).", Code.INVALID_INPUT, ["input", "score"]
        )
    comment = text(comment, ["input", "comment"], "comment", LONG_TEXT, required=False)
    at = clock.now()
    await lifecycle.move(
        demand,
        Action.RATE,
        viewer.user_id,
        at=at,
        note=f"{score}/5",
        rating_score=score,
        rating_comment=comment,
        rated_at=at,
        rated_by_id=viewer.user_id,
    )
    return changed(context, demand)


async def reject_demand(context, *, demand_pk: int | None, reason: str) -> Demand:
    demand = await _demand(context, demand_pk, ["demandId"])
    require(context.viewer, DISPATCH, demand, ["demandId"])
    lifecycle.check(demand, Action.REJECT, ["demandId"])
    reason = text(reason, ["reason"], "reason", LONG_TEXT)
    await lifecycle.move(demand, Action.REJECT, context.viewer.user_id, note=reason, rejection_reason=reason)
    return changed(context, demand)


async def withdraw_demand(context, *, demand_pk: int | None) -> Demand:
    demand = await _demand(context, demand_pk, ["demandId"])
    _require_submitter(context.viewer, demand, ["demandId"])
    lifecycle.check(demand, Action.WITHDRAW, ["demandId"])
    await lifecycle.move(demand, Action.WITHDRAW, context.viewer.user_id)
    open_offers = DemandAssignment.filter(demand_id=demand.id, status=AS.OFFERED)
    org_ids = await open_offers.values_list("organization_id", flat=True)
    await open_offers.update(status=AS.CANCELLED)
    if org_ids:
        await notify(
            context,
            await liaison_users(org_ids),
            WITHDRAWN_KIND,
            f"诉求{demand.ledger_number}已撤回",
            body=demand.title,
            subject=demand,
        )
    return changed(context, demand)
