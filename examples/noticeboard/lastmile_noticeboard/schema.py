"""GraphQL: the Notice node, Query.notices, Community.notices, Mutation.postNotice."""

import datetime as dt

import strawberry
from strawberry import ID
from strawberry import field as F
from strawberry.types import Info

from core import models as m
from core.access import visible
from core.api.mutation import run_mutation
from core.api.relay import Connection, Node, connection_from_queryset
from core.api.types import CommunityT, UserError
from core.ids import decode_int_gid
from lastmile_noticeboard import services
from lastmile_noticeboard.models import Notice as NoticeRow

ORDER = ("-pinned", "-posted_at", "-id")


@strawberry.type(description="A notice on a community's board (公告栏).")
class Notice(Node):
    title: str = F(description="Headline.")
    body: str = F(description="The notice's text.")
    pinned: bool = F(description="Shown above the others.")
    posted_at: dt.datetime = F(description="When it was posted (UTC).")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, NoticeRow)

    @F(description="The community whose board it is on.")
    async def community(self, info: Info) -> CommunityT:
        return await info.context.loaders.by_id(m.Area).load(self.community_id)


@strawberry.type(description="Notice-board queries.")
class NoticeboardQuery:
    @F(description="Notices the viewer may read, pinned first, newest next.")
    async def notices(
        self, info: Info, community_id: ID | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Notice]:
        qs = visible(info.context.viewer, NoticeRow)
        if community_id is not None:
            qs = qs.filter(community_id=decode_int_gid(community_id, "Community") or 0)
        return await connection_from_queryset(qs.order_by(*ORDER), first, after)


@strawberry.type(name="NoticeboardCommunityFields", description="Notice-board fields of Community.")
class NoticeboardCommunityFields:
    @F(description="The community's notices the viewer may read, pinned first (batched over communities).")
    async def notices(self, info: Info) -> list[Notice]:
        return await info.context.loaders.children(NoticeRow, "community_id", order=ORDER).load(self.id)


@strawberry.input(description="A notice to post.")
class PostNoticeInput:
    community_id: ID = F(description="The community whose board gets it.")
    title: str = F(description="Headline, 1 to 120 characters.")
    body: str = F(description="Text, 1 to 4000 characters.")
    pinned: bool = F(default=False, description="Show it above the others.")


@strawberry.type(description="Result of postNotice.")
class PostNoticePayload:
    notice: Notice | None = F(description="The posted notice; null on failure.")
    user_errors: list[UserError] = F(description="Why nothing was posted.")


@strawberry.type(description="Notice-board mutations.")
class NoticeboardMutation:
    @F(description="Posts a notice (needs noticeboard.post over the community) and notifies its residents.")
    async def post_notice(self, info: Info, input: PostNoticeInput) -> PostNoticePayload:
        community_id = decode_int_gid(input.community_id, "Community")  # None if malformed: NOT_FOUND
        args = (info.context, community_id, input.title, input.body, input.pinned)
        return await run_mutation(info, lambda: services.post_notice(*args), PostNoticePayload, "notice")
