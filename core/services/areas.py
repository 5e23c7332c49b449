"""Creating, changing and deleting areas and units."""

from __future__ import annotations

from dataclasses import dataclass

from core import clock
from core import models as m
from core.audit import record
from core.enums import AreaLevel, UnitUsage, lineage_column, parent_level
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.integrity import refusing
from core.services.guards import find_pk, require

# Column sizes of core_area (core/models.py); the API edge bounds the text it passes on.
CODE_MAX = 32
ADDRESS_MAX = 300
NAME_MAX = 200
LABEL_MAX = 50


# ---------------------------------------------------------------- what the services are given
#
# Parsed once at the API edge (core.api.inputs): ids decoded (None: not given, 0: given but
# naming nothing, answered NOT_FOUND), text trimmed, bounded and storable. For changes, None
# leaves a value as it is and "" clears an optional text.


@dataclass(frozen=True)
class NewArea:
    level: AreaLevel
    name: str
    parent_id: int | None = None
    code: str | None = None
    is_town: bool = False
    address: str | None = None
    built_year: int | None = None
    floors: int | None = None


@dataclass(frozen=True)
class AreaChanges:
    area_id: int
    name: str | None = None
    code: str | None = None
    address: str | None = None
    built_year: int | None = None
    floors: int | None = None


@dataclass(frozen=True)
class NewUnit:
    building_id: int
    label: str
    floor: int | None = None
    area_sqm: float | None = None
    usage: UnitUsage | None = None


@dataclass(frozen=True)
class UnitChanges:
    unit_id: int
    label: str | None = None
    floor: int | None = None
    area_sqm: float | None = None
    usage: UnitUsage | None = None


def _check_year(year: int | None) -> None:
    if year is not None and not (1800 <= year <= clock.today().year + 5):
        raise UserFailure("builtYear is out of range", Code.INVALID_INPUT, "builtYear")


def _check_floors(floors: int | None) -> None:
    if floors is not None and not (1 <= floors <= 200):
        raise UserFailure("floors must be between 1 and 200", Code.INVALID_INPUT, "floors")


def _name_taken_failure(name: str) -> UserFailure:
    return UserFailure(f"An area named {name!r} already exists there.", Code.DUPLICATE, "name")


async def _save_named(area: m.Area, **save) -> None:
    """Save; a sibling of that name committed meanwhile is the same DUPLICATE as the check before.
    Siblings: UNIQUE (parent_id, name); districts (no parent): the partial index of migration 0003."""
    columns = ("parent_id", "name") if area.parent_id is not None else ("name",)
    await refusing(lambda: area.save(**save), _name_taken_failure(area.name), columns)


async def _name_taken(parent_id: int | None, name: str, exclude_id: int | None = None) -> bool:
    qs = m.Area.filter(parent_id=parent_id, name=name)
    if exclude_id:
        qs = qs.exclude(id=exclude_id)
    return await qs.exists()


async def create_area(context, data: NewArea) -> m.Area:
    viewer = context.viewer
    level, name = data.level, data.name
    want_parent = parent_level(level)
    if want_parent is None:
        if data.parent_id is not None:
            raise UserFailure("A district has no parent area.", Code.INVALID_LEVEL, "parentId")
        require(viewer, "district.create", None, "level")
        if not viewer.is_superuser:
            raise UserFailure("Only a superuser may create districts.", Code.FORBIDDEN, "level")
        parent = None
    else:
        if data.parent_id is None:
            raise UserFailure(
                f"A {level.value} needs a parent {want_parent.value}.", Code.INVALID_LEVEL, "parentId"
            )
        parent = await find_pk(viewer, m.Area, data.parent_id, "parentId", "Parent area")
        if parent.level != want_parent:
            raise UserFailure(
                f"A {level.value}'s parent must be a {want_parent.value}, not a {parent.level.value}.",
                Code.INVALID_LEVEL,
                "parentId",
            )
        require(viewer, "area.manage", parent, "parentId")
    if await _name_taken(parent.id if parent else None, name):
        raise _name_taken_failure(name)
    _check_year(data.built_year)
    _check_floors(data.floors)
    area = m.Area(
        level=level,
        name=name,
        code=data.code,
        parent=parent,
        is_town=bool(data.is_town) if level == AreaLevel.SUBDISTRICT else False,
        address=data.address if level == AreaLevel.COMPOUND else None,
        built_year=data.built_year if level == AreaLevel.COMPOUND else None,
        floors=data.floors if level == AreaLevel.BUILDING else None,
    )
    if parent is not None:
        area.set_lineage(parent.lineage())
    await _save_named(area)
    setattr(area, lineage_column(level), area.id)
    await area.save(update_fields=[lineage_column(level)])
    await record(context, "createArea", gid_of(area))
    return area


async def update_area(context, data: AreaChanges) -> m.Area:
    viewer = context.viewer
    area = await find_pk(viewer, m.Area, data.area_id, "id", "Area", for_update=True)
    require(viewer, "area.manage", area, "id")
    if data.name is not None:
        if await _name_taken(area.parent_id, data.name, exclude_id=area.id):
            raise _name_taken_failure(data.name)
        area.name = data.name
    if data.code is not None:
        area.code = data.code or None
    if area.level == AreaLevel.COMPOUND:
        if data.address is not None:
            area.address = data.address or None
        if data.built_year is not None:
            _check_year(data.built_year)
            area.built_year = data.built_year
    if area.level == AreaLevel.BUILDING and data.floors is not None:
        _check_floors(data.floors)
        area.floors = data.floors
    await _save_named(area)
    await record(context, "updateArea", gid_of(area))
    return area


async def delete_area(context, area_id: int) -> str:
    viewer = context.viewer
    area = await find_pk(viewer, m.Area, area_id, "id", "Area", for_update=True)
    if area.level == AreaLevel.DISTRICT:
        if not viewer.is_superuser:
            raise UserFailure("Only a superuser may delete districts.", Code.FORBIDDEN, "id")
    else:
        require(viewer, "area.manage", area, "id")
    col = lineage_column(area.level)
    reasons = []
    if await m.Area.filter(parent_id=area.id).exists():
        reasons.append("it has child areas")
    if await m.Unit.filter(**{col: area.id}).exists():
        reasons.append("it has dwelling units")
    if await m.Resident.filter(**{col: area.id}).exists():
        reasons.append("residents are registered in it")
    for reason in await context.host.area_usage(area.id):
        if reason:
            reasons.append(reason)
    if reasons:
        raise UserFailure(f"The area is not empty: {'; '.join(reasons)}.", Code.NOT_EMPTY, "id")
    deleted = gid_of(area)
    await m.PartnerLink.filter(community_id=area.id).delete()
    await m.Area.filter(id=area.id).delete()
    await context.host.area_deleted(area.id, viewer.user_id)
    await record(context, "deleteArea", deleted)
    return deleted


# ---------------------------------------------------------------- units


def _check_unit_numbers(data) -> None:
    if data.area_sqm is not None and not (0 < data.area_sqm < 100000):
        raise UserFailure("areaSqm must be positive", Code.INVALID_INPUT, "areaSqm")
    if data.floor is not None and not (-10 <= data.floor <= 200):
        raise UserFailure("floor is out of range", Code.INVALID_INPUT, "floor")


def _label_taken_failure(label: str) -> UserFailure:
    # UNIQUE (building_id, label) behind the check: a concurrent twin reads the same.
    return UserFailure(f"Unit {label!r} already exists in this building.", Code.DUPLICATE, "label")


async def create_unit(context, data: NewUnit) -> m.Unit:
    viewer = context.viewer
    building = await find_pk(viewer, m.Area, data.building_id, "buildingId", "Building")
    if building.level != AreaLevel.BUILDING:
        raise UserFailure("Units belong to buildings.", Code.INVALID_LEVEL, "buildingId")
    require(viewer, "unit.write", building, "buildingId")
    label = data.label
    _check_unit_numbers(data)
    if await m.Unit.filter(building_id=building.id, label=label).exists():
        raise _label_taken_failure(label)
    unit = m.Unit(
        building=building,
        label=label,
        floor=data.floor,
        area_sqm=data.area_sqm,
        usage=data.usage or UnitUsage.OWNER_OCCUPIED,
    )
    unit.set_lineage(building.lineage())
    await refusing(unit.save, _label_taken_failure(label), ("building_id", "label"))
    await record(context, "createUnit", gid_of(unit))
    return unit


async def update_unit(context, data: UnitChanges) -> m.Unit:
    viewer = context.viewer
    unit = await find_pk(viewer, m.Unit, data.unit_id, "id", "Unit", for_update=True)
    require(viewer, "unit.write", unit, "id")
    _check_unit_numbers(data)
    if data.label is not None:
        label = data.label
        if await m.Unit.filter(building_id=unit.building_id, label=label).exclude(id=unit.id).exists():
            raise _label_taken_failure(label)
        unit.label = label
    for attr in ("floor", "area_sqm", "usage"):
        value = getattr(data, attr)
        if value is not None:
            setattr(unit, attr, value)
    await refusing(unit.save, _label_taken_failure(unit.label), ("building_id", "label"))
    await record(context, "updateUnit", gid_of(unit))
    return unit
