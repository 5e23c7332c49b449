from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('civility', '0001_initial'), ('core', '0005_read_indexes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Campaign',
            name='area',
            field=fields.ForeignKeyField('core.Area', source_field='area_id', db_index=True, db_constraint=True, to_field='id', related_name='civility_campaigns', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Campaign',
            name='created_by',
            field=fields.ForeignKeyField('core.User', source_field='created_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_campaigns_created', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Nomination',
            name='nominated_by',
            field=fields.ForeignKeyField('core.User', source_field='nominated_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_nominations', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Nomination',
            name='resident',
            field=fields.ForeignKeyField('core.Resident', source_field='resident_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_nominations', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Nomination',
            name='reviewed_by',
            field=fields.ForeignKeyField('core.User', source_field='reviewed_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_reviews', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Nomination',
            name='unit',
            field=fields.ForeignKeyField('core.Unit', source_field='unit_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_nominations', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Objection',
            name='decided_by',
            field=fields.ForeignKeyField('core.User', source_field='decided_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_objection_decisions', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Objection',
            name='filed_by',
            field=fields.ForeignKeyField('core.User', source_field='filed_by_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_objections', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Objection',
            name='nomination',
            field=fields.ForeignKeyField('civility.Nomination', source_field='nomination_id', db_index=True, db_constraint=True, to_field='id', related_name='objections', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='Score',
            name='assessor',
            field=fields.ForeignKeyField('core.User', source_field='assessor_id', db_index=True, db_constraint=True, to_field='id', related_name='civility_scores', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Score',
            name='criterion',
            field=fields.ForeignKeyField('civility.Criterion', source_field='criterion_id', db_index=True, db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='Vote',
            name='resident',
            field=fields.ForeignKeyField('core.Resident', source_field='resident_id', db_index=True, db_constraint=True, to_field='id', related_name='civility_votes', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='Vote',
            name='user',
            field=fields.ForeignKeyField('core.User', source_field='user_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='civility_votes', on_delete=OnDelete.SET_NULL),
        ),
    ]
