"""One active household head per unit, enforced by the database (docs/invariants.md).

A partial unique index on core_resident(unit_id) WHERE relation_to_head = 'HEAD'
AND status = 'ACTIVE' (declared on the model, Resident.Meta.constraints). Before
it is built, units that races already left with several active heads are
repaired: the head registered first (lowest id) stays head, the others' relation
becomes unrecorded (NULL), and each change is written to the audit log
(action ``migration.oneHeadPerUnit``) so that staff can set the right relation.
"""

import datetime as dt

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from core.ids import encode_gid
from core.migration_ops import AddPartialUniqueIndex

ACTION = "migration.oneHeadPerUnit"


async def demote_extra_heads(apps, schema_editor) -> None:
    client = schema_editor.client
    _, rows = await client.execute_query(
        "SELECT id, unit_id FROM core_resident WHERE relation_to_head = 'HEAD' AND status = 'ACTIVE'"
        " AND unit_id IS NOT NULL ORDER BY unit_id, id"
    )
    kept: dict[int, int] = {}
    demoted: list[tuple[int, int, int]] = []
    for row in rows:
        unit_id, resident_id = int(row["unit_id"]), int(row["id"])
        if unit_id in kept:
            demoted.append((resident_id, unit_id, kept[unit_id]))
        else:
            kept[unit_id] = resident_id
    if not demoted:
        return
    # Only integers and base64url ids are spliced in: nothing here can quote its way out.
    ids = ", ".join(str(r) for r, _, _ in demoted)
    await client.execute_script(f"UPDATE core_resident SET relation_to_head = NULL WHERE id IN ({ids});")
    at = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    values = ", ".join(
        f"('{at}', '{ACTION}', '{encode_gid('Resident', r)}', 'relationToHead', "
        f"'unit {encode_gid('Unit', u)} already had head {encode_gid('Resident', head)}')"
        for r, u, head in demoted
    )
    await client.execute_script(
        f"INSERT INTO core_audit_log (at, action, subject_gid, field, detail) VALUES {values};"
    )


class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = False

    operations = [
        ops.RunPython(demote_extra_heads, ops.RunPython.noop),
        AddPartialUniqueIndex(
            model_name='Resident',
            constraint=UniqueConstraint(fields=('unit_id',), name='core_resident_one_head_per_unit',
                                        condition="relation_to_head = 'HEAD' AND status = 'ACTIVE'"),
        ),
    ]
