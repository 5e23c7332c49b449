"""core.scheduled: a plugin's time-driven work runs once per period, in one transaction, as of
the instant it is given; core.plugins merges what plugins say about organisations' users."""

import datetime as dt
import types

import pytest

from core import models as m
from core.hookspecs import hookimpl
from core.plugins import PluginHost
from core.scheduled import JobRun, ScheduledJob, Scheduler, run_job
from core.services.notifications import notify
from core.testing import build_world, run_scheduled_job

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _plugin(name: str, **hooks):
    module = types.ModuleType(name)
    module.NAME = name
    for hook, fn in hooks.items():
        setattr(module, hook, hookimpl(fn))
    return module


async def _remind_inactive(run: JobRun) -> int:
    """Remind each active account once (the notification itself is the claim)."""
    claimed = 0
    for user in await m.User.filter(is_active=True).order_by("id"):
        if not await m.Notification.filter(user_id=user.id, kind="reminder.once").exists():
            await notify(run, [user.id], "reminder.once", f"as of {run.now.date()}")
            claimed += 1
    return claimed


JOB = ScheduledJob("reminder.once", dt.timedelta(hours=1), _remind_inactive, "remind every account once")


async def test_a_job_runs_once_per_period_and_never_acts_twice():
    await build_world()
    users = await m.User.filter(is_active=True).count()
    first = await run_job(JOB, now=T0)
    assert first.ran and first.acted_on == users
    # Not due again within its period: skipped without running.
    assert not (await run_job(JOB, now=T0 + dt.timedelta(minutes=10))).ran
    # Due again an hour later, or forced: it runs, but its claims keep it from notifying twice.
    later = await run_job(JOB, now=T0 + dt.timedelta(hours=1))
    assert later.ran and later.acted_on == 0
    assert (await run_job(JOB, now=T0, force=True)).acted_on == 0
    assert await m.Notification.filter(kind="reminder.once").count() == users
    state = await m.ScheduledJobState.get(name="reminder.once")
    assert state.runs == 3 and state.last_acted_on == 0


async def test_a_failing_run_leaves_nothing_and_is_retried():
    await build_world()

    async def half_then_fail(run: JobRun):
        await _remind_inactive(run)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await run_job(ScheduledJob("reminder.once", dt.timedelta(hours=1), half_then_fail), now=T0)
    assert await m.Notification.filter(kind="reminder.once").count() == 0
    state = await m.ScheduledJobState.get_or_none(name="reminder.once")
    assert state is None or state.last_run_at is None
    assert (await run_job(JOB, now=T0)).acted_on > 0


async def test_events_are_published_after_commit_through_the_app_bus():
    w = await build_world()
    plugin = _plugin("reminder", lastmile_scheduled_jobs=lambda: [JOB])
    from core.api.schema import build_runtime
    from core.app import create_app
    from core.settings import get_settings

    runtime = build_runtime(get_settings(), PluginHost([], extra_modules=[plugin]))
    app = create_app(get_settings(), runtime=runtime, manage_db=False)
    seen = []
    runtime.bus.publish_original = runtime.bus.publish

    async def spy(event):
        seen.append(event)
        await runtime.bus.publish_original(event)

    runtime.bus.publish = spy
    outcome = await run_scheduled_job(app, "reminder.once", now=T0)
    assert outcome.ran and len(seen) == outcome.acted_on
    assert {e.data["user_id"] for e in seen} == set(
        await m.User.filter(is_active=True).values_list("id", flat=True)
    )
    assert w.tokens  # the world's accounts were the ones reminded
    with pytest.raises(KeyError, match="reminder.once"):
        await run_scheduled_job(app, "reminder.nope")


def test_two_plugins_cannot_declare_the_same_job():
    with pytest.raises(ValueError, match="declared twice"):
        Scheduler([JOB, JOB])


async def test_organization_users_are_merged_over_plugins():
    await build_world()
    org = await m.Organization.create(name="供电公司", kind=list(m.OrganizationKind)[0])
    a = _plugin("a", lastmile_organization_users=lambda organization_ids: {organization_ids[0]: [1, 2]})

    async def b_users(organization_ids):
        return {oid: [3] for oid in organization_ids}

    b = _plugin("b", lastmile_organization_users=b_users)
    host = PluginHost([], extra_modules=[a, b])
    assert await host.organization_users([org.id]) == {org.id: {1, 2, 3}}
    assert await PluginHost([]).organization_users([org.id]) == {org.id: set()}
    assert await host.organization_users([]) == {}
