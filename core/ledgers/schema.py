"""The GraphQL edge of ledger imports: importResidents (multipart upload), ImportJob, importJobUpdated."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from core import models as m
from core.access import visible
from core.api.mutation import run_mutation
from core.api.relay import Node, gid_of
from core.api.types import UserError
from core.errors import Code, UserFailure
from core.ids import decode_int_gid
from core.ledgers import jobs
from core.ledgers.columns import BY_KEY


@strawberry.enum(description="Where an import job is.")
class ImportJobStatus(Enum):
    QUEUED = strawberry.enum_value("QUEUED", description="Uploaded; the import has not started yet.")
    RUNNING = strawberry.enum_value("RUNNING", description="Rows are being checked (and written).")
    DONE = strawberry.enum_value("DONE", description="Finished: written, or checked only for a dry run.")
    REJECTED = strawberry.enum_value(
        "REJECTED", description="Finished with rejected rows: nothing was written (all or nothing)."
    )
    FAILED = strawberry.enum_value("FAILED", description="The file could not be read, or the import stopped.")


@strawberry.type(description="One problem of an imported row.")
class ImportProblem:
    row: int = strawberry.field(
        description="Row number as the spreadsheet shows it (1-based, header rows counted)."
    )
    column: str = strawberry.field(
        description="The column's stable English key (e.g. idNumber); empty for the whole row."
    )
    header: str = strawberry.field(
        description="The column's Chinese header (e.g. 身份证号); empty for the whole row."
    )
    code: str = strawberry.field(
        description="Stable code, as registerResident's userErrors: INVALID_ID_NUMBER, INVALID_PHONE, NOT_FOUND, DUPLICATE, ..."
    )
    message: str = strawberry.field(description="What is wrong, in words a person can read.")


@strawberry.type(
    description="An import of a ledger file, run on the server after the upload (see importJobUpdated)."
)
class ImportJob(Node):
    filename: str = strawberry.field(description="Name of the uploaded file.")
    file_sha256: str = strawberry.field(description="SHA-256 of the uploaded file (hex), as audited.")
    dry_run: bool = strawberry.field(
        description="True when the rows are only checked and nothing is written."
    )
    rows_read: int = strawberry.field(description="Data rows read so far (blank rows are not counted).")
    created: int = strawberry.field(
        description="Residents created (or, for a dry run or a rejected file, that would be)."
    )
    updated: int = strawberry.field(
        description="Existing residents (matched by ID number) whose record changed."
    )
    unchanged: int = strawberry.field(description="Existing residents the file matches exactly.")
    rejected: int = strawberry.field(description="Rows rejected; see firstErrors and the report.")
    message: str | None = strawberry.field(description="A sentence on the outcome, when there is one.")
    created_at: dt.datetime = strawberry.field(description="When the file was uploaded.")
    finished_at: dt.datetime | None = strawberry.field(
        description="When the job finished; null while it runs."
    )

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, m.ImportJob)

    @strawberry.field(description="Where the job is.")
    def status(self) -> ImportJobStatus:
        return ImportJobStatus(self.status)

    @strawberry.field(
        description="The first problems found (at most 100), in row order; the report has them all."
    )
    def first_errors(self) -> list[ImportProblem]:
        out = []
        for e in json.loads(self.first_errors or "[]"):
            column = BY_KEY.get(e["column"])
            out.append(
                ImportProblem(
                    row=e["row"],
                    column=e["column"],
                    header=column.header if column else "",
                    code=e["code"],
                    message=e["message"],
                )
            )
        return out

    @strawberry.field(
        description="Path of the full report (.xlsx: every problem and the summary), to GET with the same bearer token; null until the job has finished."
    )
    def report_url(self) -> str | None:
        return f"/ledgers/import-jobs/{gid_of(self)}/report.xlsx" if self.report is not None else None


@strawberry.type(description="Result of importResidents.")
class ImportResidentsPayload:
    job: ImportJob | None = strawberry.field(
        description="The job now running; null when the upload was refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the upload was refused.")


async def _accept_upload(info: Info, file: Upload, dry_run: bool) -> tuple[m.ImportJob, str]:
    viewer = info.context.viewer
    if not (hasattr(file, "read") and hasattr(file, "filename")):
        # The Upload scalar takes whatever a JSON body puts in the variable; only a file part is a file.
        raise UserFailure(
            "Send the file as a part of a multipart/form-data request (GraphQL multipart request spec).",
            Code.INVALID_INPUT,
            ["file"],
        )
    if not viewer.can("resident.write"):
        raise UserFailure(
            "Importing residents needs the resident.write permission.", Code.FORBIDDEN, ["file"]
        )
    try:
        path, digest, size = await jobs.save_upload(file)
    except ValueError as exc:
        raise UserFailure(str(exc), Code.INVALID_INPUT, ["file"]) from None
    if size == 0:
        raise UserFailure("The file is empty.", Code.INVALID_INPUT, ["file"])
    job = await m.ImportJob.create(
        filename=(file.filename or "upload")[:255],
        file_sha256=digest,
        dry_run=dry_run,
        uploaded_by_id=viewer.user_id,
    )
    return job, path


@strawberry.type(description="Ledger import mutations.")
class LedgerMutation:
    @strawberry.mutation(
        description="Uploads a household registry (.xlsx, or .csv in UTF-8 or GB18030; GraphQL multipart request) and starts importing it as the viewer, within the viewer's areas and permissions. Returns at once with the job; follow it with importJobUpdated or node(id)."
    )
    async def import_residents(
        self,
        info: Info,
        file: Annotated[
            Upload,
            strawberry.argument(
                description="The registry file, sent as a part of a multipart/form-data request (GraphQL multipart request spec); headers in Chinese (姓名, 身份证号, 社区 ...) or English keys."
            ),
        ],
        dry_run: Annotated[
            bool | None, strawberry.argument(description="True: check every row and report, write nothing.")
        ] = False,
    ) -> ImportResidentsPayload:
        started: dict = {}

        async def work():
            job, path = await _accept_upload(info, file, bool(dry_run))
            started.update(job=job, path=path)
            return job

        payload = await run_mutation(info, work, ImportResidentsPayload, "job")
        if payload.job is not None:
            context = info.context
            jobs.start(payload.job, started["path"], context.viewer, context.runtime.bus, context.request_id)
        return payload


@strawberry.type(description="Ledger import queries.")
class LedgerQuery:
    @strawberry.field(description="One import job the viewer started (superusers: any); null when unknown.")
    async def import_job(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's global id.")],
    ) -> ImportJob | None:
        pk = decode_int_gid(id, "ImportJob")
        return await visible(info.context.viewer, m.ImportJob).get_or_none(id=pk) if pk else None


@strawberry.type(description="Ledger import subscriptions.")
class LedgerSubscription:
    @strawberry.subscription(
        description="The import job each time its progress or status changes, until it has finished (graphql-transport-ws)."
    )
    async def import_job_updated(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's global id.")],
    ) -> AsyncGenerator[ImportJob, None]:
        from core.api.websocket import refresh_viewer
        from core.errors import unauthenticated

        context = info.context
        if not context.viewer.authenticated:
            raise unauthenticated()
        pk = decode_int_gid(id, "ImportJob")
        # Subscribed before the first read, so that no update between the two is missed.
        sub = context.runtime.bus.subscribe(jobs.TOPIC)
        try:
            job = await visible(context.viewer, m.ImportJob).get_or_none(id=pk) if pk else None
            if job is None:
                return
            yield job  # where it is now: a job may finish before the client subscribed
            if job.status in jobs.FINISHED:
                return
            async for event in sub:
                if event.data.get("job_id") != pk:
                    continue
                await refresh_viewer(context)  # a revoked account stops hearing at once
                job = await visible(context.viewer, m.ImportJob).get_or_none(id=pk)
                if job is None:
                    return
                yield job
                if job.status in jobs.FINISHED:
                    return
        finally:
            sub.close()
