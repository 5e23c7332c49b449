from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0003_unique_district_name')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('subject', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=80)),
                ('failures', fields.IntField(default=0)),
                ('expires_at_ms', fields.BigIntField(db_index=True)),
            ],
            options={'table': 'core_login_attempt', 'app': 'core', 'pk_attr': 'subject', 'table_description': 'Sign-in attempts counted against one account name or client address in the current window.'},
            bases=['Model'],
        ),
        ops.RemoveField(model_name='User', name='failed_logins'),
        ops.RemoveField(model_name='User', name='locked_until'),
    ]
