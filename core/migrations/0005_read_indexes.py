from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

from core.migration_ops import restore_partial_indexes

# Read indexes (issue 11): every foreign key gets an index (the AlterFields below), and name
# search gets trigram GIN indexes on PostgreSQL, where `name ILIKE '%term%'` (core.pg_search)
# uses them instead of reading the whole table. SQLite has no pg_trgm: nothing to do there.
TRIGRAM_TABLES = ("core_resident", "core_area", "core_organization")


async def trigram_indexes(apps, schema_editor):
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor.client.execute_script("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TRIGRAM_TABLES:
        await schema_editor.client.execute_script(
            f'CREATE INDEX IF NOT EXISTS "{table}_name_trgm" ON "{table}" USING gin ("name" gin_trgm_ops)')


async def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    for table in TRIGRAM_TABLES:
        await schema_editor.client.execute_script(f'DROP INDEX IF EXISTS "{table}_name_trgm"')

class Migration(migrations.Migration):
    dependencies = [('core', '0004_login_attempts')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Area',
            name='property_manager',
            field=fields.ForeignKeyField('core.Organization', source_field='property_manager_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='managed_compounds', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Notification',
            name='user',
            field=fields.ForeignKeyField('core.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='PartnerLink',
            name='community',
            field=fields.ForeignKeyField('core.Area', source_field='community_id', db_index=True, db_constraint=True, to_field='id', related_name='partner_links', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='Resident',
            name='community',
            field=fields.ForeignKeyField('core.Area', source_field='community_id', db_index=True, db_constraint=True, to_field='id', related_name='residents', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Resident',
            name='unit',
            field=fields.ForeignKeyField('core.Unit', source_field='unit_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='residents', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='RoleGrant',
            name='area',
            field=fields.ForeignKeyField('core.Area', source_field='area_id', db_index=True, db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='User',
            name='home_area',
            field=fields.ForeignKeyField('core.Area', source_field='home_area_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='home_users', on_delete=OnDelete.SET_NULL),
        ),
        ops.RunPython(trigram_indexes, drop_trigram_indexes),
        # SQLite rebuilt core_area and core_resident above, dropping their partial indexes.
        ops.RunPython(restore_partial_indexes, ops.RunPython.noop),
    ]
