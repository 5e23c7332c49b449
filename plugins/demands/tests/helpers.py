"""GraphQL operations and builders shared by the plugin's tests."""

from __future__ import annotations

from core import models as m
from core.api.relay import gid_of
from core.enums import OrganizationKind
from core.testing import World, build_world, make_user, token_for
from plugins.demands.models import DemandCategory, OrganizationLiaison

DEMAND_FIELDS = """
  id ledgerNumber title description scope channel status submittedAt dispatchedAt dueAt deliveredAt closedAt
  overdue late deliveryReport rejectionReason
  category { id name slaDays }
  area { id name level }
  unit { id label }
  submitter { id name }
  enteredBy { username }
  assignments { id status declineReason contribution answeredAt answeredBy { username } organization { id name } }
  rating { score comment ratedBy { username } }
  whistle { id status }
  events { kind fromStatus toStatus note actor { username } }
"""
PAYLOAD = f"demand {{ {DEMAND_FIELDS} }} userErrors {{ field message code }}"

SUBMIT = f"mutation($input: SubmitDemandInput!) {{ submitDemand(input: $input) {{ {PAYLOAD} }} }}"
DISPATCH = f"mutation($input: DispatchDemandInput!) {{ dispatchDemand(input: $input) {{ {PAYLOAD} }} }}"
ANSWER = """mutation($input: AnswerDemandOfferInput!) { answerDemandOffer(input: $input) {
  assignment { id status declineReason contribution demand { id status } organization { name } }
  userErrors { field message code } } }"""
DELIVER = f"mutation($input: DeliverDemandInput!) {{ deliverDemand(input: $input) {{ {PAYLOAD} }} }}"
REWORK = (
    f"mutation($id: ID!, $r: String!) {{ requestDemandRework(demandId: $id, reason: $r) {{ {PAYLOAD} }} }}"
)
RATE = f"mutation($input: RateDemandInput!) {{ rateDemand(input: $input) {{ {PAYLOAD} }} }}"
REJECT = f"mutation($id: ID!, $r: String!) {{ rejectDemand(demandId: $id, reason: $r) {{ {PAYLOAD} }} }}"
WITHDRAW = f"mutation($id: ID!) {{ withdrawDemand(demandId: $id) {{ {PAYLOAD} }} }}"
GET = f"query($id: ID!) {{ demand(id: $id) {{ {DEMAND_FIELDS} }} }}"
LIST = """query($f: DemandFilter, $first: Int) { demands(filter: $f, first: $first) { totalCount
  edges { node { id ledgerNumber status overdue scope } } } }"""

WHISTLE_FIELDS = """id title status blownAt resolvedAt resolution subdistrict { id name } area { id name }
  blownBy { username } demand { id ledgerNumber }
  calls { id status reportBy reportedAt late commitment outcome doneAt organization { name } reportedBy { username } }"""
WPAYLOAD = f"whistle {{ {WHISTLE_FIELDS} }} userErrors {{ field message code }}"
BLOW = f"mutation($input: BlowWhistleInput!) {{ blowWhistle(input: $input) {{ {WPAYLOAD} }} }}"
REPORT = f"mutation($input: ReportToWhistleInput!) {{ reportToWhistle(input: $input) {{ {WPAYLOAD} }} }}"
COMPLETE = (
    f"mutation($input: CompleteWhistleCallInput!) {{ completeWhistleCall(input: $input) {{ {WPAYLOAD} }} }}"
)
RESOLVE = f"mutation($input: ResolveWhistleInput!) {{ resolveWhistle(input: $input) {{ {WPAYLOAD} }} }}"
CANCEL = f"mutation($id: ID!, $r: String!) {{ cancelWhistle(whistleId: $id, reason: $r) {{ {WPAYLOAD} }} }}"


async def demands_world() -> World:
    """core.testing's world plus two categories, four organisations with a liaison each,
    a resident account of community 2 and an account without grants."""
    w = await build_world()
    w.repair = await DemandCategory.create(name="维修", sla_days=7, suggested_kinds=["PROPERTY_MANAGEMENT"])
    w.hall = await DemandCategory.create(name="公共设施", sla_days=30, suggested_kinds=[])
    w.orgs = {}
    for key, name, kind in (
        ("health", "区卫健委", OrganizationKind.GOVERNMENT_DEPARTMENT),
        ("power", "供电公司", OrganizationKind.UTILITY),
        ("water", "自来水公司", OrganizationKind.UTILITY),
        ("property", "鑫源物业", OrganizationKind.PROPERTY_MANAGEMENT),
    ):
        org = await m.Organization.create(name=name, kind=kind)
        w.orgs[key] = org
        user = await make_user(f"{key}_liaison")
        await OrganizationLiaison.create(organization=org, user=user)
        w.users[f"{key}_liaison"] = user
    w.users["wang"] = await make_user("wang", [("resident", w.c2)], resident=w.residents["wang"])
    w.users["nobody"] = await make_user("nobody")
    w.tokens.update({k: token_for(u) for k, u in w.users.items()})
    return w


async def call(client, query: str, variables: dict, token: str) -> dict:
    data = await client.data(query, variables, token)
    return next(iter(data.values()))


def ok(payload: dict, field: str = "demand") -> dict:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload[field]


def refused(payload: dict, code: str, field: str = "demand") -> dict:
    assert payload[field] is None, payload
    assert payload["userErrors"] and payload["userErrors"][0]["code"] == code, payload["userErrors"]
    return payload["userErrors"][0]


async def submit(
    client,
    w: World,
    token: str = "c1_worker",
    *,
    scope="HOUSEHOLD",
    area=None,
    submitter="zhang",
    category=None,
    title="楼道灯坏了",
    key=None,
    channel="APP",
) -> dict:
    data = {
        "categoryId": gid_of(category or w.repair),
        "title": title,
        "description": "三楼楼道灯不亮",
        "scope": scope,
        "channel": channel,
    }
    if area is not None:
        data["areaId"] = gid_of(area)
    if submitter is not None:
        data["submitterId"] = gid_of(w.residents[submitter])
    if key is not None:
        data["clientMutationId"] = key
    return await call(client, SUBMIT, {"input": data}, w.tokens[token])


async def dispatch(client, w: World, demand_id: str, *orgs: str, token: str = "c1_worker") -> dict:
    return await call(
        client,
        DISPATCH,
        {"input": {"demandId": demand_id, "organizationIds": [gid_of(w.orgs[o]) for o in orgs]}},
        w.tokens[token],
    )


def assignment_of(demand: dict, org_name: str) -> str:
    return next(a["id"] for a in demand["assignments"] if a["organization"]["name"] == org_name)


async def answer(client, w: World, demand: dict, org: str, accept: bool = True, reason=None) -> dict:
    data = {"assignmentId": assignment_of(demand, w.orgs[org].name), "accept": accept}
    if reason is not None:
        data["reason"] = reason
    if accept:
        data["contribution"] = "派人维修"
    return await call(client, ANSWER, {"input": data}, w.tokens[f"{org}_liaison"])


async def to_accepted(client, w: World, *orgs: str) -> dict:
    demand = ok(await submit(client, w))
    demand = ok(await dispatch(client, w, demand["id"], *(orgs or ("property",))))
    for org in orgs or ("property",):
        ok(await answer(client, w, demand, org), "assignment")
    return demand


async def to_delivered(client, w: World, *orgs: str) -> dict:
    demand = await to_accepted(client, w, *orgs)
    return ok(
        await call(
            client,
            DELIVER,
            {"input": {"demandId": demand["id"], "report": "已更换灯泡"}},
            w.tokens[f"{(orgs or ('property',))[0]}_liaison"],
        )
    )
