"""The demo district's deliberation: 1+1+1 nearly everywhere, a year of meetings of every kind,
the report's own meetings, topics in every status and a handled rate near the report's 90%."""

from __future__ import annotations

import collections
import time

from core import models as m
from core.api.relay import gid_of
from core.demo import load_demo
from core.enums import AreaLevel
from core.plugins import PluginHost
from core.testing import TEST_PLUGINS, token_for
from plugins.deliberation.enums import MeetingKind, MeetingStatus, TopicStatus
from plugins.deliberation.models import DeliberationMeeting, DeliberationTopic, MeetingParticipant
from plugins.deliberation.tests.helpers import STATS

COVERAGE = """query($a: ID!) { charterCoverage(areaId: $a) { areas withRules withCovenant withVenue complete
  incomplete(first: 100) { area { level } complete } } }"""


async def test_the_demo_year_of_deliberation(client):
    started = time.monotonic()
    ctx = await load_demo(PluginHost(TEST_PLUGINS), 300)
    elapsed = time.monotonic() - started
    admin = token_for(await m.User.get(username="admin"))
    cov = (await client.data(COVERAGE, {"a": gid_of(ctx.district)}, admin))["charterCoverage"]
    # Every community and compound of the district (other plugins' demo data may add compounds).
    areas = await m.Area.filter(level__in=[AreaLevel.COMMUNITY, AreaLevel.COMPOUND]).count()
    assert cov["areas"] == areas >= len(ctx.communities) + len(ctx.compounds)
    assert all(a["area"]["level"] == "COMPOUND" for a in cov["incomplete"])  # every community complete
    assert 0 < len(cov["incomplete"]) < len(ctx.compounds) / 3 and cov["complete"] == cov["areas"] - len(
        cov["incomplete"]
    )
    held = set(await DeliberationMeeting.filter(status=MeetingStatus.HELD).values_list("kind", flat=True))
    assert held == set(MeetingKind)
    assert set(await DeliberationMeeting.all().values_list("status", flat=True)) == set(MeetingStatus)
    assert set(await DeliberationTopic.all().values_list("status", flat=True)) == set(TopicStatus)
    stats = (await client.data(STATS, {"a": gid_of(ctx.district)}, admin))["deliberationStats"]
    dist = collections.Counter(await DeliberationTopic.all().values_list("status", flat=True))
    assert 0.85 <= stats["handledRate"] <= 0.95, (stats, dist)
    assert stats["meetingsHeld"] > 100 and stats["actionItemsOpen"] > 0 and stats["actionItemsOverdue"] > 0
    yiyuan = next(c for c in ctx.communities if c.name == "颐苑社区")
    bench = await DeliberationMeeting.filter(
        community_ref=yiyuan.id, kind=MeetingKind.SMALL_BENCH, status=MeetingStatus.HELD
    ).values_list("title", flat=True)
    for worry in ("垃圾桶", "电动车电瓶", "水质"):
        assert any(worry in t for t in bench), worry
    zhongan = next(c for c in ctx.communities if c.name == "中安街社区")
    cable = await DeliberationMeeting.get(
        area_id=zhongan.id, kind=MeetingKind.COORDINATION, title__contains="线缆"
    )
    utilities = await MeetingParticipant.filter(meeting_id=cable.id, organization__kind="UTILITY").count()
    assert cable.status == MeetingStatus.HELD and utilities == 3
    assert elapsed < 60
