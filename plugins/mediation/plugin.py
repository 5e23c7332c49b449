"""Dispute mediation the 4+A way: cases, teams, sessions, agreements, follow-ups and statistics."""

from __future__ import annotations

from core.api.relay import NodeSpec, register_node_model
from core.hookspecs import hookimpl
from plugins.mediation import access
from plugins.mediation.models import DisputeCase

NAME = "mediation"
VERSION = "0.1.0"
DESCRIPTION = "Dispute mediation the 4+A way: cases, teams, sessions, agreements, follow-ups and statistics."

register_node_model(DisputeCase, "DisputeCase")


@hookimpl
def lastmile_tortoise_app():
    return {
        "label": NAME,
        "models": ["plugins.mediation.models"],
        "migrations": "plugins.mediation.migrations",
    }


@hookimpl
def lastmile_permissions():
    return dict(access.PERMISSIONS)


@hookimpl
def lastmile_roles():
    return list(access.ROLES)


@hookimpl
def lastmile_node_types():
    return [NodeSpec("DisputeCase", DisputeCase)]


@hookimpl
def lastmile_query_fields():
    from plugins.mediation.schema import MediationQuery

    return [MediationQuery]


@hookimpl
def lastmile_mutation_fields():
    from plugins.mediation.schema import MediationMutation

    return [MediationMutation]


@hookimpl
def lastmile_subscription_fields():
    from plugins.mediation.schema import MediationSubscription

    return [MediationSubscription]


@hookimpl
def lastmile_type_extensions():
    from plugins.mediation.schema import MediationCommunityFields, MediationResidentFields

    return {"Resident": [MediationResidentFields], "Community": [MediationCommunityFields]}


@hookimpl
async def lastmile_demo_data(ctx):
    from plugins.mediation.demo import load_demo

    await load_demo(ctx)


@hookimpl
async def lastmile_area_usage(area_id):
    from plugins.mediation.services.cases import area_usage

    return await area_usage(area_id)


@hookimpl
def lastmile_sql_mappings():
    from plugins.mediation.compiled import mappings

    return mappings()


@hookimpl
def lastmile_access_policies():
    return dict(access.POLICIES)


@hookimpl
def lastmile_exports():
    from plugins.mediation.exports import exports

    return exports()
