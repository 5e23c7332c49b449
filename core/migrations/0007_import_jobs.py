from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0006_scheduled_jobs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportJob',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(default='residents', max_length=32)),
                ('status', fields.CharField(default='QUEUED', db_index=True, max_length=16)),
                ('dry_run', fields.BooleanField(default=False)),
                ('filename', fields.CharField(max_length=255)),
                ('file_sha256', fields.CharField(max_length=64)),
                ('uploaded_by', fields.ForeignKeyField('core.User', source_field='uploaded_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='import_jobs', on_delete=OnDelete.SET_NULL)),
                ('rows_read', fields.IntField(default=0)),
                ('created', fields.IntField(default=0)),
                ('updated', fields.IntField(default=0)),
                ('unchanged', fields.IntField(default=0)),
                ('rejected', fields.IntField(default=0)),
                ('first_errors', fields.TextField(default='[]', unique=False)),
                ('message', fields.TextField(null=True, unique=False)),
                ('report', fields.BinaryField(null=True)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_import_job', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A ledger import (core.ledgers) run as server-side work: its state, counts and report.'},
            bases=['Model'],
        ),
    ]
