"""Layers point one way: services (core's and the built-in plugins') and core's domain modules
never import the API edge.

Services take plain values and a viewer and raise UserFailure with logical field names;
strawberry types, global-id decoding of inputs and GraphQL paths belong to core/api
(docs/architecture.md, "Shape"). This reads the imports of the files, so a shortcut fails CI."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "core"
# Domain modules: the rules and the data, below the API. (core.enums is shared with the
# schema on purpose: its values carry their GraphQL descriptions.)
DOMAIN = [
    "access",
    "audit",
    "auth",
    "clock",
    "dates",
    "errors",
    "events",
    "idempotency",
    "ids",
    "integrity",
    "models",
    "password_policy",
    "permissions",
    "pii",
    "scheduled",
    "scopes",
    "validation",
    "viewer_cache",
]
FORBIDDEN = ("core.api", "strawberry")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


PLUGINS = CORE.parent / "plugins"


def modules() -> list[Path]:
    plugin_services = sorted(PLUGINS.glob("*/services.py")) + sorted(PLUGINS.glob("*/services/*.py"))
    return (
        sorted((CORE / "services").glob("*.py")) + [CORE / f"{name}.py" for name in DOMAIN] + plugin_services
    )


def test_the_rule_covers_every_service():
    assert len([p for p in modules() if p.parent.name == "services"]) >= 6


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(CORE.parent)))
def test_no_service_or_domain_module_imports_the_api_edge(path):
    bad = sorted(n for n in imported(path) if n.startswith(FORBIDDEN))
    bad += sorted(f"core.{alias}" for alias in _core_api_aliases(path))
    assert not bad, f"{path.relative_to(CORE.parent)} imports {bad}"


def test_the_built_in_plugins_services_are_covered_too():
    covered = {p.relative_to(PLUGINS).parts[0] for p in modules() if PLUGINS in p.parents}
    assert {"mediation", "civility", "volunteers"} <= covered


def _core_api_aliases(path: Path) -> list[str]:
    """``from core import api`` is the same import in other words."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module == "core"
        for a in n.names
        if a.name == "api"
    ]


def test_no_service_builds_a_graphql_input_path():
    """Services name fields logically ("unitId"); the edge places them below `input`."""
    for path in sorted((CORE / "services").glob("*.py")):
        assert '"input"' not in path.read_text(encoding="utf-8"), path.name
