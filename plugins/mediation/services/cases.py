"""What the mutations do. Each function runs inside the mutation's transaction
(core.api.mutation.run_mutation) and raises UserFailure to refuse; every status
change goes through the state machine in plugins.mediation.services.lifecycle.
"""

from __future__ import annotations

import datetime as dt

from core import clock
from core import models as m
from core.access import visible
from core.audit import record
from core.dates import instant
from core.errors import Code, Field, UserFailure, not_found
from core.events import emit
from core.idempotency import claim_key, client_key
from core.ids import decode_area_gid, decode_int_gid, gid_of
from core.services.guards import find, optional_text, require, require_text
from core.services.notifications import notify
from plugins.mediation.access import MANAGE, READ, can_report, covered_users, is_on_team
from plugins.mediation.enums import DisputeStatus, MediationMethod
from plugins.mediation.models import (
    DisputeCase,
    DisputeParty,
    FollowUp,
    MediationSession,
    MediationTeamMember,
)
from plugins.mediation.services import lifecycle
from plugins.mediation.services.lifecycle import INITIAL_LEVEL, Action
from plugins.mediation.services.numbering import format_case_number, next_seq

TOPIC = "mediation.case.updated"
NOTIFY_KIND = "mediation.assigned"
OP_REPORT = "reportDispute"
INVALID_TEAM_MEMBER = "INVALID_TEAM_MEMBER"

MAX_PARTIES = 20
MAX_TEAM = 12
MAX_FOLLOW_UPS = 12
LONG_TEXT = 5000


def assigned_title(case_number: str) -> str:
    """The notification a newly assigned case owner or team member reads, in Chinese like the other plugins'."""
    return f"纠纷案件{case_number}已分派给您"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _changed(context, case: DisputeCase, action: str, detail: str | None = None) -> DisputeCase:
    """Audit the mutation and queue the case event (published once the transaction commits)."""
    await record(context, action, gid_of(case), detail)
    emit(context, TOPIC, case_id=case.id, area_ids=case.area_ids())
    return case


async def _case(context, gid: str, field: Field) -> DisputeCase:
    """The visible case ``gid`` names, row-locked for the rest of the transaction (PostgreSQL)."""
    if decode_int_gid(gid, "DisputeCase") is None:
        raise not_found("Dispute case", field)
    return await find(
        context.viewer, DisputeCase, gid, field, "DisputeCase", what="Dispute case", for_update=True
    )


async def _managed_case(context, gid: str, field: Field) -> DisputeCase:
    case = await _case(context, gid, field)
    require(context.viewer, MANAGE, case, field)
    return case


async def _worked_case(context, case: DisputeCase, field: Field) -> None:
    """Sessions and follow-ups (access.TEAM_ACTIONS): managers of the area, or the case's own team and owner."""
    viewer = context.viewer
    if not viewer.can(MANAGE, case) and not await is_on_team(case, viewer.user_id):
        raise UserFailure(
            f"You lack the {MANAGE} permission here and are not on the case's team.", Code.FORBIDDEN, field
        )


# ---------------------------------------------------------------- reporting


async def _report_area(viewer, gid: str) -> m.Area:
    field = "areaId"
    found = decode_area_gid(gid)
    # Looked up unscoped: a resident may report in any compound of their community, which
    # core's area policy does not show them; refusals still never reveal an unseen area.
    area = await m.Area.get_or_none(id=found[0], level=found[1]) if found else None
    if area is None:
        raise not_found("Area", field)
    if not can_report(viewer, area):
        if await visible(viewer, m.Area).filter(id=area.id).exists():
            raise UserFailure("You may not report disputes in this area.", Code.FORBIDDEN, field)
        raise not_found("Area", field)
    if area.level not in INITIAL_LEVEL:
        raise UserFailure(
            "A dispute is reported at the community, compound or building where it arose.",
            Code.INVALID_LEVEL,
            field,
        )
    return area


async def _parties(viewer, parties) -> list[DisputeParty]:
    if not parties:
        raise UserFailure("Name at least one party.", Code.INVALID_INPUT, "parties")
    if len(parties) > MAX_PARTIES:
        raise UserFailure(f"At most {MAX_PARTIES} parties.", Code.INVALID_INPUT, "parties")
    wanted = {
        i: decode_int_gid(p.resident_id, "Resident")
        for i, p in enumerate(parties)
        if p.resident_id is not None
    }
    found = {}
    if wanted:
        rows = await visible(viewer, m.Resident).filter(id__in=[pk for pk in wanted.values() if pk])
        found = {r.id: r for r in rows}
    out, seen = [], set()
    for i, p in enumerate(parties):
        field = f"parties.{i}"
        if p.resident_id is not None:
            resident = found.get(wanted[i])
            if resident is None:
                raise not_found("Resident", f"{field}.residentId")
            if resident.id in seen:
                raise UserFailure(
                    "The same resident is named twice.", Code.INVALID_INPUT, f"{field}.residentId"
                )
            seen.add(resident.id)
            out.append(DisputeParty(resident_id=resident.id, name=resident.name, role=p.role))
        else:
            name = require_text(p.name, f"{field}.name", "A party's name (or residentId)", 100)
            out.append(DisputeParty(name=name, role=p.role))
    return out


async def report_dispute(context, data) -> DisputeCase:
    viewer = context.viewer
    earlier, claim = await claim_key(
        viewer, OP_REPORT, client_key(data.client_mutation_id), DisputeCase, "DisputeCase"
    )
    if earlier is not None:
        return earlier
    area = await _report_area(viewer, data.area_id)
    title = require_text(data.title, "title", "title", 200)
    description = require_text(data.description, "description", "description", LONG_TEXT)
    parties = await _parties(viewer, data.parties)
    year = clock.local_date(now()).year
    seq = await next_seq(year)
    # Taken once the counter row is ours: numbers then rise with reportedAt even under contention.
    at = now()
    case = await DisputeCase.create(
        case_number=format_case_number(year, seq),
        year=year,
        seq=seq,
        title=title,
        description=description,
        category=data.category,
        status=DisputeStatus.REPORTED,
        area_id=area.id,
        handling_level=INITIAL_LEVEL[area.level],
        reported_by_id=viewer.user_id,
        reported_at=at,
        **area.lineage(),
    )
    for party in parties:
        party.case_id = case.id
    await DisputeParty.bulk_create(parties)
    await lifecycle.record_report(case, viewer.user_id)
    await claim.settle(case)
    return await _changed(context, case, OP_REPORT)


# ---------------------------------------------------------------- moves


async def accept_dispute(context, case_id: str) -> DisputeCase:
    case = await _managed_case(context, case_id, ["caseId"])
    await lifecycle.move(case, Action.ACCEPT, context.viewer.user_id)
    return await _changed(context, case, "acceptDispute")


async def assign_team(context, data) -> DisputeCase:
    viewer = context.viewer
    case = await _managed_case(context, data.case_id, "caseId")
    await lifecycle.check(case, Action.ASSIGN_TEAM)
    members = data.members or []
    if not members:
        raise UserFailure("A team needs at least one member.", Code.INVALID_INPUT, "members")
    if len(members) > MAX_TEAM:
        raise UserFailure(f"A team has at most {MAX_TEAM} members.", Code.INVALID_INPUT, "members")
    user_ids: list[int | None] = [decode_int_gid(mb.user_id, "User") for mb in members]
    owner_id = decode_int_gid(data.case_owner_id, "User")
    covered = await covered_users(context.host.registry, [u for u in [*user_ids, owner_id] if u], case)
    seen: set[int] = set()
    for i, user_id in enumerate(user_ids):
        field = f"members.{i}.userId"
        if user_id not in covered:
            raise UserFailure(
                f"Team members must be active users holding {READ} over the case's area.",
                INVALID_TEAM_MEMBER,
                field,
            )
        if user_id in seen:
            raise UserFailure("The same user is named twice.", Code.INVALID_INPUT, field)
        seen.add(user_id)
    if data.case_owner_id is not None and owner_id not in seen and owner_id not in covered:
        raise UserFailure(
            "The case owner must be on the team or be a user whose roles cover the case's area.",
            INVALID_TEAM_MEMBER,
            "caseOwnerId",
        )
    if owner_id is None:
        owner_id = case.case_owner_id
    method = data.method or case.method
    if method == MediationMethod.CASE_OWNER and owner_id is None:
        raise UserFailure(
            "The case-owner method (包案化解) needs a case owner.", Code.INVALID_INPUT, "caseOwnerId"
        )
    before = set(await MediationTeamMember.filter(case_id=case.id).values_list("user_id", flat=True))
    before_owner = case.case_owner_id
    await MediationTeamMember.filter(case_id=case.id).delete()
    await MediationTeamMember.bulk_create(
        [
            MediationTeamMember(case_id=case.id, user_id=user_id, role=mb.role)
            for user_id, mb in zip(user_ids, members, strict=True)
        ]
    )
    note = f"{len(members)} member(s)" + (f", method {method.value}" if method else "")
    await lifecycle.move(
        case, Action.ASSIGN_TEAM, viewer.user_id, note=note, case_owner_id=owner_id, method=method
    )
    # Everyone newly on the case hears of it once: new members, and a new case owner.
    newcomers = [u for u in user_ids if u not in before]
    if owner_id is not None and owner_id != before_owner and owner_id not in newcomers:
        newcomers.append(owner_id)
    if newcomers:
        await notify(
            context, newcomers, NOTIFY_KIND, assigned_title(case.case_number), body=case.title, subject=case
        )
    return await _changed(context, case, "assignMediationTeam")


async def record_session(context, data) -> DisputeCase:
    viewer = context.viewer
    case = await _case(context, data.case_id, "caseId")
    await _worked_case(context, case, "caseId")
    await lifecycle.check(case, Action.RECORD_SESSION)
    held_at = instant(data.held_at, "heldAt", "heldAt")
    if held_at > now() + dt.timedelta(hours=1):
        raise UserFailure(
            "A session is recorded once it has been held; heldAt is in the future.",
            Code.INVALID_INPUT,
            "heldAt",
        )
    if held_at < case.reported_at - dt.timedelta(days=1):
        raise UserFailure("heldAt is before the dispute was reported.", Code.INVALID_INPUT, "heldAt")
    notes = require_text(data.notes, "notes", "notes", LONG_TEXT)
    location = optional_text(data.location, "location", "location", 200)
    await MediationSession.create(
        case_id=case.id, held_at=held_at, location=location, notes=notes, recorded_by_id=viewer.user_id
    )
    await lifecycle.move(case, Action.RECORD_SESSION, viewer.user_id, note=location)
    return await _changed(context, case, "recordMediationSession")


async def resolve_dispute(context, data) -> DisputeCase:
    case = await _managed_case(context, data.case_id, "caseId")
    await lifecycle.check(case, Action.RESOLVE)
    terms = require_text(data.terms, "terms", "terms", LONG_TEXT)
    today = clock.local_date(now())
    if data.signed_on > today or data.signed_on < clock.local_date(case.reported_at):
        raise UserFailure(
            "signedOn must lie between the report date and today.", Code.INVALID_INPUT, "signedOn"
        )
    dates = list(data.follow_up_dates or [])
    if len(dates) > MAX_FOLLOW_UPS:
        raise UserFailure(f"At most {MAX_FOLLOW_UPS} follow-ups.", Code.INVALID_INPUT, "followUpDates")
    for i, due in enumerate(dates):
        field = f"followUpDates.{i}"
        if due < data.signed_on:
            raise UserFailure(
                "A follow-up must fall on or after the day the agreement was signed.",
                Code.INVALID_INPUT,
                field,
            )
        if due in dates[:i]:
            raise UserFailure("The same follow-up date is given twice.", Code.INVALID_INPUT, field)
    await lifecycle.move(
        case,
        Action.RESOLVE,
        context.viewer.user_id,
        agreement_terms=terms,
        agreement_signed_on=data.signed_on,
        note=f"{len(dates)} follow-up(s) scheduled" if dates else None,
    )
    await FollowUp.bulk_create([FollowUp(case_id=case.id, due_on=due) for due in sorted(dates)])
    return await _changed(context, case, "resolveDispute")


async def mark_failed(context, case_id: str, reason: str) -> DisputeCase:
    case = await _managed_case(context, case_id, ["caseId"])
    await lifecycle.check(case, Action.FAIL)
    note = require_text(reason, ["reason"], "reason", LONG_TEXT)
    await lifecycle.move(case, Action.FAIL, context.viewer.user_id, note=note)
    return await _changed(context, case, "markDisputeFailed")


async def escalate(context, case_id: str, reason: str) -> DisputeCase:
    case = await _managed_case(context, case_id, ["caseId"])
    await lifecycle.check(case, Action.ESCALATE)
    note = require_text(reason, ["reason"], "reason", LONG_TEXT)
    await lifecycle.move(case, Action.ESCALATE, context.viewer.user_id, note=note)
    return await _changed(context, case, "escalateDispute")


async def complete_follow_up(context, data) -> DisputeCase:
    viewer = context.viewer
    field = "followUpId"
    pk = decode_int_gid(data.follow_up_id, "FollowUp")
    follow_up = await FollowUp.get_or_none(id=pk) if pk else None
    case = None
    if follow_up is not None:
        case = await visible(viewer, DisputeCase).filter(id=follow_up.case_id).select_for_update().first()
    if case is None:
        raise not_found("Follow-up", field)
    await _worked_case(context, case, field)
    if follow_up.done_at is not None:
        raise lifecycle.refuse("This follow-up was already done.", field)
    await lifecycle.check(case, Action.COMPLETE_FOLLOW_UP)
    note = optional_text(data.note, "note", "note", LONG_TEXT)
    done = await FollowUp.filter(id=follow_up.id, done_at__isnull=True).update(
        done_at=now(), done_by_id=viewer.user_id, note=note, agreement_kept=data.agreement_kept
    )
    if not done:
        raise lifecycle.refuse("This follow-up was already done.", field)
    kept = "agreement kept" if data.agreement_kept else "agreement not kept"
    await lifecycle.move(
        case,
        Action.COMPLETE_FOLLOW_UP,
        viewer.user_id,
        note=f"{follow_up.due_on.isoformat()}: {kept}" + (f". {note}" if note else ""),
    )
    return await _changed(context, case, "completeFollowUp")


async def close_dispute(context, case_id: str) -> DisputeCase:
    case = await _managed_case(context, case_id, ["caseId"])
    await lifecycle.move(case, Action.CLOSE, context.viewer.user_id)
    return await _changed(context, case, "closeDispute")


async def area_usage(area_id: int) -> str | None:
    """Why an area cannot be deleted yet (lastmile_area_usage), or None."""
    if await DisputeCase.filter(area_id=area_id).exists():
        return "dispute cases are recorded in it"
    return None
