"""The volunteers plugin: hooks wiring its tables, permissions, schema, demo data and core events."""

from __future__ import annotations

from core.api.relay import NodeSpec, register_node_model
from core.hookspecs import hookimpl
from plugins.volunteers import access
from plugins.volunteers import models as vm
from plugins.volunteers.access import PERMISSIONS, ROLES

NAME = "volunteers"
VERSION = "0.1.0"
DESCRIPTION = "Volunteer service (志愿服务): volunteers, teams, activities with signups and check-ins, hours, leaderboards."

NODES = {
    vm.Volunteer: "Volunteer",
    vm.VolunteerTeam: "VolunteerTeam",
    vm.VolunteerActivity: "VolunteerActivity",
    vm.ActivitySignup: "ActivitySignup",
    vm.ServiceLog: "ServiceLog",
    vm.VolunteerCertificate: "VolunteerCertificate",
}
for _model, _name in NODES.items():
    register_node_model(_model, _name)


@hookimpl
def lastmile_tortoise_app():
    return {
        "label": NAME,
        "models": ["plugins.volunteers.models"],
        "migrations": "plugins.volunteers.migrations",
    }


@hookimpl
def lastmile_permissions():
    return dict(PERMISSIONS)


@hookimpl
def lastmile_roles():
    return list(ROLES)


@hookimpl
def lastmile_node_types():
    return [NodeSpec(name, model) for model, name in NODES.items()]


@hookimpl
def lastmile_schema_types():
    from plugins.volunteers.types import ServiceLog

    return [ServiceLog]


@hookimpl
def lastmile_query_fields():
    from plugins.volunteers.schema import VolunteersQuery

    return [VolunteersQuery]


@hookimpl
def lastmile_mutation_fields():
    from plugins.volunteers.certificate_schema import CertificateMutation
    from plugins.volunteers.schema import VolunteersMutation

    return [VolunteersMutation, CertificateMutation]


@hookimpl
def lastmile_type_extensions():
    from plugins.volunteers.schema import VolunteersCommunityFields, VolunteersResidentFields

    return {"Resident": [VolunteersResidentFields], "Community": [VolunteersCommunityFields]}


@hookimpl
async def lastmile_demo_data(ctx):
    from plugins.volunteers.demo import load_demo

    await load_demo(ctx)


@hookimpl
async def lastmile_resident_moved_out(resident, actor_id):
    from plugins.volunteers.services.volunteers import end_profile

    await end_profile(resident)


@hookimpl
async def lastmile_resident_moved(resident, from_unit_id, actor_id):
    from plugins.volunteers.services.volunteers import follow_move

    await follow_move(resident)


@hookimpl
async def lastmile_area_usage(area_id):
    from plugins.volunteers.services.areas import area_usage

    return await area_usage(area_id)


@hookimpl
def lastmile_sql_mappings():
    from plugins.volunteers.compiled import mappings

    return mappings()


@hookimpl
def lastmile_access_policies():
    from plugins.volunteers.certificate_schema import certificate_policy

    return {**access.POLICIES, vm.VolunteerCertificate: certificate_policy}


@hookimpl
def lastmile_exports():
    from plugins.volunteers.exports import exports

    return exports()


@hookimpl
def lastmile_http_routes():
    from plugins.volunteers.certificates import routes

    return routes()
