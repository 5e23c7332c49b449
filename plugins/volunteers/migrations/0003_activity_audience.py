from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('volunteers', '0002_read_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='VolunteerActivity',
            name='audience_count',
            field=fields.IntField(null=True),
        ),
    ]
