"""Civility selections: star-rated households, most beautiful families, model people."""

from __future__ import annotations

from core.api.relay import NodeSpec, register_node_model
from core.hookspecs import hookimpl
from plugins.civility import access
from plugins.civility import models as cm
from plugins.civility.access import PERMISSIONS, ROLES

NAME = "civility"
VERSION = "0.1.0"
DESCRIPTION = "Civility campaigns: star-rated households (星级文明户), most beautiful families, model people."

register_node_model(cm.Campaign, "CivilityCampaign")
register_node_model(cm.Nomination, "Nomination")


@hookimpl
def lastmile_tortoise_app():
    return {"label": NAME, "models": ["plugins.civility.models"], "migrations": "plugins.civility.migrations"}


@hookimpl
def lastmile_permissions():
    return dict(PERMISSIONS)


@hookimpl
def lastmile_roles():
    return list(ROLES)


@hookimpl
def lastmile_node_types():
    return [NodeSpec("CivilityCampaign", cm.Campaign), NodeSpec("Nomination", cm.Nomination)]


@hookimpl
def lastmile_query_fields():
    from plugins.civility.schema import CivilityQuery

    return [CivilityQuery]


@hookimpl
def lastmile_mutation_fields():
    from plugins.civility.schema import CivilityMutation

    return [CivilityMutation]


@hookimpl
def lastmile_subscription_fields():
    from plugins.civility.schema import CivilitySubscription

    return [CivilitySubscription]


@hookimpl
def lastmile_type_extensions():
    from plugins.civility.schema import CivilityResidentFields, CivilityUnitFields

    return {"Unit": [CivilityUnitFields], "Resident": [CivilityResidentFields]}


@hookimpl
async def lastmile_area_usage(area_id):
    from plugins.civility.services.campaigns import area_usage

    return await area_usage(area_id)


@hookimpl
async def lastmile_demo_data(ctx):
    from plugins.civility.demo import load_demo

    await load_demo(ctx)


@hookimpl
def lastmile_sql_mappings():
    from plugins.civility.compiled import mappings

    return mappings()


@hookimpl
def lastmile_access_policies():
    return dict(access.POLICIES)


@hookimpl
def lastmile_exports():
    from plugins.civility.exports import exports

    return exports()
