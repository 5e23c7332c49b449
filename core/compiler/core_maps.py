"""Core's SQL mappings: areas, units, residents, organisations and the root reads.

Each entry mirrors a resolver in core/api (types.py, queries.py): the same
rows (scope, filters), the same order, the same spelling. Full personal data
(idNumber, phone) is deliberately absent: those reads stay on the audited
resolver path. Fields not listed (me, roles, users, notifications) fall back.
"""

from __future__ import annotations

from tortoise.expressions import Q

from core import models as m
from core.api.filters import resident_ordering, resident_where, search_term
from core.compiler.mapping import (
    Ancestors,
    Column,
    Computed,
    Count,
    GlobalId,
    NodeLookup,
    Ref,
    Rows,
    Through,
    TypeMap,
)
from core.compiler.where import q_sql
from core.enums import (
    AREA_TYPE_NAMES,
    LEVELS,
    AreaLevel,
    OrderDirection,
    ResidentOrderField,
    ResidentStatus,
    lineage_column,
)
from core.ids import decode_int_gid
from core.pii import PII_READ, birth_date_everywhere

NO_ROWS = Q(id__in=[])
ACTIVE = Q(status=ResidentStatus.ACTIVE)
PAGES = frozenset({"first", "after"})
ALL_PAGES = frozenset({"first", "after", "last", "before"})


def _level_rows(level: AreaLevel, connection: bool) -> Rows:
    return Rows(
        target=level.value.title(),
        fk="parent_id",
        connection=connection,
        where=Q(level=level),
        order=("name", "id"),
        pages=PAGES if connection else frozenset(),
    )


async def _resident_filter(args, info):
    where, _ = await resident_where(info, args.get("filter"))
    return where


async def _root_resident_filter(args, info):
    # Looked up at call time, like Query.residents does: one filter function for both paths.
    from core.api import queries

    where, _ = await queries.resident_where(info, args.get("filter"))
    return where


# pg_trgm indexes terms of three characters or more (core/pg_search.py): shorter ones scan anyway,
# and then walking the order's index lets LIMIT stop early.
TRIGRAM = 3


def _resident_search_indexed(args) -> bool:
    f = args.get("filter")
    term = (getattr(f, "search", None) or "").strip()
    return len(term) >= TRIGRAM


def _search_indexed(args) -> bool:
    return len((args.get("search") or "").strip()) >= TRIGRAM


def _resident_order(args, viewer):
    # core.api.filters.order_residents: BIRTH_DATE goes by birth year, then id, for a viewer
    # who may not see every birth date in the list (core.pii.birth_date_everywhere).
    order = args.get("order_by")
    if (
        order is not None
        and order.field == ResidentOrderField.BIRTH_DATE
        and not birth_date_everywhere(viewer)
    ):
        return (
            ("-year:birth_date", "-id")
            if order.direction == OrderDirection.DESC
            else ("year:birth_date", "id")
        )
    return resident_ordering(order)


def _area_fields(level: AreaLevel) -> dict:
    index = LEVELS.index(level)
    return {
        "id": GlobalId(),
        "name": Column("name"),
        "code": Column("code"),
        "level": Column("level", "enum"),
        "parent": Ref("Area", "parent_id"),
        "ancestors": Ancestors("Area", tuple(lineage_column(lv) for lv in LEVELS[:index])),
        "residentCount": Count(m.Resident, lineage_column(level), where=ACTIVE),
    }


def _area_maps() -> list[TypeMap]:
    D, S, C, P, B = LEVELS
    maps = {
        "District": {"subdistricts": _level_rows(S, False)},
        "Subdistrict": {
            "isTown": Column("is_town", "bool"),
            "district": Ref("District", "parent_id"),
            "communities": _level_rows(C, True),
        },
        "Community": {
            "subdistrict": Ref("Subdistrict", "parent_id"),
            "compounds": _level_rows(P, True),
            "residents": Rows(
                "Resident",
                fk="community_ref",
                connection=True,
                where=_resident_filter,
                order=_resident_order,
                pages=ALL_PAGES,
                args=frozenset({"filter", "order_by"}),
            ),
            "partners": Through("Organization", m.PartnerLink, "community_id", "organization_id"),
            "unitCount": Count(m.Unit, "community_ref"),
        },
        "Compound": {
            "address": Column("address"),
            "builtYear": Column("built_year", "int"),
            "community": Ref("Community", "parent_id"),
            "propertyManager": Ref("Organization", "property_manager_id"),
            "buildings": _level_rows(B, False),
        },
        "Building": {
            "floors": Column("floors", "int"),
            "compound": Ref("Compound", "parent_id"),
            "units": Rows("Unit", fk="building_id", connection=True, order=("label", "id"), pages=PAGES),
        },
    }
    out = []
    for level, (name, extra) in zip(LEVELS, maps.items(), strict=True):
        out.append(TypeMap(name, m.Area, {**_area_fields(level), **extra}, node_where=Q(level=level)))
    out.append(
        TypeMap("Area", m.Area, discriminator="level", variants={lv.value: lv.value.title() for lv in LEVELS})
    )
    return out


# ---------------------------------------------------------------- personal data (core.pii)
# The same disclosure per row and per viewer as the resolvers in core.api.types: the birth
# date to the day only where the viewer holds resident.pii.read over the resident, else null
# and the age reached this calendar year; the masks re-applied to whatever the column holds.


def sees_birth_date_sql(builder, alias: str) -> str | None:
    """core.pii.sees_birth_date as a condition on the resident row ``alias`` (None: every row)."""
    scope = builder.viewer.scope(PII_READ)
    if scope.everywhere:
        return None
    if not scope.roots:
        return "1 = 0"
    return q_sql(m.Resident, scope.rows().q(), alias, builder.params)


def _birth_date(builder, alias: str) -> str:
    shown = builder.d.date(builder.col(alias, "birth_date"))
    cond = sees_birth_date_sql(builder, alias)
    return shown if cond is None else f"CASE WHEN {cond} THEN {shown} END"


def _age(builder, alias: str) -> str:
    col, today = builder.col(alias, "birth_date"), builder.today()
    exact = builder.d.age(col, today)
    cond = sees_birth_date_sql(builder, alias)
    if cond is None:
        return exact
    return f"CASE WHEN {col} IS NULL THEN NULL WHEN {cond} THEN {exact} ELSE {builder.d.year_age(col, today)} END"


def _id_mask(builder, alias: str) -> str:
    return builder.d.mask_id(builder.col(alias, "id_number_masked"))


def _phone_mask(builder, alias: str) -> str:
    return builder.d.mask_phone(builder.col(alias, "phone_masked"))


RESIDENT = TypeMap(
    "Resident",
    m.Resident,
    {
        "id": GlobalId(),
        "name": Column("name"),
        "gender": Column("gender", "enum"),
        "birthDate": Computed(_birth_date),
        "status": Column("status", "enum"),
        "residencyType": Column("residency_type", "enum"),
        "isPartyMember": Column("is_party_member", "bool"),
        "tags": Column("tags_text", "tags"),
        "relationToHead": Column("relation_to_head", "enum"),
        "movedInOn": Column("moved_in_on", "date"),
        "movedOutOn": Column("moved_out_on", "date"),
        "createdAt": Column("created_at", "datetime"),
        "updatedAt": Column("updated_at", "datetime"),
        "age": Computed(_age),
        # The masked forms as served (older rows' columns re-masked); the full ones stay on the
        # audited resolver path.
        "idNumberMasked": Computed(_id_mask),
        "phoneMasked": Computed(_phone_mask),
        "unit": Ref("Unit", "unit_id"),
        "community": Ref("Community", "community_id"),
    },
)

UNIT = TypeMap(
    "Unit",
    m.Unit,
    {
        "id": GlobalId(),
        "label": Column("label"),
        "floor": Column("floor", "int"),
        "areaSqm": Column("area_sqm", "float"),
        "usage": Column("usage", "enum"),
        "building": Ref("Building", "building_id"),
        "residents": Rows("Resident", fk="unit_id", where=ACTIVE),
        "householdHead": Rows(
            "Resident", fk="unit_id", single=True, where=Q(ACTIVE, Q(relation_to_head="HEAD"))
        ),
    },
)

ORGANIZATION = TypeMap(
    "Organization",
    m.Organization,
    {
        "id": GlobalId(),
        "name": Column("name"),
        "kind": Column("kind", "enum"),
        "contactName": Column("contact_name"),
        "contactPhone": Column("contact_phone"),
        "partnerCommunities": Through("Community", m.PartnerLink, "organization_id", "community_id"),
    },
)


def _area_pk(gid, *types):
    return decode_int_gid(gid, *(types or AREA_TYPE_NAMES))


def _areas_where(args, info):
    parts = []
    if args.get("level") is not None:
        parts.append(Q(level=args["level"]))
    if args.get("parent_id") is not None:
        pk = _area_pk(args["parent_id"])
        parts.append(Q(parent_id=pk) if pk else NO_ROWS)
    if term := search_term(args.get("search")):
        parts.append(Q(name__icontains=term))
    return Q(*parts) if parts else None


def _communities_where(args, info):
    parts = [Q(level=AreaLevel.COMMUNITY)]
    if args.get("subdistrict_id") is not None:
        pk = _area_pk(args["subdistrict_id"], "Subdistrict")
        parts.append(Q(parent_id=pk) if pk else NO_ROWS)
    if term := search_term(args.get("search")):
        parts.append(Q(name__icontains=term))
    return Q(*parts)


def _units_where(args, info):
    parts = []
    if args.get("building_id") is not None:
        pk = _area_pk(args["building_id"], "Building")
        parts.append(Q(building_id=pk) if pk else NO_ROWS)
    if args.get("compound_id") is not None:
        pk = _area_pk(args["compound_id"], "Compound")
        parts.append(Q(**{lineage_column(AreaLevel.COMPOUND): pk}) if pk else NO_ROWS)
    if args.get("usage") is not None:
        parts.append(Q(usage=args["usage"]))
    return Q(*parts) if parts else None


def _organizations_where(args, info):
    parts = []
    if args.get("kind") is not None:
        parts.append(Q(kind=args["kind"]))
    if term := search_term(args.get("search")):
        parts.append(Q(name__icontains=term))
    return Q(*parts) if parts else None


QUERY = TypeMap(
    "Query",
    None,
    {
        "node": NodeLookup(),
        "nodes": NodeLookup(many=True),
        "area": NodeLookup(types=AREA_TYPE_NAMES),
        "districts": Rows("District", fk=None, where=Q(level=AreaLevel.DISTRICT), order=("name", "id")),
        "areas": Rows(
            "Area",
            fk=None,
            connection=True,
            where=_areas_where,
            order=("level", "name", "id"),
            pages=PAGES,
            args=frozenset({"level", "parent_id", "search"}),
            index_first=_search_indexed,
        ),
        "communities": Rows(
            "Community",
            fk=None,
            connection=True,
            where=_communities_where,
            order=("name", "id"),
            pages=PAGES,
            args=frozenset({"subdistrict_id", "search"}),
            index_first=_search_indexed,
        ),
        "residents": Rows(
            "Resident",
            fk=None,
            connection=True,
            where=_root_resident_filter,
            order=_resident_order,
            pages=ALL_PAGES,
            args=frozenset({"filter", "order_by"}),
            index_first=_resident_search_indexed,
        ),
        "units": Rows(
            "Unit",
            fk=None,
            connection=True,
            where=_units_where,
            order=("building_id", "label", "id"),
            pages=PAGES,
            args=frozenset({"building_id", "compound_id", "usage"}),
        ),
        # communityId needs the community's visibility first: left to the resolver.
        "organizations": Rows(
            "Organization",
            fk=None,
            connection=True,
            where=_organizations_where,
            order=("name", "id"),
            pages=PAGES,
            args=frozenset({"kind", "search"}),
            index_first=_search_indexed,
        ),
    },
)


def core_mappings() -> list[TypeMap]:
    return [*_area_maps(), RESIDENT, UNIT, ORGANIZATION, QUERY]
