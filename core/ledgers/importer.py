"""An import run of the household registry: check every row, then write, or not.

On PostgreSQL a real import is one pass inside one transaction (check and write
each batch; rolled back at the end when a row was rejected and skip_invalid is
off). On SQLite, whose one writer would block the whole server for the length of
such a transaction, and for every dry run, there are two passes, both streamed in
batches of BATCH rows:

1. **Check.** Every row is parsed and checked (core.ledgers.rows), then checked
   against the database a batch at a time: the area path resolved in the viewer's
   scope (missing areas planned with ``create_areas``, else NOT_FOUND), the
   permissions (resident.write where the resident lives, resident.pii.read where an
   ID number is entered, area.manage / unit.write to create areas / units), the ID
   number's twin (matched through the blind index: an update of that resident when
   the viewer may read and write them, else the neutral ID_NUMBER_UNAVAILABLE of
   registerResident, audited), one active household head per unit, and rows
   repeated in the file (an identical row is skipped; a second, different row with
   the same ID number is rejected).
2. **Write**, unless this is a dry run, or a row was rejected and ``skip_invalid``
   is off (all or nothing): the same batches again, each in one transaction:
   missing areas and units, new residents in bulk (PostgreSQL COPY), changed ones
   updated, the rest untouched. A resident is matched by ID number (blind index),
   or, without one, by name in the same unit, so importing a file twice changes
   nothing and a corrected file updates instead of duplicating.

Memory: rows are never held beyond their batch; what grows with the file is a
64-bit digest per ID number and per row (duplicate detection) and the caches of
areas and units the file names. Every run (dry runs too) writes one audit row with
who, the file's name and SHA-256 and the counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tortoise import connections
from tortoise.transactions import in_transaction

from core import clock
from core import models as m
from core.access import visible
from core.enums import AreaLevel, HouseholdRelation, ResidencyType, ResidentStatus, lineage_column
from core.errors import Code
from core.ledgers.columns import AREA_KEYS, column_key
from core.ledgers.reading import RowSource, UnreadableFile, open_rows
from core.ledgers.rows import Problem, RowData, parse_row
from core.pii import PII_READ, blind_index, encrypt, mask_id_number, mask_phone
from core.settings import get_settings

BATCH = 2000
HEADER_SCAN_ROWS = 20
UNIT_CACHE_BUILDINGS = 256
KEPT_ERRORS = 100  # problems kept in memory (and on the job); the report has them all
AUDIT_ACTION = "ledgers.importResidents"
ID_REFUSED = "resident.idNumberRefused"  # the same action registerResident audits
LEVEL_OF = {
    "district": AreaLevel.DISTRICT,
    "subdistrict": AreaLevel.SUBDISTRICT,
    "community": AreaLevel.COMMUNITY,
    "compound": AreaLevel.COMPOUND,
    "building": AreaLevel.BUILDING,
}


@dataclass
class ImportOptions:
    dry_run: bool = False
    create_areas: bool = False
    skip_invalid: bool = False


@dataclass
class ImportResult:
    filename: str
    sha256: str = ""
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0  # rows repeating an earlier row exactly (skipped)
    areas_created: int = 0
    units_created: int = 0
    committed: bool = False  # whether anything was written
    status: str = "DONE"  # DONE, REJECTED (nothing written: rejected rows), FAILED (unreadable file)
    message: str = ""
    problems: list[Problem] = field(default_factory=list)  # the first KEPT_ERRORS
    seconds: float = 0.0

    def summary(self) -> dict:
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "rowsRead": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "areasCreated": self.areas_created,
            "unitsCreated": self.units_created,
            "committed": self.committed,
            "status": self.status,
        }


Progress = Callable[[str, int, int | None], object]  # (phase "check"/"write", rows done, rows in all or None)


class _RollBack(Exception):
    """Leaves the import's transaction without committing it."""


def file_sha256(stream) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


# ---------------------------------------------------------------- header and rows


@dataclass
class Header:
    row: int  # 1-based row of the header
    keys: dict[int, str]  # column index -> key


def find_header(rows: list[tuple[int, list]]) -> Header | None:
    """The row naming the most known columns (at least 姓名 and one more) among the first rows.
    A header spread over two rows (a group title merged above its columns, or a column
    merged down over both rows) is read as one: the row above fills the columns it names."""
    best: Header | None = None
    for i, (number, cells) in enumerate(rows):
        keys = {c: k for c, k in ((c, column_key(cell)) for c, cell in enumerate(cells)) if k}
        if "name" not in keys.values() or len(keys) < 2:
            continue
        if i > 0:
            for c, cell in enumerate(rows[i - 1][1]):
                k = column_key(cell)
                if k and c not in keys and k not in keys.values():
                    keys[c] = k
        if best is None or len(keys) > len(best.keys):
            best = Header(number, keys)
    return best


def _records(source: RowSource, header: Header, buffered: list, rest: Iterator) -> Iterator[tuple[int, dict]]:
    for number, cells in itertools.chain(buffered, rest):  # streamed: never the whole file in a list
        if number <= header.row:
            continue
        record = {key: cells[c] for c, key in header.keys.items() if c < len(cells)}
        if all(cell is None or str(cell).strip(" \t\u3000\u00a0") == "" for cell in record.values()):
            continue  # blank rows (and the blank tail Excel keeps) are not rows
        if number <= header.row + 1 and all(column_key(cell) == key for key, cell in record.items()):
            continue  # the stable English key row an export writes under its Chinese headers
        yield number, record


def _open(stream, filename) -> tuple[RowSource, Header, Iterator[tuple[int, dict]]]:
    source = open_rows(stream, filename)
    rows = iter(source)
    buffered = []
    for item in rows:
        buffered.append(item)
        if len(buffered) >= HEADER_SCAN_ROWS:
            break
    header = find_header(buffered)
    if header is None:
        raise UnreadableFile(
            "No header row found: the first rows must name the columns (姓名, 身份证号, 社区, ...)."
        )
    return source, header, _records(source, header, buffered, rows)


def _batches(records: Iterator, given: frozenset[str], today: dt.date) -> Iterator[list[RowData]]:
    batch: list[RowData] = []
    for number, record in records:
        batch.append(parse_row(number, record, given, today))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _digest(value) -> int:
    return int.from_bytes(hashlib.blake2b(repr(value).encode(), digest_size=8).digest(), "big")


# ---------------------------------------------------------------- the run


@dataclass
class _Plan:
    """What one valid row becomes."""

    row: RowData
    community: object  # m.Area or a _Planned area
    unit: object | None  # m.Unit, _PlannedUnit or None
    existing: m.Resident | None
    changes: dict | None  # fields to set on the existing resident (None: create; {}: unchanged)


@dataclass
class _Planned:
    """An area the run will create (check pass: not yet in the database)."""

    level: AreaLevel
    name: str
    parent: object
    lineage_values: dict
    id: int | None = None

    def lineage(self) -> dict:
        return dict(self.lineage_values)


@dataclass
class _PlannedUnit:
    building: object
    label: str
    lineage_values: dict
    id: int | None = None

    def lineage(self) -> dict:
        return dict(self.lineage_values)


class _Covers:
    """A lineage dict seen as an object with lineage attributes, for Viewer.can."""

    def __init__(self, lineage: dict):
        self.__dict__.update(lineage)


class ImportRun:
    def __init__(
        self,
        viewer,
        filename: str,
        options: ImportOptions,
        *,
        request_id: str | None = None,
        progress: Progress | None = None,
        on_problem: Callable[[Problem], None] | None = None,
    ):
        self.viewer = viewer
        self.options = options
        self.request_id = request_id
        self.progress = progress
        self.on_problem = on_problem
        self.result = ImportResult(filename=filename)
        self.today = clock.today()
        self.postgres = connections.get("default").capabilities.dialect == "postgres"

    # ---- problems

    def _reject(self, row: RowData, column: str, code: str, message: str) -> None:
        row.fail(column, code, message)

    def _report(self, row: RowData) -> None:
        for problem in row.problems:
            if len(self.result.problems) < KEPT_ERRORS:
                self.result.problems.append(problem)
            if self.on_problem is not None:
                self.on_problem(problem)

    # ---- entry point

    async def run(self, stream) -> ImportResult:
        started = time.perf_counter()
        r = self.result
        r.sha256 = file_sha256(stream)
        if self.postgres and not self.options.dry_run:
            return await self._single_pass(stream, started)
        try:
            await self._pass(stream, write=False)
        except UnreadableFile as exc:
            r.status, r.message = "FAILED", str(exc)
            r.seconds = time.perf_counter() - started
            await self._audit()
            return r
        if r.rejected and not self.options.skip_invalid:
            r.status = "REJECTED"
            r.message = (
                f"{r.rejected} row(s) rejected: nothing was written (use skip-invalid to import the others)."
            )
        elif not self.options.dry_run and (r.created or r.updated):
            checked, duplicates = (r.created, r.updated, r.unchanged), r.duplicates
            r.created = r.updated = r.unchanged = r.areas_created = r.units_created = 0
            stream.seek(0)
            await self._pass(stream, write=True)
            r.duplicates = duplicates
            r.committed = True
            if (r.created, r.updated, r.unchanged) != checked:
                r.message = (
                    "The database changed between the check and the write; the counts are the write's."
                )
        r.seconds = time.perf_counter() - started
        await self._audit()
        return r

    async def _single_pass(self, stream, started: float) -> ImportResult:
        """PostgreSQL: check and write in one pass inside one transaction, rolled back at the end
        when a row was rejected (and skip_invalid is off): all or nothing, reading the file once.
        Progress is written by the caller on other connections of the pool, so it is seen live."""
        r = self.result
        try:
            async with in_transaction() as conn:
                await self._pass(stream, write=True, conn=conn)
                if r.rejected and not self.options.skip_invalid:
                    raise _RollBack
                r.committed = bool(r.created or r.updated or r.areas_created or r.units_created)
        except _RollBack:
            r.status = "REJECTED"
            r.message = (
                f"{r.rejected} row(s) rejected: nothing was written (use skip-invalid to import the others)."
            )
        except UnreadableFile as exc:
            r.status, r.message = "FAILED", str(exc)
        r.seconds = time.perf_counter() - started
        await self._audit()
        return r

    async def _audit(self) -> None:
        detail = dict(
            self.result.summary(),
            dryRun=self.options.dry_run,
            createAreas=self.options.create_areas,
            skipInvalid=self.options.skip_invalid,
        )
        await m.AuditLog.create(
            actor_id=self.viewer.user_id,
            action=AUDIT_ACTION,
            subject_gid=None,
            request_id=self.request_id,
            detail=json.dumps(detail, ensure_ascii=False),
        )

    async def _pass(self, stream, write: bool, conn=None) -> None:
        source, header, records = _open(stream, self.result.filename)
        given = frozenset(header.keys.values())
        self._reset_caches()
        self._refusals_left = await self._refusals_allowed()
        total = source.total_rows - header.row if source.total_rows else None
        done = 0
        for batch in _batches(records, given, self.today):
            if conn is not None:  # one transaction around the whole pass (_single_pass)
                await self._write(await self._plan(batch, write=True, conn=conn), conn)
            elif write:
                async with in_transaction() as batch_conn:
                    await self._write(await self._plan(batch, write=True, conn=batch_conn), batch_conn)
            else:
                await self._plan(batch, write=False)
            if conn is not None or not write:
                self.result.rows_read += len(batch)
                for row in batch:
                    if not row.ok:
                        self.result.rejected += 1
                        self._report(row)
            done += len(batch)
            if self.progress is not None:
                outcome = self.progress("write" if write else "check", done, total)
                if hasattr(outcome, "__await__"):
                    await outcome
        if self._refused:
            await m.AuditLog.bulk_create(
                [
                    m.AuditLog(
                        actor_id=self.viewer.user_id,
                        action=ID_REFUSED,
                        subject_gid=gid,
                        field="id_number",
                        request_id=self.request_id,
                        detail="import",
                    )
                    for gid in self._refused
                ]
            )
            self._refused = []

    def _reset_caches(self) -> None:
        self._areas: dict[tuple, object] = {}
        self._units: dict[int | str, dict[str, object]] = {}
        self._seen_ids: dict[int, int] = {}  # digest of an ID number -> digest of its row
        self._seen_rows: set[int] = set()
        self._heads: set = set()  # units given an active head by this file
        self._refused: list[str] = []
        self._new_units: list[_PlannedUnit] = []
        self._fresh: set[int] = set()  # ids of the areas this pass created

    async def _refusals_allowed(self) -> int:
        if self.viewer.user_id is None:
            return 1 << 30
        limit = get_settings().id_number_refusals_per_day
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        used = await m.AuditLog.filter(actor_id=self.viewer.user_id, action=ID_REFUSED, at__gte=since).count()
        return max(0, limit - used)

    # ---- areas and units

    async def _district(self, row: RowData, conn):
        name = row.area.get("district")
        key = ("district", name)
        if key not in self._areas:
            qs = visible(self.viewer, m.Area).filter(level=AreaLevel.DISTRICT)
            if name:
                qs = qs.filter(name=name)
            found = await qs.limit(2)
            self._areas[key] = found[0] if len(found) == 1 else None
        area = self._areas[key]
        if area is None:
            if name:
                self._reject(row, "district", Code.NOT_FOUND, f"District {name!r} not found.")
            else:
                self._reject(
                    row,
                    "district",
                    Code.NOT_FOUND,
                    "Several districts (or none) are visible: name the district in a 区 column.",
                )
        return area

    async def _area(self, row: RowData, write: bool, conn):
        """The row's deepest area (community, compound or building), resolved or planned."""
        parent = await self._district(row, conn)
        if parent is None:
            return None, None
        community = None
        path: tuple = (parent.id,)
        for key in AREA_KEYS[1:]:
            name = row.area.get(key)
            if not name:
                if key == "subdistrict":
                    self._reject(row, key, Code.INVALID_INPUT, "街道 (subdistrict) must not be empty.")
                    return None, None
                break
            path = (*path, name)
            area = self._areas.get(path)
            if area is None:
                area = await self._find_or_plan(row, key, name, parent, write, conn)
                if area is None:
                    return None, None
                self._areas[path] = area
            parent = area
            if key == "community":
                community = area
        return community, parent

    async def _find_or_plan(self, row, key, name, parent, write: bool, conn):
        level = LEVEL_OF[key]
        found = None
        # An area this run created has no children in the database yet: no need to ask.
        if getattr(parent, "id", None) and parent.id not in self._fresh:
            qs = visible(self.viewer, m.Area).filter(level=level, parent_id=parent.id, name=name)
            found = await qs.first()
        if found is not None:
            return found
        label = {
            "subdistrict": "Subdistrict",
            "community": "Community",
            "compound": "Compound",
            "building": "Building",
        }[key]
        if not self.options.create_areas:
            self._reject(
                row, key, Code.NOT_FOUND, f"{label} {name!r} not found (import with create-areas to add it)."
            )
            return None
        if not self.viewer.can("area.manage", _Covers(parent.lineage())):
            self._reject(
                row, key, Code.FORBIDDEN, f"Creating {label} {name!r} needs area.manage over its parent."
            )
            return None
        self.result.areas_created += 1
        if not write:
            return _Planned(level, name, parent, parent.lineage())
        area = m.Area(level=level, name=name, parent_id=parent.id, is_town=name.endswith("镇"))
        area.set_lineage(parent.lineage())
        await area.save(using_db=conn)
        setattr(area, lineage_column(level), area.id)
        await area.save(update_fields=[lineage_column(level)], using_db=conn)
        self._fresh.add(area.id)
        return area

    async def _unit(self, row: RowData, building, write: bool, conn):
        if not row.unit:
            return None
        if getattr(building, "level", None) != AreaLevel.BUILDING:
            self._reject(
                row, "building", Code.INVALID_LEVEL, "户号 (unit) is given without its 楼栋 (building)."
            )
            return None
        key = building.id if building.id is not None else id(building)
        units = self._units.get(key)
        if units is None:
            units = {}
            if building.id is not None and building.id not in self._fresh:
                qs = visible(self.viewer, m.Unit).filter(building_id=building.id).values_list("label", "id")
                for label, pk in await qs:
                    units[label] = _PlannedUnit(building, label, building.lineage(), pk)
            self._units[key] = units
            # Registry files come building by building: keep the units of the last buildings only,
            # so memory does not grow with the file.
            while len(self._units) > UNIT_CACHE_BUILDINGS:
                self._units.pop(next(iter(self._units)))
        else:
            self._units[key] = self._units.pop(key)  # most recently used last
        unit = units.get(row.unit)
        if unit is not None:
            return unit
        if not self.options.create_areas:
            self._reject(
                row,
                "unit",
                Code.NOT_FOUND,
                f"Unit {row.unit!r} not found (import with create-areas to add it).",
            )
            return None
        if not self.viewer.can("unit.write", _Covers(building.lineage())):
            self._reject(row, "unit", Code.FORBIDDEN, "Creating units needs unit.write over the building.")
            return None
        self.result.units_created += 1
        # Written for the whole batch at once (_create_units); a plan holds it until then.
        unit = _PlannedUnit(building, row.unit, building.lineage())
        units[row.unit] = unit
        if write:
            self._new_units.append(unit)
        return unit

    async def _create_units(self) -> None:
        """The batch's new units in one INSERT, then their ids in one SELECT."""
        new, self._new_units = self._new_units, []
        if not new:
            return
        rows = []
        for planned in new:
            unit = m.Unit(building_id=planned.building.id, label=planned.label)
            unit.set_lineage(planned.building.lineage())
            rows.append(unit)
        await m.Unit.bulk_create(rows)
        ids = {
            (b, label): pk
            for b, label, pk in await m.Unit.filter(
                building_id__in=sorted({p.building.id for p in new}),
                label__in=sorted({p.label for p in new}),
            ).values_list("building_id", "label", "id")
        }
        for planned in new:
            planned.id = ids[(planned.building.id, planned.label)]

    # ---- planning a batch

    async def _plan(self, batch: list[RowData], write: bool, conn=None) -> list[_Plan]:
        placed: list[tuple[RowData, object, object]] = []
        for row in batch:
            if not row.ok:
                continue
            if not self._first_time(row):
                continue
            community, deepest = await self._area(row, write, conn)
            if community is None:
                continue
            unit = await self._unit(row, deepest, write, conn)
            if row.unit and unit is None:
                continue
            where = _Covers((unit or community).lineage())
            if not self.viewer.can("resident.write", where):
                self._reject(row, "community", Code.FORBIDDEN, "You lack the resident.write permission here.")
                continue
            if row.id_number and not self.viewer.can(PII_READ, where):
                self._reject(row, "idNumber", Code.FORBIDDEN, f"You lack the {PII_READ} permission here.")
                continue
            placed.append((row, community, unit))
        if write:
            await self._create_units()
        existing = await self._existing([p[0] for p in placed], [p for p in placed], conn)
        heads = await self._heads_in_db([u for _r, _c, u in placed if getattr(u, "id", None)], conn)
        plans = []
        for row, community, unit in placed:
            twin = existing.get(id(row))
            if twin is not None and not self._may_update(twin):
                self._refuse(row, twin)
                continue
            if not self._head_free(row, unit, twin, heads):
                continue
            plans.append(
                _Plan(row, community, unit, twin, _changes(row, community, unit, twin) if twin else None)
            )
        for plan in plans:
            if plan.existing is None:
                self.result.created += 1
            elif plan.changes:
                self.result.updated += 1
            else:
                self.result.unchanged += 1
        return plans

    def _first_time(self, row: RowData) -> bool:
        """False for a row repeating an earlier row (skipped) or one reusing its ID number (rejected)."""
        content = _digest(row.fingerprint())
        if content in self._seen_rows:
            self.result.duplicates += 1
            return False
        self._seen_rows.add(content)
        if row.id_number:
            key = _digest(row.id_number)
            if key in self._seen_ids:
                self._reject(
                    row,
                    "idNumber",
                    Code.DUPLICATE,
                    "This ID card number is on an earlier row of the file with different data.",
                )
                return False
            self._seen_ids[key] = content
        return True

    async def _existing(self, rows: list[RowData], placed, conn) -> dict[int, m.Resident]:
        """{id(row): the resident it names}: by blind index, or by name in the same unit (no ID number)."""
        found: dict[int, m.Resident] = {}
        hashes = {blind_index(r.id_number, "id_number"): r for r in rows if r.id_number}
        if hashes:
            qs = m.Resident.filter(id_number_hash__in=list(hashes))
            for resident in await qs:
                found[id(hashes[resident.id_number_hash])] = resident
        anonymous = [(r, c, u) for r, c, u in placed if not r.id_number and getattr(u or c, "id", None)]
        if anonymous:
            names = sorted({r.name for r, _c, _u in anonymous})
            qs = visible(self.viewer, m.Resident).filter(
                id_number_hash=None,
                name__in=names,
                community_id__in=sorted({c.id for _r, c, _u in anonymous}),
            )
            by_place: dict[tuple, m.Resident] = {}
            for resident in await qs:
                by_place.setdefault((resident.community_id, resident.unit_id, resident.name), resident)
            for r, c, u in anonymous:
                hit = by_place.get((c.id, getattr(u, "id", None), r.name))
                if hit is not None:
                    found[id(r)] = hit
        return found

    def _may_update(self, twin: m.Resident) -> bool:
        v = self.viewer
        return v.can("resident.read", twin) and v.can(PII_READ, twin) and v.can("resident.write", twin)

    def _refuse(self, row: RowData, twin: m.Resident) -> None:
        from core.api.relay import gid_of

        if self._refusals_left <= 0:
            self._reject(
                row,
                "idNumber",
                Code.RATE_LIMITED,
                "Too many ID card numbers were refused for this "
                "account today; try again tomorrow or ask the district office.",
            )
            return
        self._refusals_left -= 1
        self._refused.append(gid_of(twin))
        self._reject(
            row,
            "idNumber",
            Code.ID_NUMBER_UNAVAILABLE,
            "This ID card number cannot be accepted here; the district office can look into it.",
        )

    async def _heads_in_db(self, units, conn) -> dict[int, set[int]]:
        ids = sorted({u.id for u in units})
        if not ids:
            return {}
        qs = m.Resident.filter(
            unit_id__in=ids, relation_to_head=HouseholdRelation.HEAD, status=ResidentStatus.ACTIVE
        ).values_list("unit_id", "id")
        heads: dict[int, set[int]] = {}
        for unit_id, rid in await qs:
            heads.setdefault(unit_id, set()).add(rid)
        return heads

    def _head_free(self, row: RowData, unit, twin, heads) -> bool:
        relation = (
            row.relation_to_head if "relationToHead" in row.given else getattr(twin, "relation_to_head", None)
        )
        if unit is None or relation != HouseholdRelation.HEAD:
            return True
        if twin is not None and twin.status != ResidentStatus.ACTIVE:
            return True
        key = (unit.building.id or id(unit.building), unit.label)  # stable even if the unit cache forgot it
        others = heads.get(getattr(unit, "id", None), set()) - ({twin.id} if twin is not None else set())
        if key in self._heads or others:
            self._reject(
                row, "relationToHead", Code.DUPLICATE, "This unit already has an active household head."
            )
            return False
        self._heads.add(key)
        return True

    # ---- writing a batch

    async def _write(self, plans: list[_Plan], conn) -> None:
        now = dt.datetime.now(dt.UTC)
        new = [_new_row(p, now, self.today) for p in plans if p.existing is None]
        if new:
            await _insert(conn, new, self.postgres)
        changed = [p for p in plans if p.existing is not None and p.changes]
        if changed:
            fields: set[str] = {"updated_at"}
            for plan in changed:
                for name, value in plan.changes.items():
                    setattr(plan.existing, name, value)
                    fields.add(name)
                plan.existing.updated_at = now
            await m.Resident.bulk_update([p.existing for p in changed], fields=sorted(fields), using_db=conn)


INSERT_COLUMNS = (
    "district_ref",
    "subdistrict_ref",
    "community_ref",
    "compound_ref",
    "building_ref",
    "name",
    "gender",
    "birth_date",
    "id_number_cipher",
    "id_number_hash",
    "id_number_masked",
    "phone_cipher",
    "phone_hash",
    "phone_masked",
    "phone_last4",
    "status",
    "residency_type",
    "is_party_member",
    "tags_text",
    "unit_id",
    "relation_to_head",
    "community_id",
    "moved_in_on",
    "created_at",
    "updated_at",
)


def _tags_text(tags: list[str]) -> str:
    return "|" + "|".join(tags) + "|" if tags else ""


def _new_row(plan: _Plan, now: dt.datetime, today: dt.date) -> tuple:
    row, unit = plan.row, plan.unit
    lineage = (unit or plan.community).lineage()
    id_number, phone = row.id_number, row.phone
    return (
        *(lineage.get(c) for c in INSERT_COLUMNS[:5]),
        row.name,
        row.gender.value if row.gender else None,
        row.birth_date,
        encrypt(id_number, "id_number") if id_number else None,
        blind_index(id_number, "id_number") if id_number else None,
        mask_id_number(id_number) if id_number else None,
        encrypt(phone, "phone") if phone else None,
        blind_index(phone, "phone") if phone else None,
        mask_phone(phone) if phone else None,
        phone[-4:] if phone else None,
        ResidentStatus.ACTIVE.value,
        (row.residency_type or ResidencyType.REGISTERED).value,
        bool(row.is_party_member),
        _tags_text(row.tags or []),
        unit.id if unit else None,
        row.relation_to_head.value if row.relation_to_head else None,
        plan.community.id,
        row.moved_in_on or today,
        now,
        now,
    )


async def _insert(conn, rows: list[tuple], postgres: bool) -> None:
    table = m.Resident._meta.db_table
    async with conn.acquire_connection() as raw:
        if postgres:
            await raw.copy_records_to_table(table, records=rows, columns=list(INSERT_COLUMNS))
            return
        marks = ",".join("?" * len(INSERT_COLUMNS))
        sql = f'INSERT INTO "{table}" ({",".join(INSERT_COLUMNS)}) VALUES ({marks})'
        await raw.executemany(
            sql, [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in rows]
        )


def _changes(row: RowData, community, unit, twin: m.Resident) -> dict:
    """The fields of ``twin`` the row changes (only columns the file has)."""
    want: dict = {"name": row.name}
    if unit is not None or "unit" in row.given:
        lineage = (unit or community).lineage()
        want.update({"unit_id": getattr(unit, "id", None), "community_id": community.id, **lineage})
    elif twin.community_id != community.id:
        want.update({"unit_id": None, "community_id": community.id, **community.lineage()})
    if "idNumber" in row.given and row.id_number:
        want.update({"gender": row.gender, "birth_date": row.birth_date})
    else:
        if "gender" in row.given and row.gender is not None:
            want["gender"] = row.gender
        if "birthDate" in row.given and row.birth_date is not None:
            want["birth_date"] = row.birth_date
    if "phone" in row.given:
        phone = row.phone
        if (blind_index(phone, "phone") if phone else None) != twin.phone_hash:
            want.update(
                {
                    "phone_cipher": encrypt(phone, "phone") if phone else None,
                    "phone_hash": blind_index(phone, "phone") if phone else None,
                    "phone_masked": mask_phone(phone) if phone else None,
                    "phone_last4": phone[-4:] if phone else None,
                }
            )
    if "residencyType" in row.given and row.residency_type is not None:
        want["residency_type"] = row.residency_type
    if "relationToHead" in row.given:
        want["relation_to_head"] = row.relation_to_head
    if "isPartyMember" in row.given and row.is_party_member is not None:
        want["is_party_member"] = row.is_party_member
    if "tags" in row.given:
        want["tags_text"] = _tags_text(row.tags or [])
    if "movedInOn" in row.given and row.moved_in_on is not None:
        want["moved_in_on"] = row.moved_in_on
    return {k: val for k, val in want.items() if _differs(getattr(twin, k), val)}


def _differs(current, wanted) -> bool:
    if hasattr(current, "value") and not hasattr(wanted, "value"):
        current = current.value
    if hasattr(wanted, "value") and not hasattr(current, "value"):
        wanted = wanted.value
    if isinstance(current, dt.date) and not isinstance(current, dt.datetime) and isinstance(wanted, str):
        wanted = dt.date.fromisoformat(wanted)
    return current != wanted


async def import_residents(
    stream, filename: str, viewer, options: ImportOptions | None = None, **kwargs
) -> ImportResult:
    """Import the registry file ``stream`` (a seekable binary file) as ``viewer``."""
    return await ImportRun(viewer, filename, options or ImportOptions(), **kwargs).run(stream)
