from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0003_unique_district_name')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Notice',
            fields=[
                ('district_ref', fields.IntField(null=True, db_index=True)),
                ('subdistrict_ref', fields.IntField(null=True, db_index=True)),
                ('community_ref', fields.IntField(null=True, db_index=True)),
                ('compound_ref', fields.IntField(null=True, db_index=True)),
                ('building_ref', fields.IntField(null=True, db_index=True)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Area', source_field='community_id', db_constraint=True, to_field='id', related_name='noticeboard_notices', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=120)),
                ('body', fields.TextField(unique=False)),
                ('pinned', fields.BooleanField(default=False)),
                ('posted_by', fields.ForeignKeyField('core.User', source_field='posted_by_id', null=True, db_constraint=True, to_field='id', related_name='noticeboard_notices', on_delete=OnDelete.SET_NULL)),
                ('posted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'noticeboard_notice', 'app': 'noticeboard', 'pk_attr': 'id', 'table_description': "Lineage columns (district_ref ... community_ref) let core's scopes filter it."},
            bases=['Lineage', 'Model'],
        ),
    ]
