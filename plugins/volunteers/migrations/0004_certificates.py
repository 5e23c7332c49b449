from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0007_import_jobs'), ('volunteers', '0003_activity_audience')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VolunteerCertificate',
            fields=[
                ('district_ref', fields.IntField(null=True, db_index=True)),
                ('subdistrict_ref', fields.IntField(null=True, db_index=True)),
                ('community_ref', fields.IntField(null=True, db_index=True)),
                ('compound_ref', fields.IntField(null=True, db_index=True)),
                ('building_ref', fields.IntField(null=True, db_index=True)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('volunteer', fields.ForeignKeyField('volunteers.Volunteer', source_field='volunteer_id', db_index=True, db_constraint=True, to_field='id', related_name='certificates', on_delete=OnDelete.RESTRICT)),
                ('period_from', fields.DateField()),
                ('period_to', fields.DateField()),
                ('hours', fields.FloatField()),
                ('facts', fields.TextField(unique=False)),
                ('issued_by', fields.ForeignKeyField('core.User', source_field='issued_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='volunteers_certificates', on_delete=OnDelete.SET_NULL)),
                ('issued_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'volunteers_certificate', 'app': 'volunteers', 'pk_attr': 'id', 'table_description': 'A service record certificate (志愿服务记录证明) as issued: its facts are kept as they'},
            bases=['Lineage', 'Model'],
        ),
    ]
