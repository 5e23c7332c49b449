"""Volunteer service record certificates (志愿服务记录证明): issuing, the PDF, the public check.

A certificate states the volunteer's name, masked ID number, the team or community
that keeps the record, the verified hours in a period with the activities (verified
signups and verified service logs), the issuer and the date, and a verification
code. The facts are frozen when it is issued. ``/verify/volunteer-certificates/<code>``
shows exactly those facts to anyone (no sign-in); nothing else about the volunteer.

Chinese text is drawn with a TrueType CJK font embedded in the PDF (Debian's
fonts-wqy-microhei, which .ci/run installs), so any reader shows it; without one the
PDF falls back to reportlab's CID font STSong-Light, which only readers that supply
Adobe's Chinese fonts can draw.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import secrets

from core import clock
from core import models as m
from core.errors import Code, UserFailure
from core.pii import served_id_mask
from plugins.volunteers import models as vm

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
VERIFY_PATH = "/verify/volunteer-certificates/"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


async def verified_service(volunteer_id: int, start: dt.date, end: dt.date) -> list[dict]:
    """Verified hours of the period, one entry per activity or service log, by date."""
    items: list[dict] = []
    signups = await vm.ActivitySignup.filter(
        volunteer_id=volunteer_id, verified=True, hours__gt=0
    ).select_related("activity")
    for s in signups:
        day = clock.local_date(s.activity.starts_at)
        if start <= day <= end:
            items.append({"date": day.isoformat(), "title": s.activity.title, "hours": float(s.hours)})
    for log in await vm.ServiceLog.filter(
        volunteer_id=volunteer_id, verified=True, served_on__gte=start, served_on__lte=end
    ):
        items.append(
            {"date": log.served_on.isoformat(), "title": log.description[:100], "hours": float(log.hours)}
        )
    return sorted(items, key=lambda i: (i["date"], i["title"]))


async def issue_certificate(
    viewer, volunteer: vm.Volunteer, start: dt.date, end: dt.date, issuer: str | None
) -> vm.VolunteerCertificate:
    if end < start:
        raise UserFailure("periodTo is before periodFrom.", Code.INVALID_INPUT, ["periodTo"])
    if end > clock.today():
        raise UserFailure("periodTo is in the future.", Code.INVALID_INPUT, ["periodTo"])
    items = await verified_service(volunteer.id, start, end)
    if not items:
        raise UserFailure(
            "The volunteer has no verified hours in this period.", Code.INVALID_INPUT, ["periodFrom"]
        )
    resident = await m.Resident.get(id=volunteer.resident_id)
    membership = (
        await vm.TeamMembership.filter(volunteer_id=volunteer.id)
        .order_by("joined_at", "id")
        .select_related("team")
        .first()
    )
    community = await m.Area.get_or_none(id=volunteer.community_ref) if volunteer.community_ref else None
    keeper = membership.team.name if membership else (community.name if community else "")
    user = viewer.user
    facts = {
        "name": resident.name,
        "idNumberMasked": served_id_mask(resident.id_number_masked),
        "keeper": keeper,
        "issuer": (issuer or "").strip()[:100]
        or (community.name if community else getattr(user, "display_name", "")),
        "activities": items,
    }
    return await vm.VolunteerCertificate.create(
        code=new_code(),
        volunteer_id=volunteer.id,
        period_from=start,
        period_to=end,
        hours=round(sum(i["hours"] for i in items), 2),
        facts=json.dumps(facts, ensure_ascii=False),
        issued_by_id=viewer.user_id,
        issued_on=clock.today(),
        **volunteer.lineage(),
    )


def public_facts(cert: vm.VolunteerCertificate) -> dict:
    facts = json.loads(cert.facts)
    return {
        "code": cert.code,
        "name": facts["name"],
        "idNumberMasked": facts["idNumberMasked"],
        "keeper": facts["keeper"],
        "issuer": facts["issuer"],
        "periodFrom": cert.period_from.isoformat(),
        "periodTo": cert.period_to.isoformat(),
        "hours": cert.hours,
        "issuedOn": cert.issued_on.isoformat(),
        "activities": facts["activities"],
    }


# ---------------------------------------------------------------- the PDF

_FONT: str | None = None


def cjk_font() -> str:
    """The registered name of a font that draws Chinese (embedded TrueType if one is installed)."""
    global _FONT
    if _FONT is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfbase.ttfonts import TTFont

        for path in (os.environ.get("LASTMILE_CJK_FONT"), *FONT_CANDIDATES):
            if path and os.path.exists(path):
                pdfmetrics.registerFont(TTFont("LastmileCJK", path, subfontIndex=0))
                _FONT = "LastmileCJK"
                break
        else:
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            _FONT = "STSong-Light"
    return _FONT


def render_pdf(facts: dict, verify_url: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"志愿服务记录证明 {facts['code']}")
    width, height = A4
    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, height - 30 * mm, "志愿服务记录证明")
    pdf.setFont(font, 12)
    y = height - 48 * mm
    for label, value in (
        ("姓名", facts["name"]),
        ("身份证号", facts["idNumberMasked"] or "—"),
        ("记录单位", facts["keeper"]),
        ("服务期间", f"{facts['periodFrom']} 至 {facts['periodTo']}"),
        ("经认证服务时长", f"{facts['hours']:g} 小时"),
    ):
        pdf.drawString(25 * mm, y, f"{label}：{value}")
        y -= 9 * mm
    y -= 3 * mm
    pdf.drawString(25 * mm, y, "服务记录：")
    y -= 8 * mm
    pdf.setFont(font, 10)
    for item in facts["activities"]:
        if y < 50 * mm:
            pdf.drawString(30 * mm, y, "……（完整记录见验证页面）")
            break
        pdf.drawString(30 * mm, y, f"{item['date']}  {item['title'][:40]}  {item['hours']:g} 小时")
        y -= 6.5 * mm
    pdf.setFont(font, 12)
    pdf.drawString(25 * mm, 40 * mm, f"出具单位：{facts['issuer']}")
    pdf.drawString(25 * mm, 32 * mm, f"出具日期：{facts['issuedOn']}")
    pdf.drawString(25 * mm, 24 * mm, f"验证码：{facts['code']}")
    pdf.setFont(font, 9)
    pdf.drawString(25 * mm, 17 * mm, f"验证网址：{verify_url}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ---------------------------------------------------------------- HTTP


def verify_url(request, code: str) -> str:
    return str(request.base_url).rstrip("/") + VERIFY_PATH + code


async def verification_page(request):
    """Anyone may check a code: the certificate's facts, nothing more (no ids, no links)."""
    from starlette.responses import HTMLResponse

    code = request.path_params["code"].strip().upper()
    cert = await vm.VolunteerCertificate.get_or_none(code=code) if len(code) <= 32 else None
    if cert is None:
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>未找到</title>"
            "<p>没有这个验证码的志愿服务记录证明。No certificate has this code.</p>",
            status_code=404,
        )
    f = public_facts(cert)
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(i['date'])}</td><td>{e(i['title'])}</td><td>{i['hours']:g}</td></tr>"
        for i in f["activities"]
    )
    body = (
        f"<!doctype html><html lang=zh><meta charset=utf-8><title>志愿服务记录证明 {e(f['code'])}</title>"
        f"<h1>志愿服务记录证明（有效）</h1><dl>"
        f"<dt>验证码 code</dt><dd>{e(f['code'])}</dd><dt>姓名 name</dt><dd>{e(f['name'])}</dd>"
        f"<dt>身份证号 ID (masked)</dt><dd>{e(f['idNumberMasked'] or '—')}</dd>"
        f"<dt>记录单位 kept by</dt><dd>{e(f['keeper'])}</dd>"
        f"<dt>服务期间 period</dt><dd>{e(f['periodFrom'])} 至 {e(f['periodTo'])}</dd>"
        f"<dt>经认证服务时长 verified hours</dt><dd>{f['hours']:g}</dd>"
        f"<dt>出具单位 issuer</dt><dd>{e(f['issuer'])}</dd><dt>出具日期 issued on</dt><dd>{e(f['issuedOn'])}</dd>"
        f"</dl><table><tr><th>日期</th><th>服务内容</th><th>小时</th></tr>{rows}</table></html>"
    )
    return HTMLResponse(body, headers={"cache-control": "no-store", "x-robots-tag": "noindex"})


async def certificate_pdf(request):
    """The PDF, for viewers who may read the certificate (bearer token)."""
    from starlette.responses import JSONResponse, Response

    from core.access import visible
    from core.ledgers.routes import request_viewer

    viewer = await request_viewer(request)
    code = request.path_params["code"].strip().upper()
    cert = (
        await visible(viewer, vm.VolunteerCertificate).get_or_none(code=code)
        if viewer.authenticated
        else None
    )
    if cert is None:
        return JSONResponse(
            {"errors": [{"message": "No such certificate.", "extensions": {"code": "NOT_FOUND"}}]},
            status_code=404,
        )
    pdf = render_pdf(public_facts(cert), verify_url(request, cert.code))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="certificate-{cert.code}.pdf"'},
    )


def routes() -> list:
    from starlette.routing import Route

    return [
        Route(VERIFY_PATH + "{code:str}", verification_page, methods=["GET"]),
        Route("/volunteers/certificates/{code:str}.pdf", certificate_pdf, methods=["GET"]),
    ]
