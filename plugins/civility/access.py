"""Who sees which civility rows (registered with core's permission layer).

A campaign is visible to holders of civility.campaign.read whose scope
overlaps its area (the area lies within the scope, or the scope lies within
the area) and to residents whose home lies in its area. Nominations, votes,
objections and criteria are visible exactly when their campaign is:
selections are public within the campaign area (公示). Individual scores,
which name their assessor, are for staff only; residents see the totals.
"""

from __future__ import annotations

from core.permissions import Viewer
from core.scopes import NOWHERE, RowScope, where
from plugins.civility import models as cm
from plugins.civility.permissions import READ, ancestors_of_grants


def campaign_rows(viewer: Viewer, prefix: str = "", *, residents: bool = True) -> RowScope:
    above = ancestors_of_grants(viewer, READ) | (set(viewer.resident_lineage) if residents else set())
    return viewer.scope(READ).rows(prefix) | (where(**{f"{prefix}area_id__in": sorted(above)}) if above else NOWHERE)


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
