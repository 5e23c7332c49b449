"""Import of the household registry (core.ledgers) straight through the importer."""

from __future__ import annotations

import io

from core import models as m
from core.ledgers.importer import ImportOptions, import_residents
from core.permissions import Viewer
from core.testing import build_world
from core.validation import gender_from_id
from tests.ledgers import files


def superuser() -> Viewer:
    return Viewer(is_superuser=True)


async def run(data: bytes, name="registry.xlsx", **options):
    return await import_residents(io.BytesIO(data), name, superuser(), ImportOptions(**options))


def report(result):
    return [(p.row, p.column, p.code) for p in result.problems]


EXPECTED = [
    (7, "idNumber", "INVALID_ID_NUMBER"),
    (8, "phone", "INVALID_PHONE"),
    (8, "gender", "INVALID_INPUT"),
    (9, "building", "INVALID_LEVEL"),
]


async def test_the_messy_file_gives_exactly_the_expected_report():
    await build_world()
    result = await run(files.messy_xlsx(), create_areas=True)
    assert report(result) == EXPECTED
    assert (result.rows_read, result.rejected, result.duplicates) == (6, 3, 1)
    assert (result.created, result.committed, result.status) == (2, False, "REJECTED")
    assert not await m.Resident.filter(name__in=["赵磊", "钱芳"]).exists()


async def test_skip_invalid_imports_the_valid_rows_cleaned():
    await build_world()
    result = await run(files.messy_xlsx(), create_areas=True, skip_invalid=True)
    assert (result.created, result.rejected, result.committed, result.units_created) == (2, 3, True, 1)
    zhao = await m.Resident.get(name="赵磊")
    qian = await m.Resident.get(name="钱芳")
    assert zhao.phone_last4 == "9000" and zhao.tags == ["elderly-alone", "veteran"]
    assert str(zhao.moved_in_on) == "2023-03-15" and str(qian.moved_in_on) == "2023-03-15"
    assert qian.id_number_masked.startswith("410106") and qian.residency_type.value == "NON_REGISTERED"
    # The gender column was empty: it follows from the ID number (17th digit), as registerResident does.
    assert qian.unit_id == zhao.unit_id and qian.gender.value == gender_from_id(files.lower_x_id())
    assert qian.birth_date.isoformat() == "1980-05-17"
    again = await run(files.messy_xlsx(), create_areas=True, skip_invalid=True)
    assert (again.created, again.updated, again.unchanged, again.units_created) == (0, 0, 2, 0)
    assert await m.Resident.filter(name="钱芳").count() == 1


async def test_without_create_areas_a_missing_area_is_not_found():
    await build_world()
    result = await run(files.messy_xlsx())
    assert ("unit", "NOT_FOUND") in [(p.column, p.code) for p in result.problems]
    assert result.committed is False


async def test_a_dry_run_writes_nothing():
    await build_world()
    before = await m.Resident.all().count()
    result = await run(files.messy_xlsx(), create_areas=True, skip_invalid=True, dry_run=True)
    assert (result.created, result.units_created, result.committed) == (2, 1, False)
    assert await m.Resident.all().count() == before and not await m.Unit.filter(label="1-102").exists()


async def test_gb18030_csv_and_a_corrected_file_updates():
    await build_world()
    rows = files.messy_rows()[:2]
    rows[1][0] = "济源路街道"  # merged down in the workbook; a CSV repeats it
    first = await run(files.csv_bytes(rows, "gb18030"), "registry.csv", create_areas=True)
    assert (first.created, first.rejected) == (2, 0), report(first)
    rows[0][7] = "13700137000"
    second = await run(files.csv_bytes(rows, "utf-8-sig"), "registry.csv", create_areas=True)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert (await m.Resident.get(name="赵磊")).phone_last4 == "7000"
