from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0005_read_indexes'), ('mediation', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='DisputeCase',
            name='area',
            field=fields.ForeignKeyField('core.Area', source_field='area_id', db_index=True, db_constraint=True, to_field='id', related_name='mediation_cases', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='DisputeCase',
            name='case_owner',
            field=fields.ForeignKeyField('core.User', source_field='case_owner_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='mediation_owned_cases', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='DisputeCase',
            name='reported_by',
            field=fields.ForeignKeyField('core.User', source_field='reported_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='mediation_reported_cases', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='DisputeCaseEvent',
            name='actor',
            field=fields.ForeignKeyField('core.User', source_field='actor_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='mediation_events', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='DisputeCaseEvent',
            name='case',
            field=fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='DisputeParty',
            name='case',
            field=fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='parties', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='DisputeParty',
            name='resident',
            field=fields.ForeignKeyField('core.Resident', source_field='resident_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='mediation_parties', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='FollowUp',
            name='case',
            field=fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='FollowUp',
            name='done_by',
            field=fields.ForeignKeyField('core.User', source_field='done_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='mediation_follow_ups_done', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='MediationSession',
            name='case',
            field=fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_index=True, db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='MediationSession',
            name='recorded_by',
            field=fields.ForeignKeyField('core.User', source_field='recorded_by_id', db_index=True, db_constraint=True, to_field='id', related_name='mediation_sessions_recorded', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='MediationTeamMember',
            name='user',
            field=fields.ForeignKeyField('core.User', source_field='user_id', db_index=True, db_constraint=True, to_field='id', related_name='mediation_team_memberships', on_delete=OnDelete.CASCADE),
        ),
    ]
