"""Case numbers under concurrent reports: unique and gap-free per year (the point of it is PostgreSQL,
where the reports really run in parallel transactions; SQLite serialises them)."""

from __future__ import annotations

import asyncio

from plugins.mediation.models import CaseCounter, DisputeCase
from plugins.mediation.tests.helpers import mediation_world, ok, report


async def test_concurrent_reports_get_numbers_1_to_n(client):
    w = await mediation_world()
    n = 20
    payloads = await asyncio.gather(*(report(client, w, title=f"纠纷{i}") for i in range(n)))
    numbers = sorted(ok(p)["caseNumber"] for p in payloads)
    year = numbers[0][3:7]
    assert numbers == [f"MD-{year}-{i:06d}" for i in range(1, n + 1)]
    assert sorted(await DisputeCase.all().values_list("seq", flat=True)) == list(range(1, n + 1))
    assert (await CaseCounter.get(year=int(year))).last_seq == n
    # Numbers rise with the time of report.
    times = await DisputeCase.all().order_by("seq").values_list("reported_at", flat=True)
    assert list(times) == sorted(times)


async def test_concurrent_twins_with_one_client_mutation_id_make_one_case(client):
    w = await mediation_world()
    payloads = await asyncio.gather(*(report(client, w, key="same-key") for _ in range(5)))
    ids = {ok(p)["id"] for p in payloads if not p["userErrors"]}
    assert len(ids) == 1
    # A twin that lost the race either got the first case back or was told to retry; never a second case.
    assert all(p["userErrors"] == [] or p["userErrors"][0]["code"] == "DUPLICATE" for p in payloads)
    assert await DisputeCase.all().count() == 1
    again = ok(await report(client, w, key="same-key"))
    assert again["id"] in ids
    more = await asyncio.gather(*(report(client, w) for _ in range(3)))
    assert sorted(ok(p)["caseNumber"][-6:] for p in more) == ["000002", "000003", "000004"]
