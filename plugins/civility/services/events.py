"""Live updates: every change to a nomination (status, score, vote, objection)
is published after its mutation commits, for civilityNominationUpdated."""

from __future__ import annotations

from core.events import emit

NOMINATION_UPDATED = "civility.nomination.updated"


def nomination_changed(context, nomination) -> None:
    emit(context, NOMINATION_UPDATED, nomination_id=nomination.id, campaign_id=nomination.campaign_id)
