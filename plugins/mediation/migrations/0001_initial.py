from tortoise import migrations
from tortoise.migrations import operations as ops
from core.enums import AreaLevel
from plugins.mediation.enums import DisputeCategory, DisputePartyRole, DisputeStatus, MediationMethod, MediationTeamRole
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CaseCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField(unique=True)),
                ('last_seq', fields.IntField(default=0)),
            ],
            options={'table': 'mediation_case_counter', 'app': 'mediation', 'pk_attr': 'id', 'table_description': 'The last case number handed out in a year, bumped with an atomic UPDATE (no semicolons in model docstrings: tortoise splits its DDL on them).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DisputeCase',
            fields=[
                ('district_ref', fields.IntField(null=True, db_index=True)),
                ('subdistrict_ref', fields.IntField(null=True, db_index=True)),
                ('community_ref', fields.IntField(null=True, db_index=True)),
                ('compound_ref', fields.IntField(null=True, db_index=True)),
                ('building_ref', fields.IntField(null=True, db_index=True)),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case_number', fields.CharField(unique=True, max_length=32)),
                ('year', fields.IntField()),
                ('seq', fields.IntField()),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(unique=False)),
                ('category', fields.CharEnumField(db_index=True, description='NEIGHBOR: NEIGHBOR\nFAMILY: FAMILY\nPROPERTY_MANAGEMENT: PROPERTY_MANAGEMENT\nLANDLORD_TENANT: LANDLORD_TENANT\nLABOR: LABOR\nDEBT: DEBT\nNOISE: NOISE\nPARKING: PARKING\nRENOVATION: RENOVATION\nOTHER: OTHER', enum_type=DisputeCategory, max_length=32)),
                ('status', fields.CharEnumField(default=DisputeStatus.REPORTED, db_index=True, description='REPORTED: REPORTED\nACCEPTED: ACCEPTED\nIN_MEDIATION: IN_MEDIATION\nRESOLVED: RESOLVED\nFAILED: FAILED\nCLOSED: CLOSED', enum_type=DisputeStatus, max_length=16)),
                ('area', fields.ForeignKeyField('core.Area', source_field='area_id', db_constraint=True, to_field='id', related_name='mediation_cases', on_delete=OnDelete.RESTRICT)),
                ('handling_level', fields.CharEnumField(db_index=True, description='DISTRICT: DISTRICT\nSUBDISTRICT: SUBDISTRICT\nCOMMUNITY: COMMUNITY\nCOMPOUND: COMPOUND\nBUILDING: BUILDING', enum_type=AreaLevel, max_length=16)),
                ('method', fields.CharEnumField(null=True, description='ON_SITE: ON_SITE\nCASE_OWNER: CASE_OWNER\nFOLLOW_UP: FOLLOW_UP', enum_type=MediationMethod, max_length=16)),
                ('case_owner', fields.ForeignKeyField('core.User', source_field='case_owner_id', null=True, db_constraint=True, to_field='id', related_name='mediation_owned_cases', on_delete=OnDelete.SET_NULL)),
                ('reported_by', fields.ForeignKeyField('core.User', source_field='reported_by_id', null=True, db_constraint=True, to_field='id', related_name='mediation_reported_cases', on_delete=OnDelete.SET_NULL)),
                ('reported_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('agreement_terms', fields.TextField(null=True, unique=False)),
                ('agreement_signed_on', fields.DateField(null=True)),
                ('outcome', fields.CharEnumField(null=True, db_index=True, description='REPORTED: REPORTED\nACCEPTED: ACCEPTED\nIN_MEDIATION: IN_MEDIATION\nRESOLVED: RESOLVED\nFAILED: FAILED\nCLOSED: CLOSED', enum_type=DisputeStatus, max_length=16)),
                ('resolved_level', fields.CharEnumField(null=True, description='DISTRICT: DISTRICT\nSUBDISTRICT: SUBDISTRICT\nCOMMUNITY: COMMUNITY\nCOMPOUND: COMPOUND\nBUILDING: BUILDING', enum_type=AreaLevel, max_length=16)),
                ('resolution_seconds', fields.BigIntField(null=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'mediation_dispute_case', 'app': 'mediation', 'unique_together': (('year', 'seq'),), 'pk_attr': 'id'},
            bases=['Lineage', 'Model'],
        ),
        ops.CreateModel(
            name='DisputeCaseEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor', fields.ForeignKeyField('core.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='mediation_events', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharField(max_length=32)),
                ('from_status', fields.CharEnumField(null=True, description='REPORTED: REPORTED\nACCEPTED: ACCEPTED\nIN_MEDIATION: IN_MEDIATION\nRESOLVED: RESOLVED\nFAILED: FAILED\nCLOSED: CLOSED', enum_type=DisputeStatus, max_length=16)),
                ('to_status', fields.CharEnumField(null=True, description='REPORTED: REPORTED\nACCEPTED: ACCEPTED\nIN_MEDIATION: IN_MEDIATION\nRESOLVED: RESOLVED\nFAILED: FAILED\nCLOSED: CLOSED', enum_type=DisputeStatus, max_length=16)),
                ('from_level', fields.CharEnumField(null=True, description='DISTRICT: DISTRICT\nSUBDISTRICT: SUBDISTRICT\nCOMMUNITY: COMMUNITY\nCOMPOUND: COMPOUND\nBUILDING: BUILDING', enum_type=AreaLevel, max_length=16)),
                ('to_level', fields.CharEnumField(null=True, description='DISTRICT: DISTRICT\nSUBDISTRICT: SUBDISTRICT\nCOMMUNITY: COMMUNITY\nCOMPOUND: COMPOUND\nBUILDING: BUILDING', enum_type=AreaLevel, max_length=16)),
                ('note', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'mediation_dispute_case_event', 'app': 'mediation', 'pk_attr': 'id', 'table_description': 'One move of a case, with who made it and when (written by the state machine only).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DisputeParty',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_constraint=True, to_field='id', related_name='parties', on_delete=OnDelete.CASCADE)),
                ('resident', fields.ForeignKeyField('core.Resident', source_field='resident_id', null=True, db_constraint=True, to_field='id', related_name='mediation_parties', on_delete=OnDelete.SET_NULL)),
                ('name', fields.CharField(max_length=100)),
                ('role', fields.CharEnumField(description='APPLICANT: APPLICANT\nRESPONDENT: RESPONDENT\nTHIRD_PARTY: THIRD_PARTY', enum_type=DisputePartyRole, max_length=16)),
            ],
            options={'table': 'mediation_dispute_party', 'app': 'mediation', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.CASCADE)),
                ('due_on', fields.DateField()),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_by', fields.ForeignKeyField('core.User', source_field='done_by_id', null=True, db_constraint=True, to_field='id', related_name='mediation_follow_ups_done', on_delete=OnDelete.SET_NULL)),
                ('note', fields.TextField(null=True, unique=False)),
                ('agreement_kept', fields.BooleanField(null=True)),
            ],
            options={'table': 'mediation_follow_up', 'app': 'mediation', 'pk_attr': 'id', 'table_description': 'A follow-up visit (跟踪回访) scheduled when a case is resolved.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MediationSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('held_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('location', fields.CharField(null=True, max_length=200)),
                ('notes', fields.TextField(unique=False)),
                ('recorded_by', fields.ForeignKeyField('core.User', source_field='recorded_by_id', db_constraint=True, to_field='id', related_name='mediation_sessions_recorded', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mediation_session', 'app': 'mediation', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MediationTeamMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('mediation.DisputeCase', source_field='case_id', db_constraint=True, to_field='id', related_name='team', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('core.User', source_field='user_id', db_constraint=True, to_field='id', related_name='mediation_team_memberships', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='COMMUNITY_HEAD: COMMUNITY_HEAD\nPOLICE_OFFICER: POLICE_OFFICER\nMEDIATOR: MEDIATOR\nGRID_LEADER: GRID_LEADER\nVOLUNTEER: VOLUNTEER\nLEGAL_ADVISER: LEGAL_ADVISER', enum_type=MediationTeamRole, max_length=16)),
            ],
            options={'table': 'mediation_team_member', 'app': 'mediation', 'unique_together': (('case', 'user'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
