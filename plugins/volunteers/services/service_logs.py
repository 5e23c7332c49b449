"""Hours served outside a planned activity, logged and verified by coordinators."""

from __future__ import annotations

from core import clock
from core.audit import record
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.services.guards import find, require, require_text
from plugins.volunteers import models as vm
from plugins.volunteers.access import MANAGE
from plugins.volunteers.services.common import now, require_not_self
from plugins.volunteers.services.hours import MAX_HOURS


async def log_service(context, data) -> vm.ServiceLog:
    viewer = context.viewer
    volunteer = await find(viewer, vm.Volunteer, data.volunteer_id, "volunteerId", "Volunteer")
    require(viewer, MANAGE, volunteer, "volunteerId")
    hours = round(data.hours, 2)  # kept to two decimals: checked as kept
    if not (0 < hours <= MAX_HOURS):
        raise UserFailure(f"hours must be more than 0 and at most {MAX_HOURS:g}.", Code.OUT_OF_RANGE, "hours")
    if data.served_on > clock.today():
        raise UserFailure("servedOn is in the future.", Code.OUT_OF_RANGE, "servedOn")
    log = vm.ServiceLog(
        volunteer_id=volunteer.id,
        served_on=data.served_on,
        hours=hours,
        description=require_text(data.description, "description", "description", 1000),
        logged_by_id=viewer.user_id,
    )
    log.set_lineage(volunteer.lineage())
    await log.save()
    await record(context, "logService", gid_of(log))
    return log


async def verify_service_log(context, log_gid: str) -> vm.ServiceLog:
    viewer = context.viewer
    log = await find(viewer, vm.ServiceLog, log_gid, ["serviceLogId"], "ServiceLog")
    require(viewer, MANAGE, log, ["serviceLogId"])
    volunteer = await vm.Volunteer.get(id=log.volunteer_id)
    require_not_self(viewer, volunteer, ["serviceLogId"])
    moved = await vm.ServiceLog.filter(id=log.id, verified=False).update(
        verified=True, verified_by_id=viewer.user_id, verified_at=now()
    )
    if not moved:
        raise UserFailure("The service log is already verified.", Code.INVALID_TRANSITION, ["serviceLogId"])
    await record(context, "verifyServiceLog", gid_of(log))
    return await vm.ServiceLog.get(id=log.id)
