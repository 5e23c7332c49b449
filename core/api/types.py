"""Core GraphQL types. Resolvers receive tortoise model instances as ``self``.

Extensible types are declared here as ``...Base`` classes; the schema builder
composes the served ``Resident``, ``Unit``, ... from them plus plugin mixins.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q

from core import clock
from core import models as m
from core.api.cost import list_size
from core.api.relay import Connection, Node, connection_from_list
from core.enums import (
    LEVELS,
    AreaLevel,
    Gender,
    HouseholdRelation,
    OrganizationKind,
    ResidencyType,
    ResidentStatus,
    UnitUsage,
    lineage_column,
)
from core.pii import sees_birth_date, served_id_mask, served_phone_mask

if TYPE_CHECKING:
    from core.api.filters import ResidentFilter, ResidentOrder

BUILT = "core.api.built"
DistrictT = Annotated["District", strawberry.lazy(BUILT)]
SubdistrictT = Annotated["Subdistrict", strawberry.lazy(BUILT)]
CommunityT = Annotated["Community", strawberry.lazy(BUILT)]
CompoundT = Annotated["Compound", strawberry.lazy(BUILT)]
BuildingT = Annotated["Building", strawberry.lazy(BUILT)]
UnitT = Annotated["Unit", strawberry.lazy(BUILT)]
ResidentT = Annotated["Resident", strawberry.lazy(BUILT)]
OrganizationT = Annotated["Organization", strawberry.lazy(BUILT)]
UserT = Annotated["User", strawberry.lazy(BUILT)]
ResidentFilterT = Annotated["ResidentFilter", strawberry.lazy("core.api.filters")]
ResidentOrderT = Annotated["ResidentOrder", strawberry.lazy("core.api.filters")]


def ctx(info: Info):
    return info.context


@strawberry.type(description="A business-rule or validation failure returned inside a mutation payload.")
class UserError:
    field: list[str] = strawberry.field(
        description='Path of the offending input field, e.g. ["input", "idNumber"]; empty when not tied to one field.'
    )
    message: str = strawberry.field(description="What went wrong, in words a person can read.")
    code: str = strawberry.field(
        description="Stable machine-readable code, e.g. INVALID_ID_NUMBER, NOT_FOUND, INVALID_TRANSITION, CAPACITY_REACHED, DUPLICATE."
    )


# ---------------------------------------------------------------- areas


@strawberry.interface(description="Any node of the governance hierarchy.")
class Area(Node):
    name: str = strawberry.field(description="The area's name, e.g. 中安街社区.")
    code: str | None = strawberry.field(
        description="Administrative or statistical division code where one exists (e.g. 410106 for Shangjie District)."
    )
    level: AreaLevel = strawberry.field(description="Which level of the hierarchy this area is.")

    @strawberry.field(description="The area directly above; null for a district.")
    def parent(self, info: Info) -> Area | None:
        if self.parent_id is None:
            return None
        return ctx(info).loaders.by_id(m.Area).load(self.parent_id)

    @strawberry.field(
        description="Ancestors from the district down to the parent.", metadata=list_size(len(LEVELS) - 1)
    )
    async def ancestors(self, info: Info) -> list[Area]:
        ids = [getattr(self, lineage_column(lv)) for lv in LEVELS[: LEVELS.index(self.level)]]
        rows = await ctx(info).loaders.by_id(m.Area).load_many([i for i in ids if i])
        return [r for r in rows if r is not None]

    @strawberry.field(
        description="Active residents living anywhere below this area (that the viewer may see)."
    )
    def resident_count(self, info: Info) -> int:
        col = lineage_column(self.level)
        return (
            ctx(info)
            .loaders.counts(m.Resident, col, where=Q(status=ResidentStatus.ACTIVE), tag="active")
            .load(self.id)
        )


def _load_area(info: Info, area_id: int | None):
    return ctx(info).loaders.by_id(m.Area).load(area_id) if area_id else None


def _area_children(info: Info, parent_id: int, level: AreaLevel):
    return (
        ctx(info)
        .loaders.children(m.Area, "parent_id", where=Q(level=level), order=("name", "id"), tag=level)
        .load(parent_id)
    )


def _is_area(level: AreaLevel):
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, m.Area) and obj.level == level

    return classmethod(is_type_of)


@strawberry.type(name="DistrictBase", description="A district (区), the top of the hierarchy.")
class DistrictBase(Area):
    is_type_of = _is_area(AreaLevel.DISTRICT)

    @strawberry.field(description="Subdistricts and towns of the district, by name.")
    def subdistricts(self, info: Info) -> list[SubdistrictT]:
        return _area_children(info, self.id, AreaLevel.SUBDISTRICT)


@strawberry.type(name="SubdistrictBase", description="A subdistrict (街道) or town (镇).")
class SubdistrictBase(Area):
    is_type_of = _is_area(AreaLevel.SUBDISTRICT)
    is_town: bool = strawberry.field(
        description="True for a town (镇), false for an urban subdistrict (街道)."
    )

    @strawberry.field(description="The district the subdistrict belongs to.")
    def district(self, info: Info) -> DistrictT:
        return _load_area(info, self.parent_id)

    @strawberry.field(description="Communities of the subdistrict, by name.")
    async def communities(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[CommunityT]:
        return connection_from_list(await _area_children(info, self.id, AreaLevel.COMMUNITY), first, after)


@strawberry.type(
    name="CommunityBase", description="A community (社区): the level where residents are served."
)
class CommunityBase(Area):
    is_type_of = _is_area(AreaLevel.COMMUNITY)

    @strawberry.field(description="The subdistrict or town the community belongs to.")
    def subdistrict(self, info: Info) -> SubdistrictT:
        return _load_area(info, self.parent_id)

    @strawberry.field(description="Compounds (小区/楼院) of the community, by name.")
    async def compounds(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[CompoundT]:
        return connection_from_list(await _area_children(info, self.id, AreaLevel.COMPOUND), first, after)

    @strawberry.field(
        description="Residents of the community, filtered and ordered; the filter's areaId narrows further."
    )
    async def residents(
        self,
        info: Info,
        filter: ResidentFilterT | None = None,
        order_by: ResidentOrderT | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ResidentT]:
        from core.api.filters import resident_ordering, resident_where, sort_residents

        where, tag = await resident_where(info, filter)
        order = resident_ordering(order_by)
        rows = (
            await ctx(info)
            .loaders.children(m.Resident, "community_ref", where=where, order=order, tag=tag)
            .load(self.id)
        )
        return connection_from_list(sort_residents(info, rows, order_by), first, after, last, before)

    @strawberry.field(description="Partner organisations (共建单位) linked to this community.")
    async def partners(self, info: Info) -> list[OrganizationT]:
        links = await ctx(info).loaders.children(m.PartnerLink, "community_id", tag="partners").load(self.id)
        orgs = (
            await ctx(info).loaders.by_id(m.Organization).load_many([link.organization_id for link in links])
        )
        return [o for o in orgs if o is not None]

    @strawberry.field(description="Number of dwelling units in the community.")
    def unit_count(self, info: Info) -> int:
        return ctx(info).loaders.counts(m.Unit, "community_ref").load(self.id)


@strawberry.type(name="CompoundBase", description="A residential compound or courtyard (小区/楼院).")
class CompoundBase(Area):
    is_type_of = _is_area(AreaLevel.COMPOUND)
    address: str | None = strawberry.field(description="Street address of the compound.")
    built_year: int | None = strawberry.field(
        description="Year built, used to find old compounds due for renovation."
    )

    @strawberry.field(description="The community the compound belongs to.")
    def community(self, info: Info) -> CommunityT:
        return _load_area(info, self.parent_id)

    @strawberry.field(description="Property management company (物业), if any.")
    def property_manager(self, info: Info) -> OrganizationT | None:
        if not self.property_manager_id:
            return None
        return ctx(info).loaders.by_id(m.Organization).load(self.property_manager_id)

    @strawberry.field(description="Buildings of the compound, by name.")
    def buildings(self, info: Info) -> list[BuildingT]:
        return _area_children(info, self.id, AreaLevel.BUILDING)


@strawberry.type(name="BuildingBase", description="A building (楼栋) in a compound.")
class BuildingBase(Area):
    is_type_of = _is_area(AreaLevel.BUILDING)
    floors: int | None = strawberry.field(description="Number of floors above ground.")

    @strawberry.field(description="The compound the building stands in.")
    def compound(self, info: Info) -> CompoundT:
        return _load_area(info, self.parent_id)

    @strawberry.field(description="Dwelling units in the building, by label.")
    async def units(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[UnitT]:
        rows = await ctx(info).loaders.children(m.Unit, "building_id", order=("label", "id")).load(self.id)
        return connection_from_list(rows, first, after)


# ---------------------------------------------------------------- units


def _active_residents(info: Info, unit_id: int):
    return (
        ctx(info)
        .loaders.children(m.Resident, "unit_id", where=Q(status=ResidentStatus.ACTIVE), tag="active")
        .load(unit_id)
    )


@strawberry.type(
    name="UnitBase", description="A dwelling unit (户/房屋): the household's address inside a building."
)
class UnitBase(Node):
    label: str = strawberry.field(
        description='Label as written on the door, e.g. "3-201" (entrance 3, room 201).'
    )
    floor: int | None = strawberry.field(description="Floor the unit is on.")
    area_sqm: float | None = strawberry.field(description="Floor area in square metres.")
    usage: UnitUsage = strawberry.field(description="How the unit is used.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, m.Unit)

    @strawberry.field(description="The building the unit is in.")
    def building(self, info: Info) -> BuildingT:
        return _load_area(info, self.building_id)

    # A household: rarely more than ten people (the resolved-object cap catches the rest).
    @strawberry.field(description="Active residents registered at this unit.", metadata=list_size(10))
    def residents(self, info: Info) -> list[ResidentT]:
        return _active_residents(info, self.id)

    @strawberry.field(description="The active resident recorded as household head (户主), if any.")
    async def household_head(self, info: Info) -> ResidentT | None:
        for r in await _active_residents(info, self.id):
            if r.relation_to_head == HouseholdRelation.HEAD:
                return r
        return None


# ---------------------------------------------------------------- residents


def _age(born: dt.date | None, today: dt.date | None = None) -> int | None:
    if born is None:
        return None
    today = today or clock.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _year_age(born: dt.date | None, today: dt.date | None = None) -> int | None:
    """The age reached this calendar year: all a viewer without resident.pii.read learns
    (it changes for everyone on 1 January, so watching it does not reveal the birthday)."""
    if born is None:
        return None
    return (today or dt.date.today()).year - born.year


@strawberry.type(
    name="ResidentBase",
    description="A resident (居民) of the district. ID and phone numbers are personal data: masked unless the viewer may read them in full.",
)
class ResidentBase(Node):
    name: str = strawberry.field(description="Full name.")
    gender: Gender | None = strawberry.field(description="Gender as on the ID card.")

    @strawberry.field(
        description="Date of birth. It is digits 7-14 of the ID card number: null unless the viewer holds resident.pii.read for this resident's area (others get the birth year through age)."
    )
    def birth_date(self, info: Info) -> dt.date | None:
        return self.birth_date if sees_birth_date(ctx(info).viewer, self) else None

    status: ResidentStatus = strawberry.field(description="Whether the resident still lives here.")
    residency_type: ResidencyType = strawberry.field(
        description="Whether the household registration (户籍) is here."
    )
    is_party_member: bool = strawberry.field(description="Whether the resident is a Communist Party member.")
    tags: list[str] = strawberry.field(
        description="Free-form care and governance tags, e.g. elderly-alone, disabled, veteran, low-income."
    )
    relation_to_head: HouseholdRelation | None = strawberry.field(
        description="Relation to the household head."
    )
    moved_in_on: dt.date | None = strawberry.field(description="When the resident moved in.")
    moved_out_on: dt.date | None = strawberry.field(description="When the resident moved out or died.")
    created_at: dt.datetime = strawberry.field(description="When the record was created.")
    updated_at: dt.datetime = strawberry.field(description="When the record last changed.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, m.Resident)

    @strawberry.field(
        description="Age in whole years today, derived from birthDate. For a viewer without resident.pii.read for this resident's area: the age the resident reaches this calendar year (current year minus birth year)."
    )
    def age(self, info: Info) -> int | None:
        if sees_birth_date(ctx(info).viewer, self):
            return _age(self.birth_date)
        return _year_age(self.birth_date)

    @strawberry.field(
        description="ID card number with everything but the region code hidden, e.g. 410106************. Visible to anyone who may read the resident."
    )
    def id_number_masked(self) -> str | None:
        return served_id_mask(self.id_number_masked)

    @strawberry.field(
        description="Full ID card number. Null unless the viewer holds the resident.pii.read permission for this resident's area; each non-null read is audited."
    )
    def id_number(self, info: Info) -> str | None:
        from core.audit import read_pii

        return read_pii(info.context, self, "id_number")

    @strawberry.field(description="Mobile number with all but the last four digits hidden, e.g. *******5678.")
    def phone_masked(self) -> str | None:
        return served_phone_mask(self.phone_masked)

    @strawberry.field(
        description="Full mobile number; same rule as idNumber: needs resident.pii.read in scope, audited."
    )
    def phone(self, info: Info) -> str | None:
        from core.audit import read_pii

        return read_pii(info.context, self, "phone")

    @strawberry.field(description="The dwelling unit the resident is registered at, if placed in one.")
    def unit(self, info: Info) -> UnitT | None:
        return ctx(info).loaders.by_id(m.Unit).load(self.unit_id) if self.unit_id else None

    @strawberry.field(description="The community the resident belongs to.")
    def community(self, info: Info) -> CommunityT:
        return _load_area(info, self.community_id)


# ---------------------------------------------------------------- organisations


@strawberry.type(
    name="OrganizationBase",
    description="A department, party organisation, company or other body that works with communities (共建单位, 职能部门).",
)
class OrganizationBase(Node):
    name: str = strawberry.field(description="Official name.")
    kind: OrganizationKind = strawberry.field(description="What kind of body it is.")
    contact_name: str | None = strawberry.field(description="Contact person.")
    contact_phone: str | None = strawberry.field(description="Contact person's work phone.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, m.Organization)

    @strawberry.field(
        description="Communities this organisation has a partnership (党建联建) with, that the viewer may see."
    )
    async def partner_communities(self, info: Info) -> list[CommunityT]:
        links = (
            await ctx(info).loaders.children(m.PartnerLink, "organization_id", tag="partners").load(self.id)
        )
        rows = await ctx(info).loaders.by_id(m.Area).load_many([link.community_id for link in links])
        return [r for r in rows if r is not None]


# ---------------------------------------------------------------- accounts


@strawberry.type(
    description="A named set of permissions. Core defines the built-in roles; plugins add permissions and may add roles."
)
class Role:
    name: str = strawberry.field(description="Stable role name used in grants, e.g. community_worker.")
    description: str = strawberry.field(description="What the role is for.")
    permissions: list[str] = strawberry.field(description="Permission strings the role holds, sorted.")


def role_of(info: Info, name: str) -> Role:
    registry = ctx(info).host.registry
    role = registry.get(name)
    if role is None:
        return Role(name=name, description="(role no longer defined)", permissions=[])
    return Role(name=role.name, description=role.description, permissions=sorted(registry.expand(role)))


@strawberry.type(description="A role held over one area and everything below it.")
class RoleGrant:
    @strawberry.field(description="The role granted.")
    def role(self, info: Info) -> Role:
        return role_of(info, self.role)

    @strawberry.field(description="The grant applies to this area and everything below it.")
    async def area(self, info: Info) -> Area:
        # Grants are shown to whoever may see the user; the granted area is
        # context for that, so it is loaded without the area scope.
        return await ctx(info).loaders.context_by_id(m.Area).load(self.area_id)


@strawberry.type(
    name="UserBase",
    description="A login account. Permissions are granted as roles scoped to one area and everything below it.",
)
class UserBase(Node):
    username: str = strawberry.field(description="Login name, unique in the deployment.")
    display_name: str = strawberry.field(description="Name shown in the apps.")
    is_active: bool = strawberry.field(
        description="Deactivated accounts cannot sign in and their tokens stop working."
    )

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, m.User)

    @strawberry.field(description="The resident this account belongs to, when the user is a resident.")
    def resident(self, info: Info) -> ResidentT | None:
        return ctx(info).loaders.by_id(m.Resident).load(self.resident_id) if self.resident_id else None

    @strawberry.field(description="Roles the user holds, each over one area.")
    def roles(self, info: Info) -> list[RoleGrant]:
        return ctx(info).loaders.children(m.RoleGrant, "user_id", tag="grants").load(self.id)


@strawberry.type(description="A plugin enabled in this deployment.")
class PluginInfo:
    name: str = strawberry.field(description='Stable plugin name, e.g. "mediation".')
    version: str = strawberry.field(description="The plugin's version.")
    description: str = strawberry.field(description="What the plugin adds.")


@strawberry.type(
    description="Something a user should know about: a case assigned, an activity cancelled, a demand dispatched. Plugins create them."
)
class Notification(Node):
    kind: str = strawberry.field(
        description="Dotted kind owned by the plugin that made it, e.g. mediation.assigned."
    )
    title: str = strawberry.field(description="One-line summary.")
    body: str | None = strawberry.field(description="Longer text, if any.")
    created_at: dt.datetime = strawberry.field(description="When the notification was created.")
    read_at: dt.datetime | None = strawberry.field(
        description="When the user marked it read; null while unread."
    )

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, m.Notification)

    @strawberry.field(
        description="The entity the notification is about, for a front-end to open (null if gone or out of scope)."
    )
    async def subject(self, info: Info) -> Node | None:
        if not self.subject_gid:
            return None
        return await ctx(info).runtime.nodes.resolve(info, self.subject_gid)
