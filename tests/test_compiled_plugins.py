"""Plugin reads compile too (the lastmile_sql_mappings hook): compiled and resolver answers are
identical on the demo district, for staff and residents of every kind."""

from __future__ import annotations

import orjson
import pytest

from core import models as m
from core.demo import load_demo
from core.plugins import PluginHost
from core.testing import TEST_PLUGINS, GraphQLClient, token_for

pytestmark = pytest.mark.skipif(TEST_PLUGINS is not None, reason="needs every built-in plugin")

USERS = ["admin", "district", "subdistrict1", "worker1", "grid1", "mediator1", "assessor1", "resident1"]
PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
CASE = "id caseNumber title description category status handlingLevel method reportedAt resolvedAt failedAt closedAt"
DEMAND = (
    "id ledgerNumber title description scope channel status submittedAt dispatchedAt dueAt deliveredAt closedAt "
    "deliveryReport rejectionReason category { id name slaDays active } "
    "assignments { id status offeredAt answeredAt declineReason contribution } "
    "events { at kind fromStatus toStatus note }"
)
TOPIC = "id title description status raisedAt supportCount declineReason doneAt raisedBy { name } meeting { title status }"
MEETING = "id title kind format scheduledAt status minutes heldAt"
CAMPAIGN = "id title kind year status publicNoticeEndsOn cancelReason publishedAt createdAt __typename"

CORPUS = [
    (
        "dispute_cases",
        f"{{ disputeCases(first: 5) {{ totalCount {PAGE} edges {{ cursor node {{ {CASE} }} }} }} }}",
        True,
    ),
    (
        "dispute_cases_page2",
        f"query($after: String) {{ disputeCases(first: 3, after: $after) {{ {PAGE} edges {{ node {{ caseNumber }} }} }} }}",
        True,
    ),
    (
        "dispute_cases_filtered",
        "{ disputeCases(filter: {status: RESOLVED}) { totalCount edges { node { caseNumber status } } } }",
        True,
    ),
    ("campaigns", f"{{ civilityCampaigns {{ totalCount {PAGE} edges {{ node {{ {CAMPAIGN} }} }} }} }}", True),
    (
        "campaigns_filtered",
        "{ civilityCampaigns(kind: STAR_HOUSEHOLD, first: 1) { totalCount edges { node { title year } } } }",
        True,
    ),
    ("campaigns_bad_area", '{ civilityCampaigns(areaId: "bm9wZQ") { totalCount } }', False),
    (
        "teams",
        "{ volunteerTeams(first: 4) { id name memberCount leader { id status joinedOn skills resident { name } } } }",
        True,
    ),
    ("teams_after", '{ volunteerTeams(first: 2, after: "bzow") { name } }', True),
    (
        "resident_volunteer",
        "{ residents(first: 60) { edges { node { name volunteer { id status skills joinedOn } } } } }",
        True,
    ),
    (
        "demands",
        f"{{ demands(first: 5) {{ totalCount {PAGE} edges {{ cursor node {{ {DEMAND} }} }} }} }}",
        True,
    ),
    (
        "demands_page2",
        f"query($after: String) {{ demands(first: 3, after: $after) {{ {PAGE} edges {{ node {{ ledgerNumber }} }} }} }}",
        True,
    ),
    (
        "demands_filtered",
        '{ demands(filter: {status: [CLOSED, DELIVERED], scope: PUBLIC, search: "安全"}, first: 20) { totalCount edges { node { ledgerNumber status category { name } } } } }',
        True,
    ),
    (
        "demands_overdue",
        "{ demands(filter: {overdue: true}) { totalCount edges { node { ledgerNumber } } } }",
        True,
    ),
    (
        "whistles",
        "{ whistles(first: 5) { totalCount edges { node { id title description status blownAt resolvedAt resolution } } } }",
        True,
    ),
    ("whistles_open", "{ whistles(status: OPEN) { totalCount edges { node { title } } } }", True),
    (
        "demand_overdue_falls_back",
        "{ demands(first: 2) { edges { node { overdue area { name } } } } }",
        False,
    ),
    ("case_area_falls_back", "{ disputeCases(first: 2) { edges { node { area { name } } } } }", False),
    (
        "topics",
        f"{{ deliberationTopics(first: 6) {{ totalCount {PAGE} edges {{ cursor node {{ {TOPIC} }} }} }} }}",
        True,
    ),
    (
        "topics_by_support",
        "query($after: String) { deliberationTopics(first: 4, after: $after, orderBySupport: true, status: [DONE, RAISED]) "
        "{ totalCount edges { node { title supportCount status } } } }",
        True,
    ),
    (
        "meetings",
        f"{{ deliberationMeetings(first: 5) {{ totalCount {PAGE} edges {{ node {{ {MEETING} }} }} }} }}",
        True,
    ),
    (
        "meetings_held",
        '{ deliberationMeetings(status: HELD, from: "2026-01-01T00:00:00Z", first: 3) '
        "{ totalCount edges { node { title kind status } } } }",
        True,
    ),
    (
        "meetings_agenda_falls_back",
        "{ deliberationMeetings(first: 2) { edges { node { agenda { title } } } } }",
        False,
    ),
]


# Keyset cursors belong to one list and order: a page-2 query of another list takes its cursor
# from the third row of that list (what the resolvers hand out).
CURSOR_FROM = {
    "demands_page2": "{ demands(first: 3) { edges { cursor } } }",
    "topics_by_support": "{ deliberationTopics(first: 3, orderBySupport: true, status: [DONE, RAISED]) { edges { cursor } } }",
}


async def _cursor(client, query: str, token: str) -> dict:
    data = (await client.post(query, None, token)).json()["data"]
    edges = next(iter(data.values()))["edges"]
    return {"after": edges[-1]["cursor"] if edges else None}


@pytest.fixture
async def demo():
    await load_demo(PluginHost(None), residents_target=300)
    users = {u.username: u for u in await m.User.filter(username__in=USERS)}
    return {name: token_for(u) for name, u in users.items()}


async def test_plugin_reads_compiled_equal_resolvers(app_factory, demo):
    async with (
        GraphQLClient(app_factory(None, compile_reads=False)) as resolvers,
        GraphQLClient(app_factory(None, compile_debug=True)) as compiled,
    ):
        for user, token in demo.items():
            # A keyset cursor from the middle of the viewer's own list (the third case's).
            first = (
                await resolvers.post("{ disputeCases(first: 3) { edges { cursor } } }", None, token)
            ).json()
            edges = first["data"]["disputeCases"]["edges"]
            variables = {"after": edges[-1]["cursor"] if edges else None}
            for name, query, compiles in CORPUS:
                own = await _cursor(resolvers, CURSOR_FROM[name], token) if name in CURSOR_FROM else variables
                a = (await resolvers.post(query, own, token)).json()
                b = (await compiled.post(query, own, token)).json()
                report = b.pop("extensions")["compiled"]
                assert orjson.dumps(b) == orjson.dumps(a), (name, user, report)
                if compiles:
                    assert report["fallbacks"] == [] and "error" not in report, (name, user, report)
                else:
                    assert report["fallbacks"], (name, user, report)
