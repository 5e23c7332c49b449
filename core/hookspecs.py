"""The hooks a lastmile plugin may implement.

Each hook is an empty function whose docstring says when it is called and what
it must return, pytest-style. Implement one in your plugin module with
``@hookimpl`` (``from core.hookspecs import hookimpl``) and the same name;
you may accept fewer arguments than the spec lists. Hooks marked *async* may
be ``async def``: core awaits what they return. docs/plugins.md lists them all.
"""

from __future__ import annotations

import pluggy

PROJECT = "lastmile"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def lastmile_tortoise_app():
    """Called once while the plugin host builds the database configuration.

    Return ``{"label": str, "models": [module paths], "migrations": "pkg.migrations"}``
    for the plugin's own tortoise app, or None when the plugin has no tables.
    The label must equal the plugin name. Foreign keys to core use "core.Model"
    and a ``related_name`` prefixed with the plugin name.
    """


@hookspec
def lastmile_permissions():
    """Called when the role registry is built (once per plugin host).

    Return a dict {permission string: one-line description}. Prefix permission
    strings with the plugin name (``mediation.case.read``).
    """


@hookspec
def lastmile_roles():
    """Called when the role registry is built, after lastmile_permissions.

    Return a list of ``core.permissions.RoleDef``. A role with a new name is
    added; a role named like an existing one (``community_worker``) has the
    given permissions added to it.
    """


@hookspec
def lastmile_access_policies():
    """Called once when a plugin host starts (after the plugins are registered).

    Return a dict {model class: policy} for the plugin's own models, where a
    policy is ``policy(viewer) -> core.scopes.RowScope`` (EVERYWHERE, NOWHERE
    or ``where(...)``, composed with ``|`` and ``&``): the rows of that model
    the viewer may read. Every model a plugin serves needs one. Each model has
    exactly one policy: a second registration (even for a core model) is
    refused at start-up with ``core.plugins.PolicyConflictError`` naming both
    plugins.
    """


@hookspec
def lastmile_node_types():
    """Called when a schema is built.

    Return a list of ``core.api.nodes.NodeSpec`` describing each Node type the
    plugin serves, so that ``node``/``nodes`` resolve its global ids with the
    viewer's scope applied.
    """


@hookspec
def lastmile_schema_types():
    """Called when a schema is built.

    Return a list of strawberry types to include in the schema even if no
    field references them (e.g. Node implementations only reachable through
    ``node``). Usually empty.
    """


@hookspec
def lastmile_query_fields():
    """Called when a schema is built.

    Return a list of strawberry ``@strawberry.type`` classes whose fields are
    added to ``Query``. A field name already present is an error.
    """


@hookspec
def lastmile_mutation_fields():
    """Called when a schema is built. Return a list of strawberry types whose
    fields are added to ``Mutation`` (as lastmile_query_fields does for Query)."""


@hookspec
def lastmile_subscription_fields():
    """Called when a schema is built. Return a list of strawberry types whose
    fields are added to ``Subscription`` (as lastmile_query_fields does for Query)."""


@hookspec
def lastmile_type_extensions():
    """Called when a schema is built.

    Return a dict {core type name: [strawberry mixin classes]} adding fields to
    core types, e.g. ``{"Resident": [MediationResidentFields]}``. Extensible:
    District, Subdistrict, Community, Compound, Building, Unit, Resident,
    Organization, User. Each field must batch through a DataLoader
    (``info.context.loaders``) so that lists do not cost one query per row.
    """


@hookspec
def lastmile_sql_mappings():
    """Called when a schema is built, to teach the read compiler (core.compiler) the plugin's tables.

    Return a list of ``core.compiler.mapping.TypeMap``: one per plugin object
    type (its model, and per GraphQL field a ``Column``, ``GlobalId``, ``Ref``,
    ``Rows``, ``Count``, ...), and one named after a core type (``"Resident"``)
    or ``"Query"`` holding only the fields the plugin adds there. Rows are
    scoped by the model's ``core.access`` policy unless the TypeMap gives a
    ``policy``. A field without a mapping is still served, by its resolver:
    any root field whose selection reaches it is executed the ordinary way.
    Mapped fields must return exactly what their resolvers return
    (tests/test_compiled_reads.py compares both paths).
    """


@hookspec
async def lastmile_demo_data(ctx):
    """*async*. Called by ``lastmile demo`` after core's demo data exists.

    ``ctx`` is a ``core.demo.DemoContext`` (random generator, the demo areas,
    residents and staff users). Create the plugin's demo rows; return nothing.
    """


@hookspec
async def lastmile_resident_moved_out(resident, actor_id):
    """*async*. Called inside the transaction of ``moveOutResident`` after the
    resident's status has changed to MOVED_OUT or DECEASED.

    Update the plugin's own rows (e.g. end a volunteer profile). Raising
    ``core.errors.UserFailure`` refuses the move-out. Return nothing.
    """


@hookspec
async def lastmile_resident_moved(resident, from_unit_id, actor_id):
    """*async*. Called inside the transaction of ``moveResident`` after the
    resident moved to another unit. Return nothing; raising UserFailure refuses the move."""


@hookspec
async def lastmile_area_usage(area_id):
    """*async*. Called by ``deleteArea`` before deleting an empty area.

    Return a short reason string when the plugin still holds rows tied to the
    area (deletion is then refused with NOT_EMPTY), else None.
    """


@hookspec
async def lastmile_area_deleted(area_id, actor_id):
    """*async*. Called inside the transaction of ``deleteArea`` after the area
    row is gone. Clean up anything keyed by the area id. Return nothing."""


@hookspec
def lastmile_scheduled_jobs():
    """Called once when a server process starts (and by ``lastmile run-job``).

    Return a list of ``core.scheduled.ScheduledJob``: time-driven work such as closing
    what waited too long or notifying about what is overdue. Each process schedules
    every job; ``core.scheduled.run_job`` makes one run per period happen across all
    instances. A job acts as of ``job_run.now`` and claims what it acts on with a
    conditional write, so that a second run never acts twice. Names are unique,
    prefixed with the plugin name.
    """


@hookspec
async def lastmile_organization_users(organization_ids):
    """*async*. Called when core or a plugin needs the accounts that act for organisations
    (e.g. to notify the owner of an action item that is an organisation, or to let
    its people complete it).

    ``organization_ids`` is a list of ``core.models.Organization`` ids. Return
    ``{organization_id: [user ids]}`` for the organisations the plugin knows people of
    (the demands plugin: their liaisons), or None. Core merges every plugin's answer;
    an organisation nobody answers for has no users.
    """


@hookspec
def lastmile_exports():
    """Called when the plugin host lists the downloadable lists (``/export/<name>.csv|.xlsx``).

    Return a list of ``core.ledgers.exports.ExportDefinition``: a name (prefixed with
    the plugin's, e.g. ``mediation.cases``), the Chinese title, the columns (Chinese
    header and stable English key) and ``rows(viewer, filters, full)``, an async
    iterator of cell lists that reads through ``core.access.visible`` (the same scope
    as the GraphQL field it mirrors), in keyset batches (``core.ledgers.exports.keyset``),
    applying the field's masking. Core writes the one audit entry of the export.
    """


@hookspec
def lastmile_http_routes():
    """Called once when the ASGI app is built.

    Return a list of ``starlette.routing.Route`` served beside ``/graphql``: downloads
    and public pages that are not GraphQL (a certificate's PDF, its verification page).
    Paths start with the plugin's name (``/volunteers/...``) or ``/verify/``; a route
    reads its viewer with ``core.ledgers.routes.request_viewer(request)`` and every
    row through ``core.access.visible``, as resolvers do.
    """
