"""Imports as server-side jobs: the upload is saved, a row in core_import_job records the
job, and an asyncio task runs the import after the request has been answered.

The task has its own database work (the import's transaction) and reports progress
through a second task started before that transaction, which writes the job's row on
another connection and publishes ``ledgers.import.updated`` on the event bus, so a
status query sees it and ``importJobUpdated`` streams it, from any instance.
A job whose process died stays RUNNING (known gap: no reaper yet); its file was not
half-written on PostgreSQL (one transaction), and importing again is idempotent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import tempfile
import time

from core import models as m
from core.events import Event
from core.ledgers.importer import KEPT_ERRORS, ImportOptions, file_sha256, import_residents
from core.ledgers.report import ReportWriter
from core.scopes import EVERYWHERE, NOWHERE, where

log = logging.getLogger("lastmile.ledgers")

TOPIC = "ledgers.import.updated"
MAX_UPLOAD_BYTES = int(os.environ.get("LASTMILE_MAX_UPLOAD_BYTES", 64 * 1024 * 1024))
PROGRESS_EVERY = 0.5  # seconds between progress writes
STATUSES = ("QUEUED", "RUNNING", "DONE", "REJECTED", "FAILED")
FINISHED = ("DONE", "REJECTED", "FAILED")
_RUNNING: set[asyncio.Task] = set()  # strong references: a bare task may be collected mid-run


def import_job_policy(viewer) -> object:
    """A job is read by whoever uploaded it; superusers read every job."""
    if viewer.is_superuser:
        return EVERYWHERE
    return where(uploaded_by_id=viewer.user_id) if viewer.user_id else NOWHERE


async def save_upload(upload) -> tuple[str, str, int]:
    """(path of a private copy, SHA-256, size) of an uploaded file (starlette UploadFile)."""
    fd, path = tempfile.mkstemp(
        prefix="lastmile-import-", suffix=os.path.splitext(upload.filename or "")[1][:8]
    )
    size = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                os.unlink(path)
                raise ValueError(f"The file is larger than {MAX_UPLOAD_BYTES} bytes.")
            out.write(chunk)
    with open(path, "rb") as stream:
        digest = file_sha256(stream)
    return path, digest, size


def start(job: m.ImportJob, path: str, viewer, bus, request_id: str | None) -> None:
    task = asyncio.create_task(_run(job.id, path, viewer, bus, request_id), name=f"import-job-{job.id}")
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


async def wait_for_jobs() -> None:
    """Wait until every job of this process has finished (tests, shutdown)."""
    while _RUNNING:
        await asyncio.gather(*list(_RUNNING), return_exceptions=True)


class _Reporter:
    """Writes progress from its own task, whose context predates the import's transaction."""

    def __init__(self, job_id: int, bus):
        self.job_id, self.bus = job_id, bus
        self.queue: asyncio.Queue = asyncio.Queue()
        self.last = 0.0
        self.task = asyncio.create_task(self._drain())

    def progress(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.queue.put_nowait(
                {"status": "RUNNING", "rows_read": done, "message": f"{phase}: {done} rows"}
            )

    async def _drain(self) -> None:
        while True:
            update = await self.queue.get()
            if update is None:
                return
            try:
                await m.ImportJob.filter(id=self.job_id).update(**update)
                await publish(self.bus, self.job_id)
            except Exception:  # progress is best effort; the final write below is not
                log.warning("import job %s: progress not written", self.job_id, exc_info=True)

    async def close(self) -> None:
        self.queue.put_nowait(None)
        await self.task


async def publish(bus, job_id: int) -> None:
    if bus is not None:
        await bus.publish(Event(TOPIC, {"job_id": job_id}))


async def _run(job_id: int, path: str, viewer, bus, request_id: str | None) -> None:
    job = await m.ImportJob.get(id=job_id)
    await m.ImportJob.filter(id=job_id).update(status="RUNNING")
    await publish(bus, job_id)
    reporter = _Reporter(job_id, bus)
    report = ReportWriter()
    final: dict
    try:
        with open(path, "rb") as stream:
            result = await import_residents(
                stream,
                job.filename,
                viewer,
                ImportOptions(dry_run=job.dry_run),
                progress=reporter.progress,
                on_problem=report.add,
                request_id=request_id,
            )
        errors = [
            {"row": p.row, "column": p.column, "code": p.code, "message": p.message}
            for p in result.problems[:KEPT_ERRORS]
        ]
        final = {
            "status": result.status,
            "rows_read": result.rows_read,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "first_errors": json.dumps(errors, ensure_ascii=False),
            "message": result.message or None,
            "report": report.close(result.summary()),
        }
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        final = {"status": "FAILED", "message": f"The import stopped: {type(exc).__name__}."}
    finally:
        await reporter.close()
        if os.path.exists(path):
            os.unlink(path)
    await m.ImportJob.filter(id=job_id).update(finished_at=dt.datetime.now(dt.UTC), **final)
    await publish(bus, job_id)
