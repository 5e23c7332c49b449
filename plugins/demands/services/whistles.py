"""街道吹哨、部门报到: a subdistrict summons departments; each reports (报到), acts and is done;
the whistle is resolved once every call is DONE."""

from __future__ import annotations

import datetime as dt

from core import clock
from core import models as m
from core.access import visible
from core.errors import Code, UserFailure, not_found
from core.services.notifications import notify
from plugins.demands import lifecycle
from plugins.demands.access import BLOW, liaison_org_ids
from plugins.demands.checks import LONG_TEXT, PLACE_LEVELS, organization_pks, text
from plugins.demands.enums import WhistleCallStatus as CS
from plugins.demands.enums import WhistleStatus as WS
from plugins.demands.lifecycle import Action
from plugins.demands.models import Demand, Whistle, WhistleCall
from plugins.demands.services.common import changed, find, forbid, liaison_users, locked, require

WHISTLE_KIND = "demands.whistle"


async def blow_whistle(
    context,
    *,
    area_ref,
    title: str,
    description: str,
    organization_ids: list[str],
    report_by: dt.datetime,
    demand_pk: int | None,
    demand_given: bool,
) -> Whistle:
    viewer = context.viewer
    field = ["input", "areaId"]
    area = None
    if area_ref is not None:
        area = await visible(viewer, m.Area).filter(id=area_ref[0], level=area_ref[1]).first()
    if area is None:
        raise not_found("Area", field)
    if area.level not in PLACE_LEVELS:
        raise UserFailure(
            "A whistle is blown on a community, compound or building of the subdistrict.",
            Code.INVALID_LEVEL,
            field,
        )
    require(viewer, BLOW, area, field)
    title = text(title, ["input", "title"], "title", 200)
    description = text(description, ["input", "description"], "description", LONG_TEXT)
    now = clock.now()
    if report_by <= now:
        raise UserFailure("reportBy must be in the future.", Code.INVALID_INPUT, ["input", "reportBy"])
    org_field = ["input", "organizationIds"]
    pks = organization_pks(organization_ids, org_field)
    found = set(await m.Organization.filter(id__in=[p for p in pks if p]).values_list("id", flat=True))
    for i, pk in enumerate(pks):
        if pk not in found:
            raise not_found("Organization", [*org_field, str(i)])
    demand = None
    if demand_given:
        demand = await find(viewer, Demand, demand_pk, ["input", "demandId"], "Demand", for_update=True)
        if demand.subdistrict_ref != area.subdistrict_ref:
            raise UserFailure(
                "The demand lies in another subdistrict.", Code.INVALID_INPUT, ["input", "demandId"]
            )
        lifecycle.check(demand, Action.BLOW_WHISTLE, ["input", "demandId"])
        if await Whistle.filter(demand_id=demand.id, status__in=[WS.OPEN, WS.RESOLVED]).exists():
            raise UserFailure(
                "A whistle was already blown for this demand.", Code.DUPLICATE, ["input", "demandId"]
            )
    whistle = await Whistle.create(
        title=title,
        description=description,
        subdistrict_id=area.subdistrict_ref,
        area_id=area.id,
        status=WS.OPEN,
        blown_at=now,
        blown_by_id=viewer.user_id,
        demand_id=demand.id if demand else None,
        **area.lineage(),
    )
    await WhistleCall.bulk_create(
        [
            WhistleCall(whistle_id=whistle.id, organization_id=pk, status=CS.SUMMONED, report_by=report_by)
            for pk in pks
        ]
    )
    if demand is not None:
        await lifecycle.move(demand, Action.BLOW_WHISTLE, viewer.user_id, at=now, note=title)
        changed(context, demand)
    await notify(
        context,
        await liaison_users(pks),
        WHISTLE_KIND,
        f"街道吹哨：{title}，请按时报到",
        body=description[:200],
        subject=whistle,
    )
    return whistle


async def _call(context, pk: int | None, field: list[str]) -> tuple[WhistleCall, Whistle]:
    """The call (liaisons of its organisation only) and its whistle, locked: answers queue on it."""
    viewer = context.viewer
    call = await find(viewer, WhistleCall, pk, field, "Whistle call")
    if call.organization_id not in await liaison_org_ids(viewer.user_id):
        raise forbid("Only a liaison of the summoned organisation may answer this call.", field)
    whistle = await locked(Whistle, call.whistle_id)
    call = await WhistleCall.get(id=call.id)
    if whistle.status != WS.OPEN:
        raise lifecycle.refuse(f"The whistle is {whistle.status.value}.", field)
    return call, whistle


async def report_to_whistle(context, *, call_pk: int | None, commitment: str) -> Whistle:
    field = ["input", "whistleCallId"]
    call, whistle = await _call(context, call_pk, field)
    if call.status != CS.SUMMONED:
        raise lifecycle.refuse(
            f"This department has already reported (the call is {call.status.value}).", field
        )
    commitment = text(commitment, ["input", "commitment"], "commitment", LONG_TEXT)
    now = clock.now()
    done = await WhistleCall.filter(id=call.id, status=CS.SUMMONED).update(
        status=CS.REPORTED,
        reported_at=now,
        reported_on_time=now <= call.report_by,
        reported_by_id=context.viewer.user_id,
        commitment=commitment,
    )
    if not done:
        raise lifecycle.refuse("The call was answered meanwhile.", field)
    return whistle


async def complete_call(context, *, call_pk: int | None, outcome: str) -> Whistle:
    field = ["input", "whistleCallId"]
    call, whistle = await _call(context, call_pk, field)
    if call.status != CS.REPORTED:
        raise lifecycle.refuse(
            f"Only a REPORTED call can be completed (this one is {call.status.value}).", field
        )
    outcome = text(outcome, ["input", "outcome"], "outcome", LONG_TEXT)
    done = await WhistleCall.filter(id=call.id, status=CS.REPORTED).update(
        status=CS.DONE, outcome=outcome, done_at=clock.now()
    )
    if not done:
        raise lifecycle.refuse("The call was completed meanwhile.", field)
    return whistle


async def _managed(context, pk: int | None, field: list[str]) -> Whistle:
    whistle = await find(context.viewer, Whistle, pk, field, "Whistle", for_update=True)
    require(context.viewer, BLOW, whistle, field)
    if whistle.status != WS.OPEN:
        raise lifecycle.refuse(f"A {whistle.status.value} whistle cannot change any more.", field)
    return whistle


async def resolve_whistle(context, *, whistle_pk: int | None, resolution: str) -> Whistle:
    field = ["input", "whistleId"]
    whistle = await _managed(context, whistle_pk, field)
    pending = await WhistleCall.filter(whistle_id=whistle.id).exclude(status=CS.DONE).count()
    if pending:
        raise lifecycle.refuse(f"{pending} summoned department(s) are not DONE yet.", field)
    resolution = text(resolution, ["input", "resolution"], "resolution", LONG_TEXT)
    await Whistle.filter(id=whistle.id, status=WS.OPEN).update(
        status=WS.RESOLVED, resolved_at=clock.now(), resolution=resolution
    )
    return await Whistle.get(id=whistle.id)


async def cancel_whistle(context, *, whistle_pk: int | None, reason: str) -> Whistle:
    whistle = await _managed(context, whistle_pk, ["whistleId"])
    reason = text(reason, ["reason"], "reason", LONG_TEXT)
    await Whistle.filter(id=whistle.id, status=WS.OPEN).update(
        status=WS.CANCELLED, cancelled_at=clock.now(), cancel_reason=reason
    )
    return await Whistle.get(id=whistle.id)
