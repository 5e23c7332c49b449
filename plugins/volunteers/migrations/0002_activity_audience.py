from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('volunteers', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='VolunteerActivity',
            name='audience_count',
            field=fields.IntField(null=True),
        ),
    ]
