from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0005_read_indexes'), ('volunteers', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ActivitySignup',
            name='verified_by',
            field=fields.ForeignKeyField('core.User', source_field='verified_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='volunteers_verified_signups', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='ActivitySignup',
            name='volunteer',
            field=fields.ForeignKeyField('volunteers.Volunteer', source_field='volunteer_id', db_index=True, db_constraint=True, to_field='id', related_name='signups', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='ServiceLog',
            name='logged_by',
            field=fields.ForeignKeyField('core.User', source_field='logged_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='volunteers_logged_services', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='ServiceLog',
            name='verified_by',
            field=fields.ForeignKeyField('core.User', source_field='verified_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='volunteers_verified_logs', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='ServiceLog',
            name='volunteer',
            field=fields.ForeignKeyField('volunteers.Volunteer', source_field='volunteer_id', db_index=True, db_constraint=True, to_field='id', related_name='service_logs', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='TeamMembership',
            name='volunteer',
            field=fields.ForeignKeyField('volunteers.Volunteer', source_field='volunteer_id', db_index=True, db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='VolunteerActivity',
            name='area',
            field=fields.ForeignKeyField('core.Area', source_field='area_id', db_index=True, db_constraint=True, to_field='id', related_name='volunteers_activities', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='VolunteerActivity',
            name='created_by',
            field=fields.ForeignKeyField('core.User', source_field='created_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='volunteers_activities', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='VolunteerActivity',
            name='team',
            field=fields.ForeignKeyField('volunteers.VolunteerTeam', source_field='team_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='VolunteerTeam',
            name='leader',
            field=fields.ForeignKeyField('volunteers.Volunteer', source_field='leader_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='led_teams', on_delete=OnDelete.SET_NULL),
        ),
    ]
