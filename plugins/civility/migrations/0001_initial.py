from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from plugins.civility.enums import CampaignKind, CampaignStatus, NominationStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('district_ref', fields.IntField(null=True, db_index=True)),
                ('subdistrict_ref', fields.IntField(null=True, db_index=True)),
                ('community_ref', fields.IntField(null=True, db_index=True)),
                ('compound_ref', fields.IntField(null=True, db_index=True)),
                ('building_ref', fields.IntField(null=True, db_index=True)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(db_index=True, description='STAR_HOUSEHOLD: STAR_HOUSEHOLD\nMOST_BEAUTIFUL_FAMILY: MOST_BEAUTIFUL_FAMILY\nMODEL_PERSON: MODEL_PERSON', enum_type=CampaignKind, max_length=32)),
                ('area', fields.ForeignKeyField('core.Area', source_field='area_id', db_constraint=True, to_field='id', related_name='civility_campaigns', on_delete=OnDelete.RESTRICT)),
                ('year', fields.IntField(db_index=True)),
                ('status', fields.CharEnumField(default=CampaignStatus.DRAFT, db_index=True, description='DRAFT: DRAFT\nNOMINATING: NOMINATING\nSCORING: SCORING\nPUBLIC_NOTICE: PUBLIC_NOTICE\nPUBLISHED: PUBLISHED\nCANCELLED: CANCELLED', enum_type=CampaignStatus, max_length=16)),
                ('star_thresholds', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('public_notice_ends_on', fields.DateField(null=True)),
                ('cancel_reason', fields.TextField(null=True, unique=False)),
                ('created_by', fields.ForeignKeyField('core.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='civility_campaigns_created', on_delete=OnDelete.SET_NULL)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'civility_campaign', 'app': 'civility', 'pk_attr': 'id'},
            bases=['Lineage', 'Model'],
        ),
        ops.CreateModel(
            name='Criterion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('civility.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='criteria', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('description', fields.TextField(null=True, unique=False)),
                ('weight', fields.FloatField()),
                ('max_score', fields.FloatField()),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'civility_criterion', 'app': 'civility', 'unique_together': (('campaign', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Nomination',
            fields=[
                ('district_ref', fields.IntField(null=True, db_index=True)),
                ('subdistrict_ref', fields.IntField(null=True, db_index=True)),
                ('community_ref', fields.IntField(null=True, db_index=True)),
                ('compound_ref', fields.IntField(null=True, db_index=True)),
                ('building_ref', fields.IntField(null=True, db_index=True)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('civility.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='nominations', on_delete=OnDelete.CASCADE)),
                ('unit', fields.ForeignKeyField('core.Unit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name='civility_nominations', on_delete=OnDelete.RESTRICT)),
                ('resident', fields.ForeignKeyField('core.Resident', source_field='resident_id', null=True, db_constraint=True, to_field='id', related_name='civility_nominations', on_delete=OnDelete.RESTRICT)),
                ('reason', fields.TextField(unique=False)),
                ('nominated_by', fields.ForeignKeyField('core.User', source_field='nominated_by_id', null=True, db_constraint=True, to_field='id', related_name='civility_nominations', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=NominationStatus.PENDING, db_index=True, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED\nWITHDRAWN: WITHDRAWN\nAWARDED: AWARDED', enum_type=NominationStatus, max_length=16)),
                ('review_note', fields.TextField(null=True, unique=False)),
                ('reviewed_by', fields.ForeignKeyField('core.User', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name='civility_reviews', on_delete=OnDelete.SET_NULL)),
                ('rejected_by_objection', fields.BooleanField(default=False)),
                ('final_score', fields.FloatField(null=True)),
                ('award_stars', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'civility_nomination', 'app': 'civility', 'unique_together': (('campaign', 'unit'), ('campaign', 'resident')), 'pk_attr': 'id'},
            bases=['Lineage', 'Model'],
        ),
        ops.CreateModel(
            name='Objection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('nomination', fields.ForeignKeyField('civility.Nomination', source_field='nomination_id', db_constraint=True, to_field='id', related_name='objections', on_delete=OnDelete.CASCADE)),
                ('reason', fields.TextField(unique=False)),
                ('filed_by', fields.ForeignKeyField('core.User', source_field='filed_by_id', null=True, db_constraint=True, to_field='id', related_name='civility_objections', on_delete=OnDelete.SET_NULL)),
                ('filed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('upheld', fields.BooleanField(null=True)),
                ('decided_by', fields.ForeignKeyField('core.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='civility_objection_decisions', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'civility_objection', 'app': 'civility', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Score',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('nomination', fields.ForeignKeyField('civility.Nomination', source_field='nomination_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('criterion', fields.ForeignKeyField('civility.Criterion', source_field='criterion_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('assessor', fields.ForeignKeyField('core.User', source_field='assessor_id', db_constraint=True, to_field='id', related_name='civility_scores', on_delete=OnDelete.RESTRICT)),
                ('score', fields.FloatField()),
                ('comment', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'civility_score', 'app': 'civility', 'unique_together': (('nomination', 'criterion', 'assessor'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Vote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('nomination', fields.ForeignKeyField('civility.Nomination', source_field='nomination_id', db_constraint=True, to_field='id', related_name='votes', on_delete=OnDelete.CASCADE)),
                ('resident', fields.ForeignKeyField('core.Resident', source_field='resident_id', db_constraint=True, to_field='id', related_name='civility_votes', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('core.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='civility_votes', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'civility_vote', 'app': 'civility', 'unique_together': (('nomination', 'resident'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
