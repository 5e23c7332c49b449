"""The plugin's permissions and roles, and who sees which civility rows (its access policies).

A campaign is visible to holders of civility.campaign.read whose scope
overlaps its area (the area lies within the scope, or the scope lies within
the area) and to residents whose home lies in its area. Nominations, votes,
objections and criteria are visible exactly when their campaign is:
selections are public within the campaign area (公示). Individual scores,
which name their assessor, are for staff only; residents see the totals.
"""

from __future__ import annotations

from core.permissions import RoleDef, Viewer
from core.scopes import NOWHERE, RowScope, where
from plugins.civility import models as cm

READ = "civility.campaign.read"
MANAGE = "civility.campaign.manage"
NOMINATE = "civility.nominate"
ASSESS = "civility.assess"
VOTE = "civility.vote"

PERMISSIONS = {
    READ: "See civility campaigns covering the area, their nominations, scores, votes and objections.",
    MANAGE: "Create, advance and cancel civility campaigns of the area; withdraw nominations; decide objections.",
    NOMINATE: "Nominate units and residents of the area in civility campaigns.",
    ASSESS: "Review (approve or reject) and score nominations of the area while a campaign is SCORING.",
    VOTE: "Vote, as a resident, for nominations in campaigns covering the resident's home.",
}

ROLES = [
    # Assessors must see the households and people they rate: core read permissions too.
    RoleDef(
        "assessor",
        "Civility assessor (评审员): reviews and scores nominations of the area.",
        frozenset({READ, ASSESS, "area.read", "resident.read"}),
    ),
    RoleDef("area_manager", "", frozenset({READ, MANAGE, NOMINATE})),
    RoleDef("community_worker", "", frozenset({READ, NOMINATE})),
    RoleDef("grid_worker", "", frozenset({READ, NOMINATE})),
    RoleDef("resident", "", frozenset({VOTE})),
]


def ancestors_of_grants(viewer: Viewer, permission: str) -> set[int]:
    """Areas strictly above the areas where ``permission`` is granted: a campaign
    run there still concerns the grantee (a district campaign concerns a community worker)."""
    ids: set[int] = set()
    for grant in viewer.grants:
        if permission in viewer.permissions_of(grant):
            ids.update(grant.lineage)
    return ids


def lives_in(viewer: Viewer, area_id: int) -> bool:
    """Whether the viewer is a resident whose home lies in (or is) the area."""
    return bool(viewer.resident_id) and area_id in viewer.resident_lineage


def campaign_rows(viewer: Viewer, prefix: str = "", *, residents: bool = True) -> RowScope:
    above = ancestors_of_grants(viewer, READ) | (set(viewer.resident_lineage) if residents else set())
    return viewer.scope(READ).rows(prefix) | (
        where(**{f"{prefix}area_id__in": sorted(above)}) if above else NOWHERE
    )


def _campaign_policy(viewer: Viewer) -> RowScope:
    return campaign_rows(viewer)


def _criterion_policy(viewer: Viewer) -> RowScope:
    return campaign_rows(viewer, "campaign__")


def _nomination_policy(viewer: Viewer) -> RowScope:
    return campaign_rows(viewer, "campaign__")


def _score_policy(viewer: Viewer) -> RowScope:
    return campaign_rows(viewer, "nomination__campaign__", residents=False)


def _vote_policy(viewer: Viewer) -> RowScope:
    return campaign_rows(viewer, "nomination__campaign__")


def _objection_policy(viewer: Viewer) -> RowScope:
    return campaign_rows(viewer, "nomination__campaign__")


# Registered through lastmile_access_policies (plugin.py).
POLICIES = {
    cm.Campaign: _campaign_policy,
    cm.Criterion: _criterion_policy,
    cm.Nomination: _nomination_policy,
    cm.Score: _score_policy,
    cm.Vote: _vote_policy,
    cm.Objection: _objection_policy,
}
