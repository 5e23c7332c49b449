"""Time-driven work: jobs plugins declare, run by the server once per period across instances.

A plugin returns :class:`ScheduledJob` values from the ``lastmile_scheduled_jobs`` hook
(e.g. "close demands delivered 14 days ago and never rated"). Every server process
schedules each job with APScheduler (an interval trigger, one run at a time, missed runs
coalesced); :func:`run_job` is what a trigger, the ``lastmile run-job`` command and a
test call. Exactly once comes from the database, not from the timer:

- each job has a row in ``core_scheduled_job``; a run locks it (``FOR UPDATE SKIP
  LOCKED`` on PostgreSQL) and skips when another instance holds it or when the job
  already ran less than ``every`` ago, so several instances share one schedule;
- the job's own work claims what it acts on with a conditional write in the same
  transaction (``UPDATE ... SET notified_at = now WHERE notified_at IS NULL``), so even
  a second run for the same period (a forced run, a clock step) does nothing twice;
- the run is one transaction: its notifications and events are published only after
  it commits, and a failing run leaves nothing behind and is retried next period.

With SQLite (one process by nature) the row lock is unnecessary: SQLite serialises
writers. ``LASTMILE_SCHEDULER=false`` stops a process from scheduling anything (tests,
or instances that should only serve requests); ``run_job`` still works there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from tortoise.transactions import in_transaction

from core import clock, metrics
from core import models as m
from core.events import Event

log = logging.getLogger("lastmile.scheduled")


@dataclasses.dataclass
class JobRun:
    """What a job's ``run`` receives: the instant it runs for and where its events go.

    ``now`` is the instant the job must act as of (a test passes its own); compare due
    dates with it, never with the wall clock. Pass the run as ``context`` to
    ``core.services.notifications.notify`` and ``core.events.emit``: what they queue is
    published after the run commits. ``viewer`` is None: a job acts as the system.
    ``host`` is the ``core.plugins.PluginHost`` running the job (e.g. for
    ``host.organization_users``); None when the caller gave none."""

    name: str
    now: dt.datetime
    pending_events: list[Event] = dataclasses.field(default_factory=list)
    viewer: None = None
    host: object | None = None


@dataclasses.dataclass(frozen=True)
class ScheduledJob:
    """A job a plugin asks the server to run every ``every``.

    ``name`` is unique and prefixed with the plugin name (``demands.auto_close``).
    ``run(job_run)`` is awaited inside one transaction; it returns how many things it
    acted on (logged and counted in /metrics), or None."""

    name: str
    every: dt.timedelta
    run: Callable[[JobRun], Awaitable[int | None]]
    description: str = ""


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What :func:`run_job` did: ``ran`` False when another instance held the job or it
    was not due yet; ``acted_on`` is what the job returned."""

    name: str
    ran: bool
    acted_on: int | None = None


def _due(row: m.ScheduledJobState, job: ScheduledJob, now: dt.datetime) -> bool:
    if row.last_run_at is None:
        return True
    # A little slack: a trigger firing a few milliseconds early still counts as on time.
    return now - row.last_run_at >= job.every * 0.9


async def run_job(
    job: ScheduledJob, *, bus=None, now: dt.datetime | None = None, force: bool = False, host=None
) -> RunOutcome:
    """Run ``job`` once if it is due and no other instance is running it.

    ``force=True`` runs it even if it ran less than ``every`` ago (tests, the CLI);
    the job's own claims still keep it from acting twice on the same thing."""
    now = now or clock.now()
    run = JobRun(name=job.name, now=now, host=host)
    async with in_transaction():
        await m.ScheduledJobState.get_or_create(name=job.name)
        row = await m.ScheduledJobState.filter(name=job.name).select_for_update(skip_locked=True).first()
        if row is None or not (force or _due(row, job, now)):
            return RunOutcome(job.name, ran=False)
        acted_on = await job.run(run)
        row.last_run_at = now
        row.runs += 1
        row.last_acted_on = acted_on
        await row.save(update_fields=["last_run_at", "runs", "last_acted_on"])
    if acted_on:
        log.info("scheduled job %s acted on %d", job.name, acted_on)
    for event in run.pending_events:
        if bus is not None:
            await bus.publish(event)
            metrics.event_published(event.topic)
    return RunOutcome(job.name, ran=True, acted_on=acted_on)


class Scheduler:
    """Every enabled plugin's jobs on APScheduler's asyncio scheduler, for one process."""

    def __init__(self, jobs: list[ScheduledJob], bus=None, host=None):
        names = [job.name for job in jobs]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"scheduled jobs declared twice: {', '.join(duplicated)}")
        self.jobs = {job.name: job for job in jobs}
        self.bus = bus
        self.host = host
        self._scheduler = None

    async def _tick(self, name: str) -> None:
        try:
            await run_job(self.jobs[name], bus=self.bus, host=self.host)
        except Exception:  # a failing run is retried next period; the server keeps serving
            log.exception("scheduled job %s failed", name)

    def start(self) -> None:
        if not self.jobs:
            return
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self._scheduler = AsyncIOScheduler(timezone=dt.UTC)
        for name, job in self.jobs.items():
            # Jitter spreads instances started together; coalesce folds missed runs into one.
            self._scheduler.add_job(
                self._tick,
                IntervalTrigger(
                    seconds=job.every.total_seconds(), jitter=min(30, job.every.total_seconds() / 10)
                ),
                args=[name],
                id=name,
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
