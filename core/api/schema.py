"""Builds the served schema from core and the enabled plugins.

Extensible core types are composed here: ``Resident`` = ``ResidentBase`` +
each plugin's mixins, and likewise for Query, Mutation and Subscription. Two
contributions defining the same field name are an error, not a silent
override. Every build makes fresh classes, so schemas for different plugin
sets can live side by side in one process.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from core.api import built
from core.api import types as t
from core.api.argument_docs import describe_arguments
from core.api.audit import AuditReads
from core.api.nodes import NodeRegistry
from core.events import InProcessBus
from core.gc_tuning import ReleaseRequestData
from core.metrics import OperationNameExtension
from core.plugins import PluginHost
from core.replica import ReadRouting
from core.settings import Settings

EXTENSIBLE = {
    "District": t.DistrictBase,
    "Subdistrict": t.SubdistrictBase,
    "Community": t.CommunityBase,
    "Compound": t.CompoundBase,
    "Building": t.BuildingBase,
    "Unit": t.UnitBase,
    "Resident": t.ResidentBase,
    "Organization": t.OrganizationBase,
    "User": t.UserBase,
}
# The five area types. A plugin extends them all at once under the key "Area" (one mixin, five types).
AREA_LEVELS = ("District", "Subdistrict", "Community", "Compound", "Building")


class SchemaConflict(Exception):
    pass


def _field_names(cls) -> list[str]:
    return [f.python_name for f in cls.__strawberry_definition__.fields]


def _compose(name: str, parts: list[type], description: str | None):
    """One strawberry type with the fields of every part; a name defined twice is an error."""
    seen: dict[str, str] = {}
    for part in parts:
        own = set(_field_names(part))
        for base in parts:
            if base is not part and issubclass(part, base):
                own -= set(_field_names(base))
        for field in own:
            if field in seen:
                raise SchemaConflict(
                    f"{name}.{field} is defined by both {seen[field]} and {part.__qualname__}"
                )
            seen[field] = part.__qualname__
    # Later parts first in the MRO would shadow earlier ones; conflicts are refused above.
    cls = type(name, tuple(reversed(parts)), {"__module__": built.__name__})
    return strawberry.type(cls, name=name, description=description)


@dataclass
class Runtime:
    """Everything a request needs besides the viewer: built once per app."""

    host: PluginHost
    settings: Settings
    schema: strawberry.Schema
    nodes: NodeRegistry
    bus: object


class LastmileSchema(strawberry.Schema):
    """strawberry's Schema, logging errors by our rules (core.api.failures.log_errors: client errors
    at INFO, bounded and sampled) instead of every error at ERROR with the whole document."""

    def process_errors(self, errors, execution_context=None) -> None:
        from core.api.failures import log_errors

        log_errors(errors, execution_context)


def build_schema(host: PluginHost, settings: Settings) -> tuple[strawberry.Schema, NodeRegistry]:
    extensions: dict[str, list[type]] = defaultdict(list)
    for type_name, mixins in host.type_extensions().items():
        if type_name != "Area" and type_name not in EXTENSIBLE:
            raise SchemaConflict(f"{type_name} cannot be extended; extensible: Area, {', '.join(EXTENSIBLE)}")
        for name in AREA_LEVELS if type_name == "Area" else (type_name,):
            extensions[name].extend(mixins)
    composed = {}
    for name, base in EXTENSIBLE.items():
        composed[name] = _compose(name, [base, *extensions[name]], base.__strawberry_definition__.description)
        setattr(built, name, composed[name])

    query = _compose("Query", host.query_fields(), "Read entry points.")
    mutation = _compose(
        "Mutation",
        host.mutation_fields(),
        "Changes; each runs in one transaction and reports failures as userErrors.",
    )
    subscription_parts = host.subscription_fields()
    subscription = (
        _compose("Subscription", subscription_parts, "Live updates over graphql-transport-ws at /graphql.")
        if subscription_parts
        else None
    )
    from core.api.budget import CountingExecutionContext, limits_extensions
    from core.api.cost import cost_extensions
    from core.api.security import limit_extensions, public_root_fields, security_extensions
    from core.compiler.extension import Compiler
    from core.compiler.mapping import MappingRegistry

    # Compiled reads: after the limits and the security extensions, so they see only admitted operations.
    compiler = Compiler(MappingRegistry(host.sql_mappings()), settings)

    schema = LastmileSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=[*composed.values(), t.Notification, *host.schema_types()],
        extensions=[
            # Factories, not instances: an instance would be shared by concurrent requests.
            *limit_extensions(settings),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            *cost_extensions(settings),  # after ValidationCache: costs documents that validated
            *limits_extensions(settings),  # deadline and object cap around every executor
            *security_extensions(settings, public_root_fields(query, mutation, subscription)),
            # Before the compiler, whose statement runs in its on_execute: a pinned read stays on the primary.
            *([ReadRouting] if settings.read_database_url else []),
            compiler.extension,
            AuditReads,
            ReleaseRequestData,
            OperationNameExtension,
        ],
        execution_context_class=CountingExecutionContext,
        config=StrawberryConfig(
            disable_field_suggestions=settings.is_production,
            batching_config={"max_operations": settings.max_batch},
        ),
    )
    describe_arguments(schema._schema)
    nodes = NodeRegistry(host.node_types())
    compiler.schema, compiler.node_types = schema, dict(nodes.specs)
    schema.compiler = compiler  # the fast path (core/compiler/fast.py) reads its plan cache
    return schema, nodes


def build_runtime(settings: Settings, host: PluginHost | None = None, bus=None) -> Runtime:
    host = host or PluginHost(settings.plugin_names())
    schema, nodes = build_schema(host, settings)
    if bus is None:
        from core.bus import make_bus

        bus = make_bus(settings)
    return Runtime(host=host, settings=settings, schema=schema, nodes=nodes, bus=bus)


def export_sdl(host: PluginHost, settings: Settings) -> str:
    schema, _ = build_schema(host, settings)
    return schema.as_str() + "\n"


__all__ = ["AREA_LEVELS", "Runtime", "build_runtime", "build_schema", "export_sdl", "InProcessBus"]
