"""docs/plugins.md names only what exists: every dotted core name it mentions imports.

A renamed or moved helper fails here, so the plugin guide cannot drift from the code."""

import importlib
import re
from pathlib import Path

import pytest

DOC = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")

# Dotted names like core.testing.app_client; not tortoise's "core.Area" FK strings (quoted).
DOTTED = re.compile(r"""(?<!["'\w.])core(?:\.\w+)+""")
FROM_IMPORT = re.compile(r"^\s*from (core(?:\.\w+)*) import ([\w, ]+)$", re.M)


def mentioned() -> set[str]:
    names = set(DOTTED.findall(DOC))
    for module, imported in FROM_IMPORT.findall(DOC):
        names.update(f"{module}.{name.strip()}" for name in imported.split(",") if name.strip())
    return names


def resolve(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_the_docs_name_many_helpers():
    names = mentioned()
    assert len(names) > 60
    assert {"core.testing.app_client", "core.scopes.where", "core.access.visible"} <= names


@pytest.mark.parametrize("dotted", sorted(mentioned()))
def test_every_dotted_name_in_the_plugin_guide_imports(dotted):
    try:
        resolve(dotted)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"docs/plugins.md mentions {dotted}, which does not import: {exc}")


def test_every_core_testing_export_is_documented():
    import core.testing

    fixtures = {
        "app_factory",
        "clean_tables",
        "client",
        "core_client",
        "database",
        "database_url",
        "lastmile_plugins",
        "on_postgres",
        "pytest_report_header",
        "reset_tables",
        "TEST_DB",
        "TEST_PLUGINS",
        "StatementCounter",
        "new_id_number",
    }
    undocumented = [n for n in core.testing.__all__ if n not in fixtures and f"core.testing.{n}" not in DOC]
    assert not undocumented, undocumented
