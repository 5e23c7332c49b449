"""The district's calendar: what "today" and a local date mean.

A district lives in one time zone (LASTMILE_TIME_ZONE, default Asia/Shanghai);
the server may run in UTC or anywhere else. Every "today" (a birth date not in
the future, a default move-in day, ages, a service day) and every local date of
an instant (a case's year, an agreement's day) is the district's, never the
server's. Instants are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.settings import get_settings

DEFAULT_TIME_ZONE = "Asia/Shanghai"


class UnknownTimeZone(ValueError):
    pass


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(
            f"LASTMILE_TIME_ZONE={name!r} is not an IANA time zone (e.g. Asia/Shanghai)"
        ) from exc


def zone() -> ZoneInfo:
    """The district's time zone."""
    return _zone(get_settings().time_zone)


def now() -> dt.datetime:
    """The current instant, in UTC (how instants are stored)."""
    return dt.datetime.now(dt.UTC)


def local_date(at: dt.datetime) -> dt.date:
    """The district's calendar day at instant ``at`` (naive values are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(zone()).date()


def today() -> dt.date:
    """Today in the district."""
    return local_date(now())


def local_midnight(day: dt.date) -> dt.datetime:
    """The instant the district's ``day`` begins (for periods given as dates), in UTC: SQLite
    compares stored instants as text, so a bound must be written in the same offset."""
    if day == dt.date.min:  # no instant before it: converting to UTC would leave the calendar
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone()).astimezone(dt.UTC)
