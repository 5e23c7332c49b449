"""Core root query fields."""

from __future__ import annotations

import asyncio

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q

from core import models as m
from core.access import visible
from core.api.cost import list_size
from core.api.filters import ResidentFilter, ResidentOrder, order_residents, resident_where, search_term
from core.api.relay import Connection, Node, connection_from_queryset
from core.api.security import public
from core.api.types import (
    Area,
    CommunityT,
    DistrictT,
    OrganizationT,
    PluginInfo,
    ResidentT,
    Role,
    UnitT,
    UserT,
    role_of,
)
from core.api.types import Notification as NotificationType
from core.enums import AREA_TYPE_NAMES, AreaLevel, OrganizationKind, UnitUsage, lineage_column
from core.ids import decode_int_gid

NO_ROWS = Q(id__in=[])


def _area_pk(gid: str | None, *types: str) -> int | None:
    return decode_int_gid(gid, *(types or AREA_TYPE_NAMES))


@strawberry.type(description="Core queries.")
class CoreQuery:
    @strawberry.field(
        description="Fetches any object by its global id; null when unknown or outside the viewer's scope."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await info.context.runtime.nodes.resolve(info, id)

    @strawberry.field(
        description="Fetches objects by global ids, in order; null for each unknown or out-of-scope id.",
        metadata=list_size(argument="ids"),
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > info.context.runtime.settings.max_page_size:
            from core.errors import ApiError, Code

            raise ApiError("too many ids", Code.INVALID_INPUT)
        resolve = info.context.runtime.nodes.resolve
        # Started together, the lookups share one DataLoader batch per type.
        return list(await asyncio.gather(*(resolve(info, i) for i in ids)))

    @strawberry.field(description="The signed-in user, or null for an anonymous request.", metadata=public())
    def me(self, info: Info) -> UserT | None:
        return info.context.viewer.user

    @strawberry.field(description="Plugins enabled in this deployment.", metadata=public())
    def plugins(self, info: Info) -> list[PluginInfo]:
        return [
            PluginInfo(name=p.name, version=p.version, description=p.description)
            for p in info.context.host.infos()
        ]

    @strawberry.field(description="Every role that can be granted, with its permissions.")
    def roles(self, info: Info) -> list[Role]:
        return [role_of(info, r.name) for r in info.context.host.registry.all()]

    @strawberry.field(description="Districts the viewer may see, by name.")
    async def districts(self, info: Info) -> list[DistrictT]:
        return (
            await visible(info.context.viewer, m.Area).filter(level=AreaLevel.DISTRICT).order_by("name", "id")
        )

    @strawberry.field(description="One area by global id; null when unknown or out of scope.")
    async def area(self, info: Info, id: strawberry.ID) -> Area | None:
        return await info.context.runtime.nodes.resolve(info, id, *AREA_TYPE_NAMES)

    @strawberry.field(
        description="Areas the viewer may see, by level, parent and name substring; ordered by level then name."
    )
    async def areas(
        self,
        info: Info,
        level: AreaLevel | None = None,
        parent_id: strawberry.ID | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Area]:
        qs = visible(info.context.viewer, m.Area)
        if level is not None:
            qs = qs.filter(level=level)
        if parent_id is not None:
            pk = _area_pk(parent_id)
            qs = qs.filter(parent_id=pk) if pk else qs.filter(NO_ROWS)
        if term := search_term(search):
            qs = qs.filter(name__icontains=term)
        return await connection_from_queryset(qs.order_by("level", "name", "id"), first, after)

    @strawberry.field(
        description="Communities the viewer may see, optionally of one subdistrict or matching a name; by name."
    )
    async def communities(
        self,
        info: Info,
        subdistrict_id: strawberry.ID | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CommunityT]:
        qs = visible(info.context.viewer, m.Area).filter(level=AreaLevel.COMMUNITY)
        if subdistrict_id is not None:
            pk = _area_pk(subdistrict_id, "Subdistrict")
            qs = qs.filter(parent_id=pk) if pk else qs.filter(NO_ROWS)
        if term := search_term(search):
            qs = qs.filter(name__icontains=term)
        return await connection_from_queryset(qs.order_by("name", "id"), first, after)

    @strawberry.field(description="Residents the viewer may see, filtered and ordered (default: by id).")
    async def residents(
        self,
        info: Info,
        filter: ResidentFilter | None = None,
        order_by: ResidentOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ResidentT]:
        where, _ = await resident_where(info, filter)
        qs = order_residents(info, visible(info.context.viewer, m.Resident).filter(where), order_by)
        return await connection_from_queryset(qs, first, after, last, before)

    @strawberry.field(
        description="Dwelling units the viewer may see, by building or compound and usage; by label."
    )
    async def units(
        self,
        info: Info,
        building_id: strawberry.ID | None = None,
        compound_id: strawberry.ID | None = None,
        usage: UnitUsage | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[UnitT]:
        qs = visible(info.context.viewer, m.Unit)
        if building_id is not None:
            pk = _area_pk(building_id, "Building")
            qs = qs.filter(building_id=pk) if pk else qs.filter(NO_ROWS)
        if compound_id is not None:
            pk = _area_pk(compound_id, "Compound")
            qs = qs.filter(**{lineage_column(AreaLevel.COMPOUND): pk}) if pk else qs.filter(NO_ROWS)
        if usage is not None:
            qs = qs.filter(usage=usage)
        return await connection_from_queryset(qs.order_by("building_id", "label", "id"), first, after)

    @strawberry.field(description="Partner organisations, by kind, community partnership or name; by name.")
    async def organizations(
        self,
        info: Info,
        kind: OrganizationKind | None = None,
        community_id: strawberry.ID | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OrganizationT]:
        qs = visible(info.context.viewer, m.Organization)
        if kind is not None:
            qs = qs.filter(kind=kind)
        if community_id is not None:
            pk = _area_pk(community_id, "Community")
            # A community outside the viewer's scope is an unknown id: its partnerships stay hidden.
            community = await info.context.loaders.by_id(m.Area).load(pk) if pk else None
            if community is not None and community.level == AreaLevel.COMMUNITY:
                qs = qs.filter(partner_links__community_id=pk).distinct()
            else:
                qs = qs.filter(NO_ROWS)
        if term := search_term(search):
            qs = qs.filter(name__icontains=term)
        return await connection_from_queryset(qs.order_by("name", "id"), first, after)

    @strawberry.field(description="The signed-in user's notifications, newest first.")
    async def my_notifications(
        self,
        info: Info,
        unread_only: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NotificationType]:
        qs = visible(info.context.viewer, m.Notification)
        if unread_only:
            qs = qs.filter(read_at__isnull=True)
        return await connection_from_queryset(qs.order_by("-created_at", "-id"), first, after)
