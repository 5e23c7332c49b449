"""The plugins' lists through lastmile_exports: headers, scope, one audit entry."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from core import clock
from core import models as m
from plugins.volunteers import models as vm
from plugins.volunteers.tests.helpers import world_with_coordinator


def table(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_volunteer_hours_export_in_the_viewers_scope(client):
    w = await world_with_coordinator()
    for key in ("zhang", "wang"):  # c1 and c2
        r = w.residents[key]
        v = await vm.Volunteer.create(resident=r, joined_on=clock.today(), **r.lineage())
        await vm.ServiceLog.create(
            volunteer=v,
            served_on=clock.today() - dt.timedelta(days=1),
            hours=2.0,
            description="巡逻",
            verified=True,
            **r.lineage(),
        )
    headers = {"Authorization": f"Bearer {w.tokens['coord']}"}
    rows = table(await client.http.get("/export/volunteers.hours.csv?keys=1", headers=headers))
    assert rows[0][:2] == ["志愿者", "日期"] and rows[1][:2] == ["volunteer", "date"]
    assert [r[0] for r in rows[2:]] == ["张伟"]
    entry = await m.AuditLog.get(action="ledgers.export")
    assert json.loads(entry.detail) | {"filter": {}} == {
        "list": "volunteers.hours",
        "format": "csv",
        "rows": 1,
        "full": False,
        "filter": {},
    }


async def test_every_plugin_list_downloads(client):
    w = await world_with_coordinator()
    headers = {"Authorization": f"Bearer {w.tokens['super']}"}
    for name in ("mediation.cases", "civility.nominations", "civility.awards", "volunteers.hours"):
        for fmt in ("csv", "xlsx"):
            response = await client.http.get(f"/export/{name}.{fmt}", headers=headers)
            assert response.status_code == 200, (name, fmt, response.text)
    assert (await client.http.get("/export/nope.csv", headers=headers)).status_code == 404
