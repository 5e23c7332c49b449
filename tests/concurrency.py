"""Helpers for the concurrency proofs (docs/invariants.md): N requests at once through the HTTP API.

They run on PostgreSQL, where the requests really run in parallel transactions;
SQLite serialises writers, so there the tests that use ``postgres_only`` skip.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest


def outcome(payload: dict) -> str:
    """ "OK", or the first userError as CODE@field.path."""
    if not payload["userErrors"]:
        return "OK"
    error = payload["userErrors"][0]
    return f"{error['code']}@{'.'.join(error['field'])}"


async def run_all(client, calls) -> Counter:
    """Send every (query, variables, token, root field) at once; count the outcomes.

    The client fails the test on any GraphQL error: a race must never surface as one."""
    bodies = await asyncio.gather(*(client(q, v, t) for q, v, t, _ in calls))
    return Counter(outcome(b["data"][root]) for b, (_, _, _, root) in zip(bodies, calls, strict=True))


async def same_at_once(client, query: str, variables: dict, token: str, root: str, n: int = 10) -> Counter:
    """The same request ``n`` times at once."""
    return await run_all(client, [(query, variables, token, root)] * n)


@pytest.fixture
def postgres_only(on_postgres):
    if not on_postgres:
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")
