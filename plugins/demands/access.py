"""Who may read and do what with demands and whistles.

- Staff read demands inside the scope of ``demands.demand.read``, submit them for
  residents inside ``demands.demand.submit`` and dispatch, reject and record delivery
  inside ``demands.demand.dispatch`` (the demand's area lineage).
- A resident reads the demands they submitted (or that were entered for them) and
  the PUBLIC demands of their compound and of their community (at or below the
  community they live in); they submit, withdraw, ask for rework and rate
  only their own.
- A liaison (OrganizationLiaison) reads the demands offered to their organisation and
  the whistles that summoned it, and answers for that organisation only.
- Whistles: read with ``demands.demand.read`` or ``demands.whistle.blow`` over their
  area, blown, resolved and cancelled with ``demands.whistle.blow``.
- Categories are the deployment's: any signed-in user reads them; managing them needs
  ``demands.category.manage`` held at district level.
- Out-of-scope rows are absent (core.access.visible): null / NOT_FOUND, never counted.
"""

from __future__ import annotations

from tortoise.expressions import Subquery

from core.access import visible
from core.enums import AreaLevel
from core.permissions import Viewer
from core.scopes import EVERYWHERE, NOWHERE, RowScope, any_of, where
from plugins.demands.enums import DemandScope
from plugins.demands.models import (
    Demand,
    DemandAssignment,
    DemandCategory,
    DemandEvent,
    LedgerCounter,
    OrganizationLiaison,
    Whistle,
    WhistleCall,
)

READ = "demands.demand.read"
SUBMIT = "demands.demand.submit"
DISPATCH = "demands.demand.dispatch"
BLOW = "demands.whistle.blow"
CATEGORY_MANAGE = "demands.category.manage"
LIAISON_MANAGE = "demands.liaison.manage"

PERMISSIONS = {
    READ: "Read the demands (party-building project ledger) and whistles of the area, with their statistics.",
    SUBMIT: "Enter demands for residents or for the community (点单) in the area.",
    DISPATCH: "Dispatch demands of the area to partner organisations (下单), reject them and record delivery.",
    BLOW: "Blow the whistle (街道吹哨) on problems in the area, resolve and cancel whistles.",
    CATEGORY_MANAGE: "Create and change demand categories and their SLA (held at district level).",
    LIAISON_MANAGE: "Name and remove the liaisons who answer for partner organisations.",
}


def liaison_orgs(viewer: Viewer):
    """Subquery: ids of the organisations the viewer is a liaison of."""
    return Subquery(OrganizationLiaison.filter(user_id=viewer.user_id or 0).values("organization_id"))


def demand_policy(viewer: Viewer) -> RowScope:
    lineage = list(viewer.resident_lineage)
    return any_of(
        viewer.scope(READ).rows(),
        where(submitter_id=viewer.resident_id) if viewer.resident_id else None,
        where(entered_by_id=viewer.user_id) if viewer.user_id else None,
        # Their community's shared needs, wherever in it they were raised (the community
        # itself or any of its compounds): the hall down the road is theirs too.
        where(scope=DemandScope.PUBLIC, community_ref__in=lineage) if lineage else None,
        where(
            id__in=Subquery(
                DemandAssignment.filter(organization_id__in=liaison_orgs(viewer)).values("demand_id")
            )
        )
        if viewer.user_id
        else None,
    )


def assignment_policy(viewer: Viewer) -> RowScope:
    return any_of(
        where(demand_id__in=Subquery(visible(viewer, Demand).values("id"))),
        where(organization_id__in=liaison_orgs(viewer)) if viewer.user_id else None,
    )


def _of_visible_demands(viewer: Viewer) -> RowScope:
    return where(demand_id__in=Subquery(visible(viewer, Demand).values("id")))


def whistle_policy(viewer: Viewer) -> RowScope:
    return any_of(
        viewer.scope(READ).rows(),
        viewer.scope(BLOW).rows(),
        where(
            id__in=Subquery(WhistleCall.filter(organization_id__in=liaison_orgs(viewer)).values("whistle_id"))
        )
        if viewer.user_id
        else None,
    )


def _of_visible_whistles(viewer: Viewer) -> RowScope:
    return where(whistle_id__in=Subquery(visible(viewer, Whistle).values("id")))


def _category_policy(viewer: Viewer) -> RowScope:
    return EVERYWHERE if viewer.authenticated else NOWHERE


def _liaison_policy(viewer: Viewer) -> RowScope:
    # Who answers for a partner organisation is part of the (public) directory entry.
    return EVERYWHERE if viewer.can("organization.read") else NOWHERE


def _counter_policy(viewer: Viewer) -> RowScope:
    return NOWHERE


def manages_categories(viewer: Viewer) -> bool:
    """Categories are deployment-wide: the permission must hold over a whole district."""
    scope = viewer.scope(CATEGORY_MANAGE)
    return scope.everywhere or any(level == AreaLevel.DISTRICT for level, _ in scope.roots)


async def is_liaison(user_id: int | None, organization_id: int) -> bool:
    if user_id is None:
        return False
    return await OrganizationLiaison.filter(user_id=user_id, organization_id=organization_id).exists()


async def liaison_org_ids(user_id: int | None) -> set[int]:
    if user_id is None:
        return set()
    return set(await OrganizationLiaison.filter(user_id=user_id).values_list("organization_id", flat=True))


def is_submitter(viewer: Viewer, demand: Demand) -> bool:
    """The resident whose need it is, or (for a demand without one) the account that entered it."""
    if demand.submitter_id is not None:
        return viewer.resident_id is not None and viewer.resident_id == demand.submitter_id
    return viewer.user_id is not None and viewer.user_id == demand.entered_by_id


# Registered through lastmile_access_policies (plugin.py).
POLICIES = {
    Demand: demand_policy,
    DemandAssignment: assignment_policy,
    DemandEvent: _of_visible_demands,
    DemandCategory: _category_policy,
    LedgerCounter: _counter_policy,
    OrganizationLiaison: _liaison_policy,
    Whistle: whistle_policy,
    WhistleCall: _of_visible_whistles,
}
