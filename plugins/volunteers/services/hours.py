"""Hours arithmetic: how check-in and check-out times become credited hours."""

from __future__ import annotations

import datetime as dt
import math

QUARTER = 15 * 60  # seconds
MAX_HOURS = 24.0


def activity_length(starts_at: dt.datetime, ends_at: dt.datetime) -> float:
    """The activity's length in hours: the most a signup is credited."""
    return max(0.0, (ends_at - starts_at).total_seconds() / 3600)


def credited_hours(
    checked_in: dt.datetime, checked_out: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime
) -> float:
    """Checkout minus checkin, capped at the activity's length (endsAt - startsAt),
    rounded to the nearest quarter hour with halves rounded up (7m30s -> 0.25 h,
    7m29s -> 0 h). A checkout before the checkin counts as 0."""
    served = (checked_out - checked_in).total_seconds()
    length = (ends_at - starts_at).total_seconds()
    seconds = max(0.0, min(served, length))
    return math.floor(seconds / QUARTER + 0.5) / 4
