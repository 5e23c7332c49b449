"""Small rules shared by the services: votes, quorum, participants' defaults."""

from __future__ import annotations

from collections.abc import Iterable

from plugins.deliberation.enums import FIXED_PARTIES, MeetingFormat, MeetingStatus, ParticipantCategory

QUORUM_NOT_MET = "QUORUM_NOT_MET"


def adopted(votes_for: int, votes_against: int, abstentions: int) -> bool:
    """More votes for than against; a decision taken by consensus (no votes at all) is adopted."""
    return votes_for > votes_against or (votes_for == votes_against == abstentions == 0)


def missing_categories(
    fmt: MeetingFormat, status: MeetingStatus, participants: Iterable
) -> list[ParticipantCategory]:
    """The fixed parties (CHAIR and the six) absent from a ONE_SIX_X meeting: among those invited
    while it is planned (or was cancelled), among those who attended once it is held."""
    if fmt != MeetingFormat.ONE_SIX_X:
        return []
    held = status == MeetingStatus.HELD
    present = {p.category for p in participants if p.attended or not held}
    return [c for c in FIXED_PARTIES if c not in present]
