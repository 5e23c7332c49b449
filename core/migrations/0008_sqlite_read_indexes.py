from tortoise import migrations
from tortoise.migrations import operations as ops

# SQLite lost its column indexes in 0005_read_indexes: tortoise's SQLite editor alters a column
# by copying the table and re-creates none of the table's plain indexes, so core_area and
# core_resident (and the other altered tables) had no index on parent_id, unit_id, name,
# status... Every nested list was a scan of the table per parent row: the compiled read of a
# community dashboard took 18 s at 100,000 residents. This puts back, on SQLite, an index on
# every foreign key and indexed column of core's tables that no index starts with.
# PostgreSQL kept its indexes (tests/test_read_indexes.py checks them): nothing to do there.
INDEXED = {
    "core_area": ("building_ref", "community_ref", "compound_ref", "district_ref", "level", "parent_id",
                  "property_manager_id", "subdistrict_ref"),
    "core_audit_log": ("actor_id", "at", "subject_gid"),
    "core_login_attempt": ("expires_at_ms",),
    "core_notification": ("created_at", "user_id"),
    "core_organization": ("kind",),
    "core_partner_link": ("community_id", "organization_id"),
    "core_resident": ("birth_date", "building_ref", "community_id", "community_ref", "compound_ref", "created_at",
                      "district_ref", "name", "phone_hash", "phone_last4", "status", "subdistrict_ref", "unit_id"),
    "core_role_grant": ("area_id", "user_id"),
    "core_unit": ("building_id", "building_ref", "community_ref", "compound_ref", "district_ref", "subdistrict_ref"),
    "core_user": ("home_area_id",),
}


async def _leading_columns(client, table: str) -> set[str]:
    out = set()
    for index in await client.execute_query_dict(f'PRAGMA index_list("{table}")'):
        if index.get("partial"):
            continue
        columns = await client.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
        first = min(columns, key=lambda c: c["seqno"], default=None)
        if first is not None:
            out.add(first["name"])
    return out


async def sqlite_indexes(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    for table, columns in INDEXED.items():
        have = await _leading_columns(client, table)
        for column in columns:
            if column not in have:
                await client.execute_script(f'CREATE INDEX IF NOT EXISTS "lm_{table}_{column}" ON "{table}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [('core', '0007_import_jobs')]

    initial = False

    operations = [
        ops.RunPython(sqlite_indexes, ops.RunPython.noop),
    ]
