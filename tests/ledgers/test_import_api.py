"""importResidents over the GraphQL multipart request spec: the job, its progress, its report."""

from __future__ import annotations

import io
import json

import openpyxl

from core import models as m
from core.ledgers import jobs
from core.testing import build_world, subscribe
from tests.ledgers import files

IMPORT = """mutation($file: Upload!, $dry: Boolean) { importResidents(file: $file, dryRun: $dry) {
  job { id status filename } userErrors { code message field } } }"""
JOB = """query($id: ID!) { node(id: $id) { ... on ImportJob { id status dryRun rowsRead created updated unchanged
  rejected fileSha256 reportUrl firstErrors { row column header code message } } } }"""


async def upload(client, data: bytes, token: str, name="registry.csv", dry=False) -> dict:
    operations = json.dumps({"query": IMPORT, "variables": {"file": None, "dry": dry}})
    response = await client.http.post(
        "/graphql",
        headers={"Authorization": f"Bearer {token}"},
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, data, "text/csv")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["importResidents"]


async def finished(client, gid: str, token: str) -> dict:
    await jobs.wait_for_jobs()
    return (await client.data(JOB, {"id": gid}, token))["node"]


def valid_rows():
    rows = files.messy_rows()[:2]
    rows[1][0] = "济源路街道"
    return rows


async def test_an_upload_runs_as_a_job_and_a_second_one_changes_nothing(client):
    w = await build_world()
    await m.Unit.create(building=w.building1, label="1-102", **w.building1.lineage())
    data = files.csv_bytes(valid_rows(), "gb18030")
    started = await upload(client, data, w.tokens["c1_worker"])
    assert started["userErrors"] == [] and started["job"]["filename"] == "registry.csv"
    job = await finished(client, started["job"]["id"], w.tokens["c1_worker"])
    assert (job["status"], job["created"], job["rejected"], job["rowsRead"]) == ("DONE", 2, 0, 2)
    again = await finished(
        client, (await upload(client, data, w.tokens["c1_worker"]))["job"]["id"], w.tokens["c1_worker"]
    )
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    audit = await m.AuditLog.filter(action="ledgers.importResidents").order_by("id")
    assert len(audit) == 2 and audit[0].actor_id == w.users["c1_worker"].id
    assert (
        json.loads(audit[0].detail)["sha256"] == job["fileSha256"]
        and json.loads(audit[0].detail)["created"] == 2
    )
    # the job is the uploader's: another worker cannot read it
    assert (await client.data(JOB, {"id": job["id"]}, w.tokens["c2_worker"]))["node"] is None


async def test_the_uploaders_scope_applies_and_the_report_lists_every_problem(client):
    w = await build_world()
    await m.Unit.create(building=w.building1, label="1-102", **w.building1.lineage())
    started = await upload(client, files.csv_bytes(valid_rows()), w.tokens["c2_worker"])  # 三湾街社区 is c1's
    job = await finished(client, started["job"]["id"], w.tokens["c2_worker"])
    assert (job["status"], job["rejected"], job["created"]) == ("REJECTED", 2, 0)
    assert {(e["column"], e["code"]) for e in job["firstErrors"]} == {("community", "NOT_FOUND")}
    response = await client.http.get(
        job["reportUrl"], headers={"Authorization": f"Bearer {w.tokens['c2_worker']}"}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [r[3] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["NOT_FOUND", "NOT_FOUND"]
    assert (await client.http.get(job["reportUrl"])).status_code == 401
    assert not await m.Resident.filter(name="赵磊").exists()


async def test_a_dry_run_through_the_api_writes_nothing(client):
    w = await build_world()
    await m.Unit.create(building=w.building1, label="1-102", **w.building1.lineage())
    started = await upload(client, files.csv_bytes(valid_rows()), w.tokens["c1_worker"], dry=True)
    job = await finished(client, started["job"]["id"], w.tokens["c1_worker"])
    assert (job["status"], job["dryRun"], job["created"]) == ("DONE", True, 2)
    assert not await m.Resident.filter(name="赵磊").exists()


async def test_a_grid_worker_may_not_import(client):
    w = await build_world()
    refused = await upload(client, files.csv_bytes(valid_rows()), w.tokens["c1_grid"])
    assert refused["job"] is None and refused["userErrors"][0]["code"] == "FORBIDDEN"


async def test_progress_streams_until_the_job_finishes(client, app_factory):
    w = await build_world()
    await m.Unit.create(building=w.building1, label="1-102", **w.building1.lineage())
    started = await upload(client, files.csv_bytes(valid_rows()), w.tokens["c1_worker"])
    query = "subscription($id: ID!) { importJobUpdated(id: $id) { status created } }"
    async with subscribe(client.app, query, {"id": started["job"]["id"]}, token=w.tokens["c1_worker"]) as sub:
        seen = []
        while not seen or seen[-1]["status"] not in ("DONE", "REJECTED", "FAILED"):
            seen.append((await sub.next())["data"]["importJobUpdated"])
    assert seen[-1] == {"status": "DONE", "created": 2}


async def test_the_template_downloads_and_imports_as_is(client):
    response = await client.http.get("/ledgers/templates/residents.xlsx")
    assert response.status_code == 200
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert headers[:3] == ["区", "街道", "社区"] and "身份证号" in headers
    csv_template = await client.http.get("/ledgers/templates/residents.csv")
    assert csv_template.content.startswith(b"\xef\xbb\xbf")


async def test_a_file_variable_sent_as_json_text_is_refused(client):
    w = await build_world()
    body = await client(IMPORT, {"file": "not a file"}, w.tokens["c1_worker"])
    refused = body["data"]["importResidents"]
    assert refused["job"] is None and refused["userErrors"][0] == {
        "code": "INVALID_INPUT",
        "field": ["file"],
        "message": refused["userErrors"][0]["message"],
    }
