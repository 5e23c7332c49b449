"""GraphQL operations and small builders shared by the plugin's tests."""

from __future__ import annotations

import datetime as dt

from core import models as m
from core.api.relay import gid_of
from core.enums import AreaLevel
from core.testing import World, build_world, make_user, token_for
from plugins.mediation.enums import DisputeCategory, DisputeStatus
from plugins.mediation.models import DisputeCase

CASE_FIELDS = """
  id caseNumber title description category status handlingLevel method
  reportedAt resolvedAt closedAt
  area { id name level }
  parties { name role resident { id name } }
  team { role user { id username } }
  caseOwner { id username }
  sessions { id heldAt location notes recordedBy { username } }
  agreement { terms signedOn }
  followUps { id dueOn doneAt note agreementKept }
  events { at kind fromStatus toStatus fromLevel toLevel note actor { username } }
"""

PAYLOAD = f"disputeCase {{ {CASE_FIELDS} }} userErrors {{ field message code }}"

REPORT = f"""mutation($input: ReportDisputeInput!) {{ reportDispute(input: $input) {{ {PAYLOAD} }} }}"""
ACCEPT = f"""mutation($id: ID!) {{ acceptDispute(caseId: $id) {{ {PAYLOAD} }} }}"""
ASSIGN = f"""mutation($input: AssignMediationTeamInput!) {{ assignMediationTeam(input: $input) {{ {PAYLOAD} }} }}"""
SESSION = f"""mutation($input: RecordMediationSessionInput!) {{ recordMediationSession(input: $input) {{ {PAYLOAD} }} }}"""
RESOLVE = f"""mutation($input: ResolveDisputeInput!) {{ resolveDispute(input: $input) {{ {PAYLOAD} }} }}"""
FAIL = f"""mutation($id: ID!, $reason: String!) {{ markDisputeFailed(caseId: $id, reason: $reason) {{ {PAYLOAD} }} }}"""
ESCALATE = f"""mutation($id: ID!, $reason: String!) {{ escalateDispute(caseId: $id, reason: $reason) {{ {PAYLOAD} }} }}"""
FOLLOW_UP = (
    f"""mutation($input: CompleteFollowUpInput!) {{ completeFollowUp(input: $input) {{ {PAYLOAD} }} }}"""
)
CLOSE = f"""mutation($id: ID!) {{ closeDispute(caseId: $id) {{ {PAYLOAD} }} }}"""
GET = f"""query($id: ID!) {{ disputeCase(id: $id) {{ {CASE_FIELDS} }} }}"""


async def mediation_world() -> World:
    """core.testing's world plus a mediator of community 1 and a volunteer without grants."""
    w = await build_world()
    w.users["c1_mediator"] = await make_user("c1_mediator", [("mediator", w.c1)])
    w.users["nobody"] = await make_user("nobody")
    w.users["wang"] = await make_user("wang", [("resident", w.c2)], resident=w.residents["wang"])
    w.tokens.update({k: token_for(w.users[k]) for k in ("c1_mediator", "nobody", "wang")})
    return w


async def call(client, query: str, variables: dict, token: str, field: str) -> dict:
    """The mutation's payload (fails on GraphQL errors)."""
    return (await client.data(query, variables, token))[field]


async def report(
    client,
    w: World,
    token_name: str = "c1_worker",
    *,
    area=None,
    parties=None,
    category="NEIGHBOR",
    key=None,
    title="楼上漏水",
) -> dict:
    parties = (
        parties
        if parties is not None
        else [
            {"residentId": gid_of(w.residents["zhang"]), "role": "APPLICANT"},
            {"name": "楼上住户", "role": "RESPONDENT"},
        ]
    )
    data = {
        "areaId": gid_of(area or w.building1),
        "title": title,
        "description": "卫生间漏水到楼下",
        "category": category,
        "parties": parties,
    }
    if key is not None:
        data["clientMutationId"] = key
    return await call(client, REPORT, {"input": data}, w.tokens[token_name], "reportDispute")


def ok(payload: dict) -> dict:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["disputeCase"]


def refused(payload: dict, code: str) -> dict:
    assert payload["disputeCase"] is None, payload
    assert [e["code"] for e in payload["userErrors"]] == [code], payload["userErrors"]
    return payload["userErrors"][0]


async def to_in_mediation(
    client, w: World, case_id: str, token: str = "c1_worker", members=None, owner=None
) -> dict:
    ok(await call(client, ACCEPT, {"id": case_id}, w.tokens[token], "acceptDispute"))
    members = members or [
        {"userId": gid_of(w.users["c1_mediator"]), "role": "MEDIATOR"},
        {"userId": gid_of(w.users["c1_grid"]), "role": "GRID_LEADER"},
    ]
    data = {"caseId": case_id, "members": members, "method": "ON_SITE"}
    if owner is not None:
        data["caseOwnerId"] = owner
    return ok(await call(client, ASSIGN, {"input": data}, w.tokens[token], "assignMediationTeam"))


async def insert_case(
    area: m.Area,
    seq: int,
    *,
    status: DisputeStatus,
    category=DisputeCategory.NEIGHBOR,
    level: AreaLevel = AreaLevel.COMPOUND,
    reported_at: dt.datetime,
    resolved_days: float | None = None,
    resolved_level: AreaLevel | None = None,
) -> DisputeCase:
    """A case row as the state machine would have left it (for statistics fixtures)."""
    outcome = None
    if status in (DisputeStatus.RESOLVED, DisputeStatus.FAILED):
        outcome = status
    elif status == DisputeStatus.CLOSED:
        outcome = DisputeStatus.RESOLVED if resolved_days is not None else DisputeStatus.FAILED
    resolved = outcome == DisputeStatus.RESOLVED
    return await DisputeCase.create(
        case_number=f"MD-{reported_at.year}-{seq:06d}",
        year=reported_at.year,
        seq=seq,
        title=f"case {seq}",
        description="-",
        category=category,
        status=status,
        area_id=area.id,
        handling_level=level,
        reported_at=reported_at,
        outcome=outcome,
        resolved_level=(resolved_level or level) if resolved else None,
        resolution_seconds=int(resolved_days * 86400) if resolved else None,
        resolved_at=reported_at + dt.timedelta(days=resolved_days) if resolved else None,
        failed_at=reported_at + dt.timedelta(days=3) if outcome == DisputeStatus.FAILED else None,
        **area.lineage(),
    )
