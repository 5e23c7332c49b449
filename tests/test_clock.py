"""One district time zone (LASTMILE_TIME_ZONE, default Asia/Shanghai) decides what "today" means."""

import datetime as dt

import pydantic
import pytest

from core import clock
from core.settings import Settings, get_settings
from core.testing import build_world

MOVE_OUT = """mutation($input: MoveOutResidentInput!) {
  moveOutResident(input: $input) { resident { movedOutOn } userErrors { field code } } }"""


@pytest.fixture
def district_zone(monkeypatch):
    """A zone whose calendar day differs from the server's right now (one of UTC+14 and UTC-12 always does)."""
    server_today = dt.date.today()
    for name in ("Pacific/Kiritimati", "Etc/GMT+12"):
        if dt.datetime.now(dt.UTC).astimezone(clock._zone(name)).date() != server_today:
            break
    monkeypatch.setenv("LASTMILE_TIME_ZONE", name)
    get_settings.cache_clear()
    yield name
    monkeypatch.undo()
    get_settings.cache_clear()


def test_default_zone_is_the_districts():
    assert Settings(_env_file=None).time_zone == "Asia/Shanghai"
    with pytest.raises(pydantic.ValidationError, match="IANA"):
        Settings(LASTMILE_TIME_ZONE="Mars/Olympus")


async def test_today_is_the_districts_not_the_servers(core_client, district_zone):
    w = await build_world()
    local_today = dt.datetime.now(dt.UTC).astimezone(clock.zone()).date()
    assert clock.today() == local_today != dt.date.today()
    zhang, wang = w.gid(w.residents["zhang"]), w.gid(w.residents["wang"])
    # The default move-out day is the district's today.
    data = await core_client.data(MOVE_OUT, {"input": {"residentId": zhang}}, w.tokens["s1_manager"])
    assert data["moveOutResident"]["resident"]["movedOutOn"] == local_today.isoformat()
    # The district's tomorrow is the future, whatever the server's calendar says.
    tomorrow = (local_today + dt.timedelta(days=1)).isoformat()
    data = await core_client.data(
        MOVE_OUT, {"input": {"residentId": wang, "movedOutOn": tomorrow}}, w.tokens["s1_manager"]
    )
    assert data["moveOutResident"]["userErrors"] == [
        {"field": ["input", "movedOutOn"], "code": "INVALID_INPUT"}
    ]


def test_local_dates_and_midnights():
    at = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on 1 January in Shanghai
    assert clock.local_date(at) == dt.date(2027, 1, 1)
    assert clock.local_midnight(dt.date(2027, 1, 1)) == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert clock.local_midnight(dt.date.min).year == 1
