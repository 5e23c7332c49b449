"""The plugin's permission strings and roles, and the area rules built on them."""

from __future__ import annotations

from core.permissions import RoleDef, Viewer

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
    RoleDef("assessor", "Civility assessor (评审员): reviews and scores nominations of the area.",
            frozenset({READ, ASSESS, "area.read", "resident.read"})),
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
