"""Posting a notice: the rules, in plain values; failures are UserFailure (userErrors)."""

from core import models as m
from core.access import visible
from core.enums import AreaLevel, ResidentStatus
from core.errors import Code, UserFailure, not_found
from core.services.notifications import notify
from core.validation import unstorable_text
from lastmile_noticeboard.models import Notice

POST = "noticeboard.post"


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit or unstorable_text(value):
        raise UserFailure(f"{field} must be 1 to {limit} characters.", Code.INVALID_INPUT, field)
    return value


async def post_notice(context, community_id: int | None, title: str, body: str, pinned: bool) -> Notice:
    viewer = context.viewer
    community = await visible(viewer, m.Area).filter(id=community_id or 0, level=AreaLevel.COMMUNITY).first()
    if community is None:
        raise not_found("Community", "communityId")
    if not viewer.can(POST, community):
        raise UserFailure("Posting here needs noticeboard.post.", Code.FORBIDDEN, "communityId")
    notice = await Notice.create(
        community=community,
        **community.lineage(),
        title=_text(title, "title", 120),
        body=_text(body, "body", 4000),
        pinned=pinned,
        posted_by_id=viewer.user_id,
    )
    # Every resident account living in the community hears of it (delivered after commit).
    readers = await m.User.filter(
        resident__community_id=community.id, resident__status=ResidentStatus.ACTIVE
    ).values_list("id", flat=True)
    await notify(context, readers, "noticeboard.posted", notice.title, body=notice.body[:200], subject=notice)
    return notice
