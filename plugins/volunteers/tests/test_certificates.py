"""Service record certificates: issued through the API, the PDF draws Chinese, the public check."""

from __future__ import annotations

import datetime as dt

from core import clock
from core.api.relay import gid_of
from core.testing import token_for
from plugins.volunteers import certificates
from plugins.volunteers import models as vm
from plugins.volunteers.tests.helpers import REGISTER, ok, world_with_coordinator

ISSUE = """mutation($v: ID!, $from: Date!, $to: Date!) { issueVolunteerCertificate(volunteerId: $v,
  periodFrom: $from, periodTo: $to, issuer: "三湾街社区居委会") {
  certificate { id code hours periodFrom periodTo verificationUrl pdfUrl } userErrors { code field message } } }"""


def facts(name: str) -> dict:
    return {
        "code": "ABCD-EFGH-JKLM-NPQR",
        "name": name,
        "idNumberMasked": "410106************",
        "keeper": "学雷锋志愿服务队",
        "issuer": "三湾街社区居委会",
        "periodFrom": "2026-01-01",
        "periodTo": "2026-06-30",
        "hours": 6.5,
        "issuedOn": "2026-07-01",
        "activities": [{"date": "2026-03-05", "title": "学雷锋义务理发", "hours": 4.0}],
    }


def name_region(pdf: bytes):
    """Pixels of page 1 where the name is drawn (after the label 姓名：), rendered at 144 dpi, as greys."""
    import pypdfium2

    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil().convert("L")
    return image.crop((210, 240, 320, 282))


def dark(region) -> int:
    return sum(1 for p in region.getdata() if p < 128)


def test_the_pdf_draws_the_chinese_name():
    one = name_region(certificates.render_pdf(facts("张伟"), "http://x/verify/volunteer-certificates/A"))
    other = name_region(certificates.render_pdf(facts("李娜"), "http://x/verify/volunteer-certificates/A"))
    blank = name_region(certificates.render_pdf(facts(""), "http://x/verify/volunteer-certificates/A"))
    assert dark(blank) == 0
    assert dark(one) > 30 and dark(other) > 30
    # Missing glyphs would draw the same empty boxes for both names: real glyphs differ.
    assert list(one.getdata()) != list(other.getdata())


async def test_a_coordinator_issues_a_certificate_anyone_can_check(client):
    w = await world_with_coordinator()
    zhang = w.residents["zhang"]
    volunteer = (await ok(client, REGISTER, {"r": gid_of(zhang)}, w.tokens["coord"], "registerVolunteer"))[
        "volunteer"
    ]
    vid = int(volunteer["id"] and (await vm.Volunteer.get(resident_id=zhang.id)).id)
    today = clock.today()
    await vm.ServiceLog.create(
        volunteer_id=vid,
        served_on=today - dt.timedelta(days=3),
        hours=2.5,
        description="社区环境清扫",
        verified=True,
        **zhang.lineage(),
    )
    await vm.ServiceLog.create(
        volunteer_id=vid,
        served_on=today - dt.timedelta(days=2),
        hours=1.0,
        description="未认证的记录",
        verified=False,
        **zhang.lineage(),
    )
    variables = {
        "v": volunteer["id"],
        "from": (today - dt.timedelta(days=30)).isoformat(),
        "to": today.isoformat(),
    }
    refused = (await client(ISSUE, variables, w.tokens["c1_grid"]))["data"]["issueVolunteerCertificate"]
    assert refused["certificate"] is None and refused["userErrors"][0]["code"] == "FORBIDDEN"
    cert = (await ok(client, ISSUE, variables, w.tokens["coord"], "issueVolunteerCertificate"))["certificate"]
    assert cert["hours"] == 2.5
    page = await client.http.get(cert["verificationUrl"])  # no token
    assert page.status_code == 200
    text = page.text
    assert "张伟" in text and "社区环境清扫" in text and "2.5" in text and "未认证" not in text
    assert zhang.id_number_masked[:6] in text and "三湾街社区居委会" in text
    assert (await client.http.get(certificates.VERIFY_PATH + "AAAA-BBBB-CCCC-DDDD")).status_code == 404
    pdf = await client.http.get(cert["pdfUrl"], headers={"Authorization": f"Bearer {w.tokens['coord']}"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (await client.http.get(cert["pdfUrl"])).status_code == 404
    other = await client.http.get(
        cert["pdfUrl"], headers={"Authorization": f"Bearer {token_for(w.users['c2_worker'])}"}
    )
    assert other.status_code == 404
