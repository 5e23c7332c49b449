"""Every hook has a docstring and a section in docs/plugins.md with its exact signature (as datasette does)."""

import inspect
from pathlib import Path

from core import hookspecs

DOC = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
HOOKS = [
    (name, fn)
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("lastmile_")
]


def test_every_hook_has_a_docstring_saying_when_and_what():
    for name, fn in HOOKS:
        doc = inspect.getdoc(fn) or ""
        assert "called" in doc.lower(), name
        assert "return" in doc.lower(), name


def test_every_hook_is_documented_with_its_signature():
    for name, fn in HOOKS:
        heading = f"### {name}{inspect.signature(fn)}".replace(" ", "")
        assert heading in DOC.replace(" ", ""), f"docs/plugins.md lacks a section '{heading}'"
