"""HTTP routes of the ledgers: the import template, an import job's report, the exports."""

from __future__ import annotations

import io
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.ledgers.columns import REGISTRY_COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_bytes(fmt: str) -> bytes:
    """An empty registry: the Chinese headers, then the English keys as a second header
    row (the importer reads either), then one example row."""
    example = [
        "上街区",
        "济源路街道",
        "三湾街社区",
        "幸福小区",
        "1号楼",
        "1-101",
        "张伟",
        "410106198001010011",
        "13800138000",
        "男",
        "1980-01-01",
        "户籍",
        "户主",
        "否",
        "elderly-alone",
        "2020-01-01",
    ]
    if fmt == "csv":
        import csv

        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([c.header for c in REGISTRY_COLUMNS])
        writer.writerow(example)
        return text.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("居民台账")
    bold = book.add_format({"bold": True})
    as_text = book.add_format({"num_format": "@"})  # ID and phone numbers keep every digit
    sheet.write_row(0, 0, [c.header for c in REGISTRY_COLUMNS], bold)
    sheet.write_row(1, 0, example, as_text)
    for i, column in enumerate(REGISTRY_COLUMNS):
        sheet.set_column(i, i, 20 if column.key == "idNumber" else 13, as_text)
        sheet.write_comment(0, i, f"{column.key}: {column.description}")
    book.close()
    return buffer.getvalue()


async def template(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    media = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        template_bytes(fmt),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="residents-template.{fmt}"'},
    )


def problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


async def request_viewer(request: Request):
    """The viewer of a bearer token, as /graphql reads it (anonymous when absent or invalid)."""
    from core.auth import bearer_token, viewer_from_token
    from core.permissions import Viewer

    runtime = request.app.state.runtime
    token = bearer_token(request.headers.get("authorization"))
    viewer = await viewer_from_token(token, runtime.settings, runtime.host.registry, bus=runtime.bus)
    return viewer or Viewer(registry=runtime.host.registry)


async def import_report(request: Request) -> Response:
    from core import models as m
    from core.access import visible
    from core.ids import decode_int_gid

    viewer = await request_viewer(request)
    if not viewer.authenticated:
        return problem(401, "UNAUTHENTICATED", "Send the bearer token of the account that uploaded the file.")
    pk = decode_int_gid(request.path_params["job"], "ImportJob")
    job = await visible(viewer, m.ImportJob).get_or_none(id=pk) if pk else None
    if job is None or job.report is None:
        return problem(404, "NOT_FOUND", "No such import job, or its report is not ready yet.")
    return Response(
        bytes(job.report),
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="import-report-{job.id}.xlsx"'},
    )


def ledger_routes() -> list[Route]:
    return [
        Route("/ledgers/templates/residents.{fmt:str}", template, methods=["GET"]),
        Route("/ledgers/import-jobs/{job:str}/report.xlsx", import_report, methods=["GET"]),
        Route("/export/{name:str}.{fmt:str}", export, methods=["GET"]),
    ]


async def export(request: Request) -> Response:
    """GET /export/<list>.csv|.xlsx?filter=<JSON>&full=1&keys=1 with a bearer token."""
    from starlette.background import BackgroundTask
    from starlette.responses import StreamingResponse

    from core import models as m
    from core.ledgers.exports import ExportRefused, csv_stream, parse_filters

    viewer = await request_viewer(request)
    if not viewer.authenticated:
        return problem(401, "UNAUTHENTICATED", "Send a bearer token.")
    name, fmt = request.path_params["name"], request.path_params["fmt"]
    definitions = {d.name: d for d in request.app.state.runtime.host.exports()}
    definition = definitions.get(name)
    if definition is None or fmt not in ("csv", "xlsx"):
        return problem(404, "NOT_FOUND", f"No export {name}.{fmt}; lists: {', '.join(sorted(definitions))}.")
    if definition.permission and not viewer.can(definition.permission):
        return problem(403, "FORBIDDEN", f"Exporting {name} needs {definition.permission}.")
    try:
        filters = parse_filters(request.query_params.get("filter"))
    except ExportRefused as exc:
        return problem(exc.status, exc.code, str(exc))
    full = request.query_params.get("full") in ("1", "true")
    keys = request.query_params.get("keys") in ("1", "true")
    counter = [0]
    rows = definition.rows(viewer, filters, full)

    async def audit() -> None:
        # One entry for the whole export, written once the last row has gone out.
        await m.AuditLog.create(
            actor_id=viewer.user_id,
            action="ledgers.export",
            subject_gid=None,
            field="full" if full else None,
            detail=json.dumps(
                {"list": name, "format": fmt, "rows": counter[0], "full": full, "filter": filters},
                ensure_ascii=False,
            ),
        )

    disposition = {"content-disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "csv":
        return StreamingResponse(
            csv_stream(definition, rows, keys, counter),
            media_type="text/csv; charset=utf-8",
            headers=disposition,
            background=BackgroundTask(audit),
        )
    from core.ledgers.xlsx_stream import xlsx_stream

    header_rows = [[c.header for c in definition.columns]] + (
        [[c.key for c in definition.columns]] if keys else []
    )
    return StreamingResponse(
        xlsx_stream(definition.title, header_rows, rows, counter),
        media_type=XLSX,
        headers=disposition,
        background=BackgroundTask(audit),
    )
