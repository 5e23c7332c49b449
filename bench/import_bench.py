"""Import benchmark: N residents from a generated registry file into an empty database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import .venv/bin/python bench/import_bench.py \
        [--residents 100000] [--format csv|xlsx]

The database is WIPED (every table dropped and migrated afresh). Writes a registry
file of N residents (about 3 per unit, 40 units per building, 30 buildings per
compound, in 12 communities of 3 subdistricts; every row with a valid ID number and
mobile number), imports it with --create-areas as the command line does, and prints
rows per second, the time of each pass and the peak memory (RSS) of the process.
Run it twice with different N to see that memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADER = [
    "街道",
    "社区",
    "小区",
    "楼栋",
    "户号",
    "姓名",
    "身份证号",
    "联系电话",
    "与户主关系",
    "户籍类型",
    "关爱标签",
    "入住日期",
]


def registry_rows(n: int):
    from core.scale import REGIONS
    from core.validation import id_check_digit

    rng = random.Random(410106)
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
    for i in range(n):
        unit_no, member = divmod(i, 3)
        building_no, unit_in_building = divmod(unit_no, 40)
        compound_no, building_in_compound = divmod(building_no, 30)
        community = compound_no % 12
        subdistrict = community % 3
        born = dt.date(1940, 1, 1) + dt.timedelta(days=(i * 7919) % 27000)
        region = REGIONS[i % len(REGIONS)]
        seq = (i // len(REGIONS)) % 1000
        first17 = f"{region}{born:%Y%m%d}{seq:03d}"
        yield [
            f"第{subdistrict + 1}街道",
            f"第{community + 1}社区",
            f"小区{compound_no + 1}",
            f"{building_in_compound + 1}号楼",
            f"{unit_in_building // 20 + 1}-{unit_in_building % 20 + 101}",
            rng.choice(surnames) + rng.choice(given) + rng.choice(given),
            first17 + id_check_digit(first17),
            f"13{i % 10}{i:08d}"[:11],
            "户主" if member == 0 else "子女",
            "户籍",
            "",
            "2020-01-01",
        ]


def write_file(n: int, fmt: str, folder: str) -> str:
    path = os.path.join(folder, f"registry.{fmt}")
    if fmt == "csv":
        import csv

        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(registry_rows(n))
    else:
        import xlsxwriter

        book = xlsxwriter.Workbook(path, {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, HEADER)
        for r, row in enumerate(registry_rows(n), start=1):
            sheet.write_row(r, 0, row)
        book.close()
    return path


async def main(args) -> None:
    from tortoise import Tortoise

    from core import models as m
    from core.db import close_db, init_db, migrate, tortoise_config
    from core.ledgers.importer import ImportOptions, import_residents
    from core.permissions import Viewer
    from core.plugins import PluginHost
    from core.testing.fixtures import _drop_everything

    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL (a database this benchmark wipes)")
    host = PluginHost([])
    config = tortoise_config(url, host.tortoise_apps())
    await init_db(config)
    await _drop_everything(config)
    await Tortoise.close_connections()
    await migrate(config)
    await Tortoise.close_connections()
    await init_db(config)
    await m.Area.create(level="DISTRICT", name="上街区", code="410106")
    district = await m.Area.get(name="上街区")
    district.district_ref = district.id
    await district.save()
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        path = write_file(args.residents, args.format, folder)
        print(
            f"wrote {args.residents:,} rows to {args.format} ({os.path.getsize(path) / 1e6:.1f} MB) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        phases: dict[str, float] = {}

        def progress(phase, done, total):
            phases.setdefault(phase + "_start", time.perf_counter())
            phases[phase] = time.perf_counter()

        with open(path, "rb") as stream:
            t0 = time.perf_counter()
            result = await import_residents(
                stream, path, Viewer(is_superuser=True), ImportOptions(create_areas=True), progress=progress
            )
            seconds = time.perf_counter() - t0
    count = await m.Resident.all().count()
    await close_db()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"status {result.status}: created {result.created:,}, rejected {result.rejected}, "
        f"areas {result.areas_created:,}, units {result.units_created:,}; {count:,} residents in the database"
    )
    print(
        "passes: "
        + ", ".join(f"{k} until {v - t0:.1f} s" for k, v in phases.items() if not k.endswith("_start"))
    )
    print(
        f"imported {args.residents:,} residents in {seconds:.1f} s: {args.residents / seconds:,.0f} rows/s; "
        f"peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--residents", type=int, default=100_000, help="rows in the file (default: %(default)s)"
    )
    parser.add_argument(
        "--format", choices=("csv", "xlsx"), default="csv", help="file format (default: %(default)s)"
    )
    asyncio.run(main(parser.parse_args()))
