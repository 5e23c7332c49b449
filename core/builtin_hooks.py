"""Core's own contributions, made through the same hooks plugins use.

Every impl here is ``tryfirst``: core's roles, node types and root fields come
before any plugin's, so a plugin widens a core role rather than defining it."""

from __future__ import annotations

from core import models as m
from core.access import CORE_POLICIES
from core.api.relay import NodeSpec, register_node_model
from core.enums import AREA_TYPE_NAMES, LEVELS
from core.hookspecs import hookimpl
from core.permissions import CORE_ROLES

AREA_TYPE_BY_LEVEL = dict(zip(LEVELS, AREA_TYPE_NAMES, strict=True))

register_node_model(m.Area, lambda area: AREA_TYPE_BY_LEVEL[area.level])
register_node_model(m.Unit, "Unit")
register_node_model(m.Resident, "Resident")
register_node_model(m.Organization, "Organization")
register_node_model(m.User, "User")
register_node_model(m.Notification, "Notification")
register_node_model(m.ImportJob, "ImportJob")  # core.ledgers


@hookimpl(tryfirst=True)
def lastmile_roles():
    return list(CORE_ROLES)


@hookimpl(tryfirst=True)
def lastmile_node_types():
    specs = [
        NodeSpec(name, m.Area, accepts=lambda obj, lv=level: obj.level == lv)
        for level, name in AREA_TYPE_BY_LEVEL.items()
    ]
    specs += [
        NodeSpec("Unit", m.Unit),
        NodeSpec("Resident", m.Resident),
        NodeSpec("Organization", m.Organization),
        NodeSpec("User", m.User),
        NodeSpec("Notification", m.Notification),
        NodeSpec("ImportJob", m.ImportJob),
    ]
    return specs


@hookimpl(tryfirst=True)
def lastmile_query_fields():
    from core.api.directory import DirectoryQuery
    from core.api.queries import CoreQuery
    from core.ledgers.schema import LedgerQuery

    return [CoreQuery, DirectoryQuery, LedgerQuery]


@hookimpl(tryfirst=True)
def lastmile_mutation_fields():
    from core.api.mutations import CoreMutation
    from core.ledgers.schema import LedgerMutation

    return [CoreMutation, LedgerMutation]


@hookimpl(tryfirst=True)
def lastmile_subscription_fields():
    from core.api.subscriptions import CoreSubscription
    from core.ledgers.schema import LedgerSubscription

    return [CoreSubscription, LedgerSubscription]


@hookimpl(tryfirst=True)
def lastmile_sql_mappings():
    from core.compiler.core_maps import core_mappings

    return core_mappings()


@hookimpl(tryfirst=True)
def lastmile_access_policies():
    from core.ledgers.jobs import import_job_policy

    return {**CORE_POLICIES, m.ImportJob: import_job_policy}


@hookimpl(tryfirst=True)
def lastmile_exports():
    from core.ledgers.exports import core_exports

    return core_exports()
