"""Per-request DataLoaders for the plugin's fields: one statement per field per request.

A demand or whistle is only reached through ``core.access.visible``; its assignments,
events and calls are then loaded by its id without a second filter. The organisations,
users and areas named on a visible demand are shown as its context, unscoped, the way
core shows a grant's area (each is scoped again by its own loaders beyond that).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from strawberry.types import Info
from tortoise.expressions import Subquery
from tortoise.models import Model

from core import clock
from core import models as m
from core.access import visible
from plugins.demands import stats as figures
from plugins.demands.access import liaison_orgs
from plugins.demands.enums import RUNNING_STATUSES, DemandAssignmentStatus
from plugins.demands.models import (
    Demand,
    DemandAssignment,
    DemandCategory,
    DemandEvent,
    OrganizationLiaison,
    Whistle,
    WhistleCall,
)

NS = "demands"


def _l(info: Info):
    return info.context.loaders


def _children(info: Info, model: type[Model], fk: str, order: tuple[str, ...]):
    async def batch(keys: list[int]) -> list[list[Model]]:
        groups: dict[int, list[Model]] = defaultdict(list)
        for row in await model.filter(**{f"{fk}__in": sorted(set(keys))}).order_by(*order):
            groups[getattr(row, fk)].append(row)
        return [groups.get(k, []) for k in keys]

    return _l(info).custom((NS, "children", model.__name__), batch)


def assignments(info: Info):
    return _children(info, DemandAssignment, "demand_id", ("offered_at", "id"))


def events(info: Info):
    return _children(info, DemandEvent, "demand_id", ("at", "id"))


def calls(info: Info):
    return _children(info, WhistleCall, "whistle_id", ("id",))


def users(info: Info):
    return _l(info).context_by_id(m.User)


def areas(info: Info):
    return _l(info).context_by_id(m.Area)


def organizations(info: Info):
    return _l(info).context_by_id(m.Organization)


def categories(info: Info):
    return _l(info).context_by_id(DemandCategory)


def demands_as_context(info: Info):
    """The demand of an assignment the viewer may read (a liaison's offer)."""
    return _l(info).context_by_id(Demand)


def whistles_as_context(info: Info):
    return _l(info).context_by_id(Whistle)


def demand_whistles(info: Info):
    """The latest whistle blown for each demand, among those the viewer may read."""
    viewer = info.context.viewer

    async def batch(demand_ids: list[int]) -> list[Whistle | None]:
        found: dict[int, Whistle] = {}
        rows = (
            visible(viewer, Whistle).filter(demand_id__in=sorted(set(demand_ids))).order_by("blown_at", "id")
        )
        for row in await rows:
            found[row.demand_id] = row  # the latest wins
        return [found.get(i) for i in demand_ids]

    return _l(info).custom((NS, "demand_whistles"), batch)


def resident_demands(info: Info):
    """Visible demands of each resident, newest first."""
    viewer = info.context.viewer

    async def batch(resident_ids: list[int]) -> list[list[Demand]]:
        groups: dict[int, list[Demand]] = defaultdict(list)
        rows = visible(viewer, Demand).filter(submitter_id__in=sorted(set(resident_ids)))
        for row in await rows.order_by("-submitted_at", "-id"):
            groups[row.submitter_id].append(row)
        return [groups.get(r, []) for r in resident_ids]

    return _l(info).custom((NS, "resident_demands"), batch)


def organization_assignments(info: Info, status):
    """Visible assignments of each organisation, newest offer first."""
    viewer = info.context.viewer

    async def batch(org_ids: list[int]) -> list[list[DemandAssignment]]:
        qs = visible(viewer, DemandAssignment).filter(organization_id__in=sorted(set(org_ids)))
        if status is not None:
            qs = qs.filter(status=status)
        groups: dict[int, list[DemandAssignment]] = defaultdict(list)
        for row in await qs.order_by("-offered_at", "-id"):
            groups[row.organization_id].append(row)
        return [groups.get(o, []) for o in org_ids]

    return _l(info).custom((NS, "organization_assignments", status), batch)


def liaisons(info: Info):
    """The liaison accounts of each organisation (shown with the directory entry)."""
    viewer = info.context.viewer

    async def batch(org_ids: list[int]) -> list[list[m.User]]:
        links = (
            await visible(viewer, OrganizationLiaison)
            .filter(organization_id__in=sorted(set(org_ids)))
            .order_by("id")
            .values("organization_id", "user_id")
        )
        user_ids = sorted({link["user_id"] for link in links})
        found = {u.id: u for u in await m.User.filter(id__in=user_ids)} if user_ids else {}
        groups: dict[int, list[m.User]] = defaultdict(list)
        for link in links:
            if link["user_id"] in found:
                groups[link["organization_id"]].append(found[link["user_id"]])
        return [groups.get(o, []) for o in org_ids]

    return _l(info).custom((NS, "liaisons"), batch)


def my_offer_demands(viewer):
    """Demands with an offer waiting for an answer from an organisation the viewer is a liaison of."""
    waiting = DemandAssignment.filter(
        organization_id__in=liaison_orgs(viewer), status=DemandAssignmentStatus.OFFERED
    ).values("demand_id")
    return visible(viewer, Demand).filter(id__in=Subquery(waiting), status__in=list(RUNNING_STATUSES))


# ---------------------------------------------------------------- statistics, batched over areas


def _stats_loader(
    info: Info, name: str, column: str, frm: dt.datetime | None, to: dt.datetime | None, compute
):
    async def batch(area_ids: list[int]):
        found = await compute(info.context.viewer, column, area_ids, frm, to)
        return [found[i] for i in area_ids]

    return _l(info).custom((NS, name, column, frm, to), batch)


def stats(info: Info, column: str, frm, to):
    return _stats_loader(
        info, "stats", column, frm, to, lambda v, c, ids, f, t: figures.tallies(v, c, ids, f, t, clock.now())
    )


def stats_by_category(info: Info, column: str, frm, to):
    return _stats_loader(info, "by_category", column, frm, to, figures.by_category)


def stats_organizations(info: Info, column: str, frm, to):
    return _stats_loader(info, "organizations", column, frm, to, figures.organizations)


def stats_whistles(info: Info, column: str, frm, to):
    return _stats_loader(
        info,
        "whistles",
        column,
        frm,
        to,
        lambda v, c, ids, f, t: figures.whistles(v, c, ids, f, t, clock.now()),
    )
