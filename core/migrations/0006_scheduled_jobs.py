from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0005_read_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ScheduledJobState',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ('last_run_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('runs', fields.IntField(default=0)),
                ('last_acted_on', fields.IntField(null=True)),
            ],
            options={'table': 'core_scheduled_job', 'app': 'core', 'pk_attr': 'name', 'table_description': 'When a scheduled job (core.scheduled) last ran, across every instance of the server.'},
            bases=['Model'],
        ),
    ]
