"""Residents' needs the 四联单 way (点单 order, 下单 dispatch, 接单 accept, 评单 rate), the
party-building project ledger (党建项目台账) and the subdistrict's whistle (街道吹哨、部门报到)."""

from __future__ import annotations

from core.api.relay import NodeSpec, register_node_model
from core.hookspecs import hookimpl
from core.permissions import RoleDef
from plugins.demands import access
from plugins.demands.access import BLOW, CATEGORY_MANAGE, DISPATCH, LIAISON_MANAGE, READ, SUBMIT
from plugins.demands.models import Demand, DemandAssignment, DemandCategory, Whistle

NAME = "demands"
VERSION = "0.1.0"
DESCRIPTION = (
    "Residents' needs the 四联单 way (order, dispatch, accept, rate), the party-building project "
    "ledger, and the subdistrict's whistle that summons departments."
)

register_node_model(Demand, "Demand")
register_node_model(DemandCategory, "DemandCategory")
register_node_model(DemandAssignment, "DemandAssignment")
register_node_model(Whistle, "Whistle")


@hookimpl
def lastmile_tortoise_app():
    return {"label": NAME, "models": ["plugins.demands.models"], "migrations": "plugins.demands.migrations"}


@hookimpl
def lastmile_permissions():
    return dict(access.PERMISSIONS)


@hookimpl
def lastmile_roles():
    return [
        # Subdistrict and district officials: the whole ledger of their area, and the whistle.
        RoleDef(
            "area_manager", "", frozenset({READ, SUBMIT, DISPATCH, BLOW, CATEGORY_MANAGE, LIAISON_MANAGE})
        ),
        # The community party branch dispatches (下单) within its community.
        RoleDef("community_worker", "", frozenset({READ, SUBMIT, DISPATCH, LIAISON_MANAGE})),
        # Grid workers collect needs on their rounds.
        RoleDef("grid_worker", "", frozenset({READ, SUBMIT})),
    ]


@hookimpl
def lastmile_access_policies():
    return dict(access.POLICIES)


@hookimpl
def lastmile_node_types():
    return [
        NodeSpec("Demand", Demand),
        NodeSpec("DemandCategory", DemandCategory),
        NodeSpec("DemandAssignment", DemandAssignment),
        NodeSpec("Whistle", Whistle),
    ]


@hookimpl
def lastmile_query_fields():
    from plugins.demands.schema import DemandsQuery

    return [DemandsQuery]


@hookimpl
def lastmile_mutation_fields():
    from plugins.demands.schema import DemandsMutation

    return [DemandsMutation]


@hookimpl
def lastmile_subscription_fields():
    from plugins.demands.schema import DemandsSubscription

    return [DemandsSubscription]


@hookimpl
def lastmile_type_extensions():
    from plugins.demands.schema import (
        DemandsCommunityFields,
        DemandsOrganizationFields,
        DemandsResidentFields,
    )

    return {
        "Community": [DemandsCommunityFields],
        "Resident": [DemandsResidentFields],
        "Organization": [DemandsOrganizationFields],
    }


@hookimpl
def lastmile_sql_mappings():
    from plugins.demands.compiled import mappings

    return mappings()


@hookimpl
def lastmile_scheduled_jobs():
    from plugins.demands.jobs import scheduled_jobs

    return scheduled_jobs()


@hookimpl
async def lastmile_organization_users(organization_ids):
    from plugins.demands.services.common import liaisons_of

    return await liaisons_of(organization_ids)


@hookimpl
async def lastmile_demo_data(ctx):
    from plugins.demands.demo import load_demo

    await load_demo(ctx)


@hookimpl
async def lastmile_area_usage(area_id):
    if await Demand.filter(area_id=area_id).exists() or await Whistle.filter(area_id=area_id).exists():
        return "demands or whistles are recorded in it"
    return None
