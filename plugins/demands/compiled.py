"""How the plugin's reads map to SQL for the compiled read path (core.compiler): placeholder."""

from __future__ import annotations


def mappings() -> list:
    return []
