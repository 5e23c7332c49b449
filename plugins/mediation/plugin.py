"""Dispute mediation the 4+A way: cases, teams, sessions, agreements, follow-ups and statistics."""

from __future__ import annotations

from core.api.relay import NodeSpec, register_node_model
from core.hookspecs import hookimpl
from core.permissions import RoleDef
from plugins.mediation import access
from plugins.mediation.access import MANAGE, READ, REPORT
from plugins.mediation.models import DisputeCase

NAME = "mediation"
VERSION = "0.1.0"
DESCRIPTION = "Dispute mediation the 4+A way: cases, teams, sessions, agreements, follow-ups and statistics."

register_node_model(DisputeCase, "DisputeCase")


@hookimpl
def lastmile_tortoise_app():
    return {"label": NAME, "models": ["plugins.mediation.models"], "migrations": "plugins.mediation.migrations"}


@hookimpl
def lastmile_permissions():
    return dict(access.PERMISSIONS)


@hookimpl
def lastmile_roles():
    everything = frozenset({READ, REPORT, MANAGE})
    return [
        RoleDef("mediator", "People's mediator (民调员): reports, reads and works dispute cases of the area; "
                "may be put on 4+A teams.", everything | {"area.read", "resident.read"}),
        RoleDef("area_manager", "", everything),
        RoleDef("community_worker", "", everything),
        # Grid leaders hear of disputes first on their rounds: they report and read, the community manages.
        RoleDef("grid_worker", "", frozenset({READ, REPORT})),
        RoleDef("resident", "", frozenset({REPORT})),
    ]


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
    if await DisputeCase.filter(area_id=area_id).exists():
        return "dispute cases are recorded in it"
    return None


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
