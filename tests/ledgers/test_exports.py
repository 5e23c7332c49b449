"""Exports: scope and masking of the GraphQL field they mirror, one audit entry, and a round trip."""

from __future__ import annotations

import csv
import io
import json

from core import models as m
from core.ledgers.importer import ImportOptions, import_residents
from core.permissions import Viewer
from core.testing import build_world


def table(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def get(client, path, token=None):
    return await client.http.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})


async def test_residents_export_keeps_scope_and_masks_unless_full_is_asked_and_allowed(client):
    w = await build_world()
    grid = table(await get(client, "/export/residents.csv?keys=1", w.tokens["c1_grid"]))
    assert grid[0][6:8] == ["姓名", "身份证号"] and grid[1][6:8] == ["name", "idNumber"]
    assert sorted(r[6] for r in grid[2:]) == ["张伟", "李娜"]  # c1 only
    assert all(r[7].endswith("*" * 12) for r in grid[2:])
    # a grid worker asking for full numbers still gets masked ones
    assert all(
        r[7].endswith("*" * 12)
        for r in table(await get(client, "/export/residents.csv?full=1", w.tokens["c1_grid"]))[1:]
    )
    full = table(await get(client, "/export/residents.csv?full=1", w.tokens["c1_worker"]))
    assert all("*" not in r[7] and len(r[7]) == 18 for r in full[1:])
    entries = await m.AuditLog.filter(action="ledgers.export").order_by("id")
    assert [json.loads(e.detail)["rows"] for e in entries] == [2, 2, 2]
    assert [json.loads(e.detail)["full"] for e in entries] == [False, True, True]
    filtered = table(
        await get(client, "/export/residents.csv?filter=" + json.dumps({"search": "张"}), w.tokens["super"])
    )
    assert [r[6] for r in filtered[1:]] == ["张伟"]
    assert (await get(client, "/export/residents.csv")).status_code == 401


async def test_export_then_import_changes_nothing(client):
    from core.ids import encode_gid
    from tests.ledgers import files

    await build_world()
    rows = files.messy_rows()[:2]
    rows[1][0] = "济源路街道"
    first = await import_residents(
        io.BytesIO(files.csv_bytes(rows)),
        "r.csv",
        Viewer(is_superuser=True),
        ImportOptions(create_areas=True),
    )
    assert first.created == 2
    unit = await m.Unit.get(label="1-102")
    path = "/export/residents.csv?full=1&keys=1&filter=" + json.dumps({"unitId": encode_gid("Unit", unit.id)})
    exported = await get(client, path, (await _super_token()))
    again = await import_residents(
        io.BytesIO(exported.content), "residents.csv", Viewer(is_superuser=True), ImportOptions()
    )
    assert (again.rejected, again.created, again.updated, again.unchanged) == (0, 0, 0, 2), again.problems


async def test_xlsx_export_then_import_changes_nothing(client):
    await build_world()
    rows = files_rows()
    await import_residents(
        io.BytesIO(_csv(rows)), "r.csv", Viewer(is_superuser=True), ImportOptions(create_areas=True)
    )
    exported = await get(
        client,
        "/export/residents.xlsx?keys=1&full=1&filter=" + json.dumps({"search": "赵"}),
        await _super_token(),
    )
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    again = await import_residents(
        io.BytesIO(exported.content), "residents.xlsx", Viewer(is_superuser=True), ImportOptions()
    )
    assert (again.rejected, again.created, again.updated, again.unchanged) == (0, 0, 0, 1), again.problems


def files_rows():
    from tests.ledgers import files

    rows = files.messy_rows()[:2]
    rows[1][0] = "济源路街道"
    return rows


def _csv(rows) -> bytes:
    from tests.ledgers import files

    return files.csv_bytes(rows)


async def _super_token() -> str:
    from core.testing import token_for

    return token_for(await m.User.get(username="super"))


async def test_units_and_organisations_export_as_xlsx(client):
    import openpyxl

    w = await build_world()
    response = await get(client, "/export/units.xlsx", w.tokens["c1_worker"])
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert rows[0][:2] == ("楼栋", "户号") and len(rows) == 2
    assert (await get(client, "/export/organizations.csv", w.tokens["c1_worker"])).status_code == 200
