"""Migration operations tortoise lacks on SQLite (imported by the migrations, never by the app).

Tortoise models can declare a partial unique index (``UniqueConstraint(...,
condition=...)`` in ``Meta.constraints``) and its PostgreSQL schema editor
creates one, but its SQLite editor refuses ("not supported on sqlite"), although
SQLite has had ``CREATE UNIQUE INDEX ... WHERE`` since 3.8. ``AddPartialUniqueIndex``
is ``AddConstraint`` (same migration state, so the autodetector still finds the
models and migrations in agreement) that writes that statement itself on SQLite.
"""

from __future__ import annotations

from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class AddPartialUniqueIndex(ops.AddConstraint):
    """``AddConstraint`` of a named ``UniqueConstraint`` with a condition, on SQLite and PostgreSQL."""

    def __init__(self, model_name: str, constraint: UniqueConstraint) -> None:
        if not (constraint.name and constraint.condition):
            raise ValueError("AddPartialUniqueIndex needs a named UniqueConstraint with a condition")
        super().__init__(model_name, constraint)

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not state_editor:
            return
        if state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        # The constraint names columns (``unit_id``, not ``unit``), as its condition does.
        columns = ", ".join(_quote(f) for f in self.constraint.fields)
        await state_editor._run_sql(
            f"CREATE UNIQUE INDEX {_quote(self.constraint.name)} ON {_quote(model._meta.db_table)} "
            f"({columns}) WHERE {self.constraint.condition};"
        )

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not state_editor:
            return
        if state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)
            return
        await state_editor._run_sql(f"DROP INDEX IF EXISTS {_quote(self.constraint.name)};")


# The partial unique indexes core's migrations add (0002, 0003): table, column, condition.
CORE_PARTIAL_INDEXES = (
    (
        "core_resident_one_head_per_unit",
        "core_resident",
        "unit_id",
        "relation_to_head = 'HEAD' AND status = 'ACTIVE'",
    ),
    ("core_area_unique_district_name", "core_area", "name", "parent_id IS NULL"),
)


async def restore_partial_indexes(apps, schema_editor) -> None:
    """SQLite: put back the partial unique indexes a table rebuild dropped.

    Tortoise's SQLite editor alters a column by copying the table, and re-creates
    only the indexes it can write itself, which excludes partial ones (see above).
    A migration that alters a column of such a table ends with this RunPython."""
    if schema_editor.client.capabilities.dialect != "sqlite":
        return
    for name, table, column, condition in CORE_PARTIAL_INDEXES:
        await schema_editor.client.execute_script(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {_quote(name)} ON {_quote(table)} ({_quote(column)}) WHERE {condition};"
        )
