"""Hours: check-in/check-out arithmetic, verification, no-shows and service logs."""

from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.ids import decode_int_gid
from core.testing import make_user, token_for
from plugins.volunteers import models as vm
from plugins.volunteers.services.hours import credited_hours
from plugins.volunteers.tests.helpers import (
    CHECK_IN,
    CHECK_OUT,
    CLOSE,
    COMPLETE,
    NO_SHOW,
    VERIFY,
    VOLUNTEER,
    call,
    codes,
    gid_of,
    ok,
    open_activity,
    register,
    sign_up,
    world_with_coordinator,
)

LOG = """mutation($input: LogServiceInput!) { logService(input: $input) {
  serviceLog { id hours servedOn description verified volunteer { id } } userErrors { code field } } }"""
VERIFY_LOG = """mutation($id: ID!) { verifyServiceLog(serviceLogId: $id) {
  serviceLog { id verified } userErrors { code field } } }"""

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("served", "length", "expected"),
    [
        (dt.timedelta(hours=2), dt.timedelta(hours=3), 2.0),
        (dt.timedelta(minutes=7, seconds=30), dt.timedelta(hours=3), 0.25),  # a half quarter rounds up
        (dt.timedelta(minutes=7, seconds=29), dt.timedelta(hours=3), 0.0),
        (dt.timedelta(minutes=52, seconds=30), dt.timedelta(hours=3), 1.0),
        (dt.timedelta(minutes=68), dt.timedelta(hours=3), 1.25),
        (dt.timedelta(hours=5), dt.timedelta(hours=3), 3.0),  # capped at the activity's length
        (dt.timedelta(hours=5), dt.timedelta(minutes=100), 1.75),  # cap, then rounding
        (-dt.timedelta(minutes=5), dt.timedelta(hours=3), 0.0),
    ],
)
def test_credited_hours_rounding_and_cap(served, length, expected):
    assert credited_hours(T0, T0 + served, T0, T0 + length) == expected


async def _checked_in(client, w, *, length: float = 3, starts: float = -1):
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang_wife"])
    a = await open_activity(client, token, gid_of(w.c1), starts=starts, length=length)
    s = await sign_up(client, token, a, v)
    checked = await ok(client, CHECK_IN, {"s": s["id"]}, token, "checkIn")
    assert checked["signup"]["status"] == "CHECKED_IN" and checked["signup"]["checkedInAt"]
    return v, a, s["id"]


async def _backdate_check_in(signup_gid: str, minutes: float) -> None:
    pk = decode_int_gid(signup_gid, "ActivitySignup")
    await vm.ActivitySignup.filter(id=pk).update(
        checked_in_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    )


async def test_check_out_computes_hours_and_coordinator_verifies(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v, a, s = await _checked_in(client, w, length=3)
    assert codes(await call(client, CHECK_IN, {"s": s}, token, "checkIn")) == ["INVALID_TRANSITION"]
    assert codes(await call(client, VERIFY, {"s": s, "h": None}, token, "verifySignupHours")) == [
        "INVALID_TRANSITION"
    ]
    await _backdate_check_in(s, 2 * 60 + 5)  # 2h05m -> 2.0 h
    out = await ok(client, CHECK_OUT, {"s": s}, token, "checkOut")
    assert out["signup"]["status"] == "CHECKED_OUT" and out["signup"]["hours"] == 2.0
    assert out["signup"]["verified"] is False
    assert codes(await call(client, CHECK_OUT, {"s": s}, token, "checkOut")) == ["INVALID_TRANSITION"]

    vol = (await client.data(VOLUNTEER, {"id": v}, token))["volunteer"]
    assert (vol["verifiedHours"], vol["totalHours"]) == (0.0, 2.0)

    for bad in (-0.5, 24.25):
        p = await call(client, VERIFY, {"s": s, "h": bad}, token, "verifySignupHours")
        assert codes(p) == ["OUT_OF_RANGE"] and p["userErrors"][0]["field"] == ["hours"]
    # Only coordinators verify: the grid worker reads but may not.
    assert codes(
        await call(client, VERIFY, {"s": s, "h": None}, w.tokens["c1_grid"], "verifySignupHours")
    ) == ["FORBIDDEN"]
    verified = await ok(client, VERIFY, {"s": s, "h": None}, token, "verifySignupHours")
    assert verified["signup"]["verified"] is True and verified["signup"]["hours"] == 2.0
    corrected = await ok(client, VERIFY, {"s": s, "h": 2.5}, token, "verifySignupHours")
    assert corrected["signup"]["hours"] == 2.5
    vol = (await client.data(VOLUNTEER, {"id": v}, token))["volunteer"]
    assert (vol["verifiedHours"], vol["totalHours"]) == (2.5, 2.5)
    data = await client.data(
        "query($id: ID!) { node(id: $id) { ... on ActivitySignup { verifiedBy { username } } } }",
        {"id": s},
        w.tokens["super"],
    )
    assert data["node"]["verifiedBy"]["username"] == "coord"


async def test_hours_capped_at_activity_length(client):
    w = await world_with_coordinator()
    _, a, s = await _checked_in(client, w, length=1.5)
    await _backdate_check_in(s, 4 * 60)
    await ok(client, CLOSE, {"a": a}, w.tokens["coord"], "closeVolunteerActivity")
    await ok(client, COMPLETE, {"a": a}, w.tokens["coord"], "completeVolunteerActivity")
    out = await ok(client, CHECK_OUT, {"s": s}, w.tokens["coord"], "checkOut")  # still allowed once COMPLETED
    assert out["signup"]["hours"] == 1.5


async def test_short_stay_rounds_to_quarter(client):
    w = await world_with_coordinator()
    _, _, s = await _checked_in(client, w)
    await _backdate_check_in(s, 68)  # 1h08m -> 4.53 quarters -> 1.25 h
    assert (await ok(client, CHECK_OUT, {"s": s}, w.tokens["coord"], "checkOut"))["signup"]["hours"] == 1.25


async def test_check_in_any_time_no_show_once_under_way(client):
    """Check-in is open while the activity is OPEN or CLOSED (early arrivals are
    credited no more than the activity's length); a no-show needs the activity
    to have started or its signups closed."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang"])
    wife = await register(client, token, w.residents["zhang_wife"])
    later = await open_activity(client, token, gid_of(w.c1), starts=3)
    s = await sign_up(client, token, later, v)
    other = await sign_up(client, token, later, wife)
    assert codes(await call(client, NO_SHOW, {"s": other["id"]}, token, "markNoShow")) == [
        "INVALID_TRANSITION"
    ]
    assert (await ok(client, CHECK_IN, {"s": s["id"]}, token, "checkIn"))["signup"]["status"] == "CHECKED_IN"
    await ok(client, CLOSE, {"a": later}, token, "closeVolunteerActivity")
    assert (await ok(client, NO_SHOW, {"s": other["id"]}, token, "markNoShow"))["signup"][
        "status"
    ] == "NO_SHOW"


async def test_no_show_and_self_verification(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    zhang = await register(client, token, w.residents["zhang"])
    a = await open_activity(client, token, gid_of(w.c1), starts=-1, length=2)
    s = await sign_up(client, token, a, zhang)
    no_show = await ok(client, NO_SHOW, {"s": s["id"]}, token, "markNoShow")
    assert no_show["signup"]["status"] == "NO_SHOW" and no_show["signup"]["hours"] is None
    assert no_show["signup"]["activity"]["signupCount"] == 1
    assert codes(await call(client, CHECK_IN, {"s": s["id"]}, token, "checkIn")) == ["INVALID_TRANSITION"]
    assert codes(await call(client, VERIFY, {"s": s["id"], "h": 1}, token, "verifySignupHours")) == [
        "INVALID_TRANSITION"
    ]

    # A coordinator who is also the volunteer may not verify their own hours.
    self_coord = await make_user(
        "zhang_coord", [("volunteer_coordinator", w.c1)], resident=w.residents["zhang_wife"]
    )
    wife = await register(client, token, w.residents["zhang_wife"])
    b = await open_activity(client, token, gid_of(w.c1), starts=-1, length=2)
    sw = await sign_up(client, token, b, wife)
    await ok(client, CHECK_IN, {"s": sw["id"]}, token, "checkIn")
    await ok(client, CHECK_OUT, {"s": sw["id"]}, token, "checkOut")
    own = await call(client, VERIFY, {"s": sw["id"], "h": 8}, token_for(self_coord), "verifySignupHours")
    assert codes(own) == ["FORBIDDEN"]


async def test_service_logs(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang"])
    today = clock.today().isoformat()

    def log(hours, served=today, description="楼道清理"):
        return {"input": {"volunteerId": v, "servedOn": served, "hours": hours, "description": description}}

    for bad in (0, -1, 24.5):
        assert codes(await call(client, LOG, log(bad), token, "logService")) == ["OUT_OF_RANGE"]
    future = (clock.today() + dt.timedelta(days=2)).isoformat()
    assert codes(await call(client, LOG, log(2, future), token, "logService")) == ["OUT_OF_RANGE"]
    assert codes(await call(client, LOG, log(2, description=""), token, "logService")) == ["INVALID_INPUT"]
    assert codes(await call(client, LOG, log(2), w.tokens["c1_grid"], "logService")) == ["FORBIDDEN"]
    first = (await ok(client, LOG, log(2.5), token, "logService"))["serviceLog"]
    assert first["hours"] == 2.5 and first["verified"] is False
    await ok(client, LOG, log(24), token, "logService")
    vol = (await client.data(VOLUNTEER, {"id": v}, token))["volunteer"]
    assert (vol["verifiedHours"], vol["totalHours"]) == (0.0, 26.5)
    assert (await ok(client, VERIFY_LOG, {"id": first["id"]}, token, "verifyServiceLog"))["serviceLog"][
        "verified"
    ]
    assert codes(await call(client, VERIFY_LOG, {"id": first["id"]}, token, "verifyServiceLog")) == [
        "INVALID_TRANSITION"
    ]
    vol = (await client.data(VOLUNTEER, {"id": v}, token))["volunteer"]
    assert (vol["verifiedHours"], vol["totalHours"]) == (2.5, 26.5)
    # The volunteer sees their own log; another community's worker does not.
    mine = await client.data(
        "{ me { resident { volunteer { serviceLogs { totalCount } } } } }", token=w.tokens["resident"]
    )
    assert mine["me"]["resident"]["volunteer"]["serviceLogs"]["totalCount"] == 2
    assert (
        await client.data(
            "query($id: ID!) { node(id: $id) { id } }", {"id": first["id"]}, w.tokens["c2_worker"]
        )
    )["node"] is None
