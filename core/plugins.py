"""The plugin host: which plugins a deployment runs, and calling their hooks.

Built-in plugins live in ``plugins/<name>/plugin.py``; third-party ones are
found through the entry-point group ``lastmile.plugins``, loaded by name only
(an installed plugin is never enabled by accident: each adds tables and schema).
Every :class:`PluginHost` has its own pluggy manager, so several plugin sets
can coexist in one process (tests build many).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType

import pluggy

import core
from core import builtin_hooks, hookspecs
from core.access import install_policies
from core.permissions import CORE_PERMISSIONS, RoleRegistry

ENTRY_POINT_GROUP = "lastmile.plugins"


class PolicyConflictError(Exception):
    """Two plugins registered an access policy for the same model."""

    def __init__(self, model: type, first: str, second: str):
        self.model, self.first, self.second = model, first, second
        super().__init__(
            f"Both {first!r} and {second!r} register an access policy for {model.__name__}: "
            "each model has exactly one (disable one of the plugins, or have its owner widen it)"
        )


class UnknownPluginError(Exception):
    def __init__(self, name: str, available: list[str]):
        self.name = name
        self.available = available
        super().__init__(
            f"Unknown plugin {name!r} in LASTMILE_PLUGINS. Available plugins: "
            + (", ".join(available) if available else "(none)")
        )


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    description: str


def _builtin_names() -> list[str]:
    import plugins as pkg

    return sorted(
        m.name
        for m in pkgutil.iter_modules(pkg.__path__)
        if m.ispkg and importlib.util.find_spec(f"plugins.{m.name}.plugin") is not None
    )


def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_plugins() -> list[str]:
    return sorted(set(_builtin_names()) | set(_entry_points()))


def _load_module(name: str) -> ModuleType:
    if name in _builtin_names():
        return importlib.import_module(f"plugins.{name}.plugin")
    eps = _entry_points()
    if name in eps:
        loaded = eps[name].load()
        if not isinstance(loaded, ModuleType):
            raise TypeError(f"entry point {name!r} must name a module")
        return loaded
    raise UnknownPluginError(name, available_plugins())


class PluginHost:
    """The enabled plugins of one deployment (or one test)."""

    def __init__(self, names: list[str] | None = None, extra_modules: list[ModuleType] = ()):
        """``names=None`` enables every built-in plugin; ``extra_modules`` are
        plugin modules registered directly (tests)."""
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(builtin_hooks, name="core")
        wanted = _builtin_names() if names is None else list(dict.fromkeys(names))
        self.modules: dict[str, ModuleType] = {}
        for name in wanted:
            self._register(name, _load_module(name))
        for module in extra_modules:
            self._register(getattr(module, "NAME", module.__name__), module)
        # pluggy calls the plugin registered last first; registering in reverse makes hooks run
        # in the order the plugins are enabled, after core's impls (all tryfirst).
        for name, module in reversed(self.modules.items()):
            self.pm.register(module, name=name)
        self.pm.check_pending()
        self.registry = self._build_registry()
        # {model: owning plugin}, filled by access_policies().
        self.policy_owners: dict[type, str] = {}
        policies = self.access_policies()
        install_policies(policies, self.policy_owners)

    def _register(self, name: str, module: ModuleType) -> None:
        declared = getattr(module, "NAME", name)
        if declared != name:
            raise ValueError(
                f"plugin module {module.__name__} declares NAME={declared!r}, enabled as {name!r}"
            )
        if name in self.modules or name == "core":
            raise ValueError(f"two plugins are named {name!r}")
        self.modules[name] = module

    @property
    def names(self) -> list[str]:
        return list(self.modules)

    def infos(self) -> list[PluginInfo]:
        return [
            PluginInfo(
                name=name,
                version=getattr(m, "VERSION", core.__version__),
                description=getattr(
                    m, "DESCRIPTION", (m.__doc__ or "").strip().splitlines()[0] if m.__doc__ else ""
                ),
            )
            for name, m in self.modules.items()
        ]

    # --- typed calls of every hook; core's impls are tryfirst, so core's part comes first ---

    def _batches(self, results: list) -> list:
        """Flatten a list-returning hook's results (None or empty from a plugin is fine)."""
        return [item for batch in results for item in (batch or [])]

    def _build_registry(self) -> RoleRegistry:
        perms = dict(CORE_PERMISSIONS)
        for extra in self.pm.hook.lastmile_permissions():
            perms.update(extra or {})
        return RoleRegistry(perms, self._batches(self.pm.hook.lastmile_roles()))

    def tortoise_apps(self) -> dict[str, dict]:
        """{label: tortoise app config} of the enabled plugins that have tables."""
        apps: dict[str, dict] = {}
        for impl in reversed(self.pm.hook.lastmile_tortoise_app.get_hookimpls()):
            app = impl.function()
            if app:
                label = app.get("label", impl.plugin_name)
                apps[label] = {k: v for k, v in app.items() if k != "label"}
        return apps

    def access_policies(self) -> dict[type, Callable]:
        """{model: policy} from every lastmile_access_policies impl, one owner per model.

        A second registration for a model is refused with both plugins named:
        a plugin cannot silently replace core's (or another plugin's) policy."""
        owners: dict[type, str] = {}
        policies: dict[type, Callable] = {}
        for impl in reversed(self.pm.hook.lastmile_access_policies.get_hookimpls()):
            for model, policy in (impl.function() or {}).items():
                if model in owners:
                    raise PolicyConflictError(model, owners[model], impl.plugin_name)
                owners[model] = impl.plugin_name
                policies[model] = policy
        self.policy_owners = owners
        return policies

    def node_types(self) -> list:
        return self._batches(self.pm.hook.lastmile_node_types())

    def schema_types(self) -> list:
        return self._batches(self.pm.hook.lastmile_schema_types())

    def sql_mappings(self) -> list:
        """The read compiler's TypeMaps, core's first (core.compiler.mapping)."""
        return self._batches(self.pm.hook.lastmile_sql_mappings())

    def query_fields(self) -> list:
        return self._batches(self.pm.hook.lastmile_query_fields())

    def mutation_fields(self) -> list:
        return self._batches(self.pm.hook.lastmile_mutation_fields())

    def subscription_fields(self) -> list:
        return self._batches(self.pm.hook.lastmile_subscription_fields())

    def type_extensions(self) -> dict[str, list]:
        """{core type name: [mixins]}, core's first, then plugins'."""
        merged: dict[str, list] = {}
        for contribution in self.pm.hook.lastmile_type_extensions():
            for type_name, mixins in (contribution or {}).items():
                merged.setdefault(type_name, []).extend(mixins)
        return merged

    def exports(self) -> list:
        """Every downloadable list (``core.ledgers.exports.ExportDefinition``), core's first."""
        return self._batches(self.pm.hook.lastmile_exports())

    def http_routes(self) -> list:
        """The plugins' extra HTTP routes (starlette Routes)."""
        return self._batches(self.pm.hook.lastmile_http_routes())

    def scheduled_jobs(self) -> list:
        """Every enabled plugin's ``core.scheduled.ScheduledJob`` values."""
        return self._batches(self.pm.hook.lastmile_scheduled_jobs())

    async def organization_users(self, organization_ids) -> dict[int, set[int]]:
        """{organization id: user ids acting for it}, merged over every plugin that knows."""
        ids = sorted({int(i) for i in organization_ids})
        merged: dict[int, set[int]] = {i: set() for i in ids}
        if not ids:
            return merged
        for answer in await self._each(self.pm.hook.lastmile_organization_users(organization_ids=ids)):
            for org_id, users in (answer or {}).items():
                if int(org_id) in merged:
                    merged[int(org_id)].update(int(u) for u in users)
        return merged

    async def _each(self, results: list) -> list:
        """Await, one after the other, what async impls returned (pluggy does not)."""
        out = []
        for result in results:
            out.append(await result if inspect.isawaitable(result) else result)
        return out

    async def demo_data(self, ctx, progress=None) -> None:
        """Each plugin's demo rows, one plugin at a time in hook order; ``progress(line)``
        (if given) hears of each plugin done."""
        for impl in reversed(self.pm.hook.lastmile_demo_data.get_hookimpls()):  # pluggy's call order
            result = impl.function(ctx=ctx)
            if inspect.isawaitable(result):
                await result
            if progress is not None:
                progress(f"{impl.plugin_name}: demo data loaded")

    async def resident_moved_out(self, resident, actor_id: int | None) -> None:
        await self._each(self.pm.hook.lastmile_resident_moved_out(resident=resident, actor_id=actor_id))

    async def resident_moved(self, resident, from_unit_id: int | None, actor_id: int | None) -> None:
        await self._each(
            self.pm.hook.lastmile_resident_moved(
                resident=resident, from_unit_id=from_unit_id, actor_id=actor_id
            )
        )

    async def area_usage(self, area_id: int) -> list[str]:
        """The reasons plugins give for keeping the area (empty: it may go)."""
        return [r for r in await self._each(self.pm.hook.lastmile_area_usage(area_id=area_id)) if r]

    async def area_deleted(self, area_id: int, actor_id: int | None) -> None:
        await self._each(self.pm.hook.lastmile_area_deleted(area_id=area_id, actor_id=actor_id))
