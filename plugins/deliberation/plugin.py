"""Residents' self-government the Shangjie way: 1+1+1 charters, 1+6+X meetings, topics followed through to done."""

from __future__ import annotations

from core.api.relay import NodeSpec, register_node_model
from core.hookspecs import hookimpl
from core.permissions import RoleDef
from plugins.deliberation import access
from plugins.deliberation.access import MANAGE, RAISE, READ
from plugins.deliberation.models import ActionItem, DeliberationMeeting, DeliberationTopic

NAME = "deliberation"
VERSION = "0.1.0"
DESCRIPTION = "Residents' deliberation: 1+1+1 charters, 1+6+X meetings, topics followed through to done."

register_node_model(DeliberationTopic, "DeliberationTopic")
register_node_model(DeliberationMeeting, "DeliberationMeeting")
register_node_model(ActionItem, "ActionItem")


@hookimpl
def lastmile_tortoise_app():
    return {
        "label": NAME,
        "models": ["plugins.deliberation.models"],
        "migrations": "plugins.deliberation.migrations",
    }


@hookimpl
def lastmile_permissions():
    return dict(access.PERMISSIONS)


@hookimpl
def lastmile_roles():
    staff = frozenset({READ, MANAGE, RAISE})
    return [
        RoleDef("area_manager", "", staff),
        RoleDef("community_worker", "", staff),
        # Grid leaders hear residents' worries on their rounds: they read and raise; the community decides.
        RoleDef("grid_worker", "", frozenset({READ, RAISE})),
    ]


@hookimpl
def lastmile_access_policies():
    return dict(access.POLICIES)


@hookimpl
def lastmile_node_types():
    return [
        NodeSpec("DeliberationTopic", DeliberationTopic),
        NodeSpec("DeliberationMeeting", DeliberationMeeting),
        NodeSpec("ActionItem", ActionItem),
    ]


@hookimpl
def lastmile_query_fields():
    from plugins.deliberation.schema import DeliberationQuery

    return [DeliberationQuery]


@hookimpl
def lastmile_mutation_fields():
    from plugins.deliberation.schema import DeliberationMutation

    return [DeliberationMutation]


@hookimpl
def lastmile_subscription_fields():
    from plugins.deliberation.schema import DeliberationSubscription

    return [DeliberationSubscription]


@hookimpl
def lastmile_type_extensions():
    from plugins.deliberation.schema import (
        DeliberationCommunityFields,
        DeliberationCompoundFields,
        DeliberationResidentFields,
    )

    return {
        "Community": [DeliberationCommunityFields],
        "Compound": [DeliberationCompoundFields],
        "Resident": [DeliberationResidentFields],
    }


@hookimpl
def lastmile_scheduled_jobs():
    from plugins.deliberation.jobs import jobs

    return jobs()


@hookimpl
async def lastmile_demo_data(ctx):
    from plugins.deliberation.demo import load_demo

    await load_demo(ctx)


@hookimpl
async def lastmile_area_usage(area_id):
    from plugins.deliberation.models import CharterDocument, MeetingVenue

    for model, what in (
        (DeliberationTopic, "deliberation topics"),
        (DeliberationMeeting, "deliberation meetings"),
        (CharterDocument, "charter documents"),
        (MeetingVenue, "a meeting venue"),
    ):
        if await model.filter(area_id=area_id).exists():
            return f"{what} are recorded in it"
    return None


@hookimpl
def lastmile_sql_mappings():
    from plugins.deliberation.compiled import mappings

    return mappings()
