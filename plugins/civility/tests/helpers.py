"""GraphQL documents and a small civility world shared by the civility tests."""

from __future__ import annotations

from dataclasses import dataclass

from core.enums import HouseholdRelation
from core.testing import World, build_world, make_resident, make_user, token_for

CAMPAIGN_FIELDS = """
  id title kind year status votingOpen publicNoticeEndsOn createdAt
  area { id name }
  criteria { id name weight maxScore }
  starThresholds { stars minScore }
"""

NOMINATION_FIELDS = """
  id status reason nomineeName totalScore starLevel voteCount viewerHasVoted
  unit { id label } resident { id name }
  scores { score comment criterion { name } assessor { username } }
  objections { id reason outcome }
"""

CREATE = f"""
mutation($input: CreateCivilityCampaignInput!) {{
  createCivilityCampaign(input: $input) {{
    campaign {{ {CAMPAIGN_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

ADVANCE = f"""
mutation($id: ID!) {{
  advanceCivilityCampaign(campaignId: $id) {{
    campaign {{ {CAMPAIGN_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

CANCEL = f"""
mutation($id: ID!, $reason: String!) {{
  cancelCivilityCampaign(campaignId: $id, reason: $reason) {{
    campaign {{ {CAMPAIGN_FIELDS} cancelReason }}
    userErrors {{ field message code }}
  }}
}}"""

NOMINATE = f"""
mutation($input: NominateInput!) {{
  nominate(input: $input) {{
    nomination {{ {NOMINATION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

WITHDRAW = f"""
mutation($id: ID!) {{
  withdrawNomination(nominationId: $id) {{ nomination {{ {NOMINATION_FIELDS} }} userErrors {{ field message code }} }}
}}"""

REVIEW = f"""
mutation($id: ID!, $approve: Boolean!, $note: String) {{
  reviewNomination(nominationId: $id, approve: $approve, note: $note) {{
    nomination {{ {NOMINATION_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""

SCORE = f"""
mutation($input: ScoreNominationInput!) {{
  scoreNomination(input: $input) {{ nomination {{ {NOMINATION_FIELDS} }} userErrors {{ field message code }} }}
}}"""

VOTE = f"""
mutation($id: ID!) {{
  voteForNomination(nominationId: $id) {{ nomination {{ {NOMINATION_FIELDS} }} userErrors {{ field message code }} }}
}}"""

OBJECT = f"""
mutation($id: ID!, $reason: String!) {{
  fileObjection(nominationId: $id, reason: $reason) {{
    nomination {{ {NOMINATION_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""

DECIDE = f"""
mutation($id: ID!, $uphold: Boolean!) {{
  decideObjection(objectionId: $id, uphold: $uphold) {{
    nomination {{ {NOMINATION_FIELDS} }} userErrors {{ field message code }}
  }}
}}"""

NOMINATION = f"query($id: ID!) {{ nomination(id: $id) {{ {NOMINATION_FIELDS} }} }}"
CAMPAIGN = f"query($id: ID!) {{ civilityCampaign(id: $id) {{ {CAMPAIGN_FIELDS} }} }}"

CRITERIA = [
    {"name": "爱国守法", "weight": 2, "maxScore": 10},
    {"name": "家庭和睦", "weight": 1, "maxScore": 5},
]


@dataclass
class Civ:
    """build_world plus two assessors over 济源路街道 (s1) and resident accounts in c2 and c3."""

    w: World
    tokens: dict[str, str]

    def gid(self, obj) -> str:
        return self.w.gid(obj)


async def civility_world() -> Civ:
    w = await build_world()
    tokens = dict(w.tokens)
    for name in ("assessor_a", "assessor_b"):
        tokens[name] = token_for(await make_user(name, [("assessor", w.s1)]))
    tokens["wang"] = token_for(await make_user("wang", [("resident", w.c2)], resident=w.residents["wang"]))
    tokens["liu"] = token_for(await make_user("liu", [("resident", w.c3)], resident=w.residents["liu"]))
    w.residents["zhang_son"] = await make_resident(w.unit1, "张小明", HouseholdRelation.CHILD)
    return Civ(w, tokens)


async def mutate(client, doc: str, variables: dict, token: str) -> dict:
    data = await client.data(doc, variables, token)
    return next(iter(data.values()))


async def ok(client, doc: str, variables: dict, token: str) -> dict:
    """The payload's object after asserting no userErrors."""
    payload = await mutate(client, doc, variables, token)
    assert payload["userErrors"] == [], payload["userErrors"]
    return next(v for k, v in payload.items() if k != "userErrors")


async def refused(client, doc: str, variables: dict, token: str) -> str:
    """The single userError code; asserts the payload's object is null."""
    payload = await mutate(client, doc, variables, token)
    assert len(payload["userErrors"]) == 1, payload
    assert all(v is None for k, v in payload.items() if k != "userErrors"), payload
    return payload["userErrors"][0]["code"]


async def create_campaign(
    client, civ: Civ, kind: str = "STAR_HOUSEHOLD", area=None, token: str = "s1_manager", **extra
) -> dict:
    payload = {
        "title": "2025年度评选",
        "kind": kind,
        "areaId": civ.gid(area or civ.w.s1),
        "year": 2025,
        "criteria": CRITERIA,
        **extra,
    }
    return await ok(client, CREATE, {"input": payload}, civ.tokens[token])


async def advance(client, civ: Civ, campaign: dict, times: int = 1, token: str = "s1_manager") -> dict:
    for _ in range(times):
        campaign = await ok(client, ADVANCE, {"id": campaign["id"]}, civ.tokens[token])
    return campaign


async def nominate(
    client, civ: Civ, campaign: dict, token: str, unit=None, resident=None, reason: str = "邻里和睦，热心公益"
) -> dict:
    data = {"campaignId": campaign["id"], "reason": reason}
    if unit is not None:
        data["unitId"] = civ.gid(unit)
    if resident is not None:
        data["residentId"] = civ.gid(resident)
    return await ok(client, NOMINATE, {"input": data}, civ.tokens[token])


async def score(client, civ: Civ, nomination: dict, criterion: dict, value: float, token: str) -> dict:
    return await ok(
        client,
        SCORE,
        {"input": {"nominationId": nomination["id"], "criterionId": criterion["id"], "score": value}},
        civ.tokens[token],
    )
