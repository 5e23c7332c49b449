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
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType

import pluggy

import core
from core import builtin_hooks, hookspecs
from core.permissions import CORE_PERMISSIONS, RoleDef, RoleRegistry

ENTRY_POINT_GROUP = "lastmile.plugins"


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
        m.name for m in pkgutil.iter_modules(pkg.__path__)
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
        self.pm.check_pending()
        self.registry = self._build_registry()

    def _register(self, name: str, module: ModuleType) -> None:
        declared = getattr(module, "NAME", name)
        if declared != name:
            raise ValueError(f"plugin module {module.__name__} declares NAME={declared!r}, enabled as {name!r}")
        self.modules[name] = module
        self.pm.register(module, name=name)

    @property
    def names(self) -> list[str]:
        return list(self.modules)

    def infos(self) -> list[PluginInfo]:
        return [
            PluginInfo(
                name=name,
                version=getattr(m, "VERSION", core.__version__),
                description=getattr(m, "DESCRIPTION", (m.__doc__ or "").strip().splitlines()[0] if m.__doc__ else ""),
            )
            for name, m in self.modules.items()
        ]

    def _build_registry(self) -> RoleRegistry:
        perms = dict(CORE_PERMISSIONS)
        for extra in self.pm.hook.lastmile_permissions():
            perms.update(extra or {})
        roles: list[RoleDef] = []
        for batch in reversed(self.pm.hook.lastmile_roles()):
            roles.extend(batch or [])
        return RoleRegistry(perms, roles)

    def tortoise_apps(self) -> dict[str, dict]:
        apps: dict[str, dict] = {}
        for name, module in self.modules.items():
            impl = getattr(module, "lastmile_tortoise_app", None)
            app = impl() if impl else None
            if app:
                label = app.get("label", name)
                apps[label] = {k: v for k, v in app.items() if k != "label"}
        return apps

    def collect(self, hook_name: str) -> list:
        """Flatten the list results of a hook, core's first."""
        out: list = []
        for batch in reversed(getattr(self.pm.hook, hook_name)()):
            out.extend(batch or [])
        return out

    async def call_async(self, hook_name: str, **kwargs) -> list:
        """Call a hook whose impls may be async; await each result in turn."""
        results = []
        for result in reversed(getattr(self.pm.hook, hook_name)(**kwargs)):
            if inspect.isawaitable(result):
                result = await result
            results.append(result)
        return results
