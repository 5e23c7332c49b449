"""The notice-board plugin's hooks: tables, permission, access policy, schema, demo data."""

from core.api.relay import NodeSpec, register_node_model
from core.hookspecs import hookimpl
from core.permissions import RoleDef
from core.scopes import NOWHERE, where
from lastmile_noticeboard.models import Notice
from lastmile_noticeboard.schema import NoticeboardCommunityFields, NoticeboardMutation, NoticeboardQuery
from lastmile_noticeboard.services import POST

NAME = "noticeboard"
PACKAGE = "lastmile_noticeboard"
DEMO_NOTICE = "周六上午九点, 社区服务中心, 免费量血压。"
VERSION = "0.1.0"
DESCRIPTION = "Community notice board (公告栏): notices staff post and residents read."

register_node_model(Notice, "Notice")


def notice_policy(viewer):
    """Staff read notices under their area.read grants; residents those of their own community."""
    home = where(community_ref__in=list(viewer.resident_lineage)) if viewer.resident_lineage else NOWHERE
    return viewer.scope("area.read").rows() | home


@hookimpl
def lastmile_tortoise_app():
    return {"label": NAME, "models": [f"{PACKAGE}.models"], "migrations": f"{PACKAGE}.migrations"}


@hookimpl
def lastmile_permissions():
    return {POST: "Post notices on the boards of the area's communities."}


@hookimpl
def lastmile_roles():  # widens two core roles
    return [RoleDef(role, "", frozenset({POST})) for role in ("community_worker", "area_manager")]


@hookimpl
def lastmile_access_policies():
    return {Notice: notice_policy}


@hookimpl
def lastmile_node_types():
    return [NodeSpec("Notice", Notice)]


@hookimpl
def lastmile_query_fields():
    return [NoticeboardQuery]


@hookimpl
def lastmile_mutation_fields():
    return [NoticeboardMutation]


@hookimpl
def lastmile_type_extensions():
    return {"Community": [NoticeboardCommunityFields]}


@hookimpl
async def lastmile_demo_data(ctx):
    for c in ctx.communities:
        notice = {"title": f"{c.name}: 本周六义诊", "body": DEMO_NOTICE, "pinned": True}
        await Notice.create(community=c, **c.lineage(), **notice, posted_by=ctx.community_workers.get(c.id))
