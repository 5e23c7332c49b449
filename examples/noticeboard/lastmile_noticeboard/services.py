"""Posting a notice: the rules, in plain values; failures are UserFailure (userErrors)."""

from core import models as m
from core.access import visible
from core.enums import AreaLevel, ResidentStatus
from core.errors import Code, UserFailure, not_found
from core.services.guards import require_text
from core.services.notifications import notify
from lastmile_noticeboard.models import Notice

POST = "noticeboard.post"


async def post_notice(context, community_id: int | None, title: str, body: str, pinned: bool) -> Notice:
    viewer = context.viewer
    community = await visible(viewer, m.Area).filter(id=community_id or 0, level=AreaLevel.COMMUNITY).first()
    if community is None:
        raise not_found("Community", "communityId")
    if not viewer.can(POST, community):
        raise UserFailure("Posting here needs noticeboard.post.", Code.FORBIDDEN, "communityId")
    row = {
        "title": require_text(title, "title", "Title", 120),
        "body": require_text(body, "body", "Text", 4000),
    }
    row |= {"pinned": pinned, "posted_by_id": viewer.user_id}
    notice = await Notice.create(community=community, **community.lineage(), **row)
    # Every resident account living in the community hears of it (delivered after commit).
    living_here = m.User.filter(resident__community_id=community.id, resident__status=ResidentStatus.ACTIVE)
    readers = await living_here.values_list("id", flat=True)
    await notify(context, readers, "noticeboard.posted", notice.title, body=notice.body[:200], subject=notice)
    return notice
