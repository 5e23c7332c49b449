"""The plugin's enumerations, shared by its tables and its GraphQL schema."""

from __future__ import annotations

from enum import Enum

import strawberry

v = strawberry.enum_value


@strawberry.enum(description="What a dispute is about.")
class DisputeCategory(Enum):
    NEIGHBOR = v("NEIGHBOR", description="Between neighbours (邻里纠纷).")
    FAMILY = v("FAMILY", description="Within a family: marriage, support, inheritance (家庭纠纷).")
    PROPERTY_MANAGEMENT = v(
        "PROPERTY_MANAGEMENT", description="With the property management company (物业纠纷)."
    )
    LANDLORD_TENANT = v("LANDLORD_TENANT", description="Between landlord and tenant (租赁纠纷).")
    LABOR = v("LABOR", description="Unpaid wages or other labour matters (劳资纠纷).")
    DEBT = v("DEBT", description="Money owed (债务纠纷).")
    NOISE = v("NOISE", description="Noise (噪音扰民).")
    PARKING = v("PARKING", description="Parking spaces and blocked passages (停车纠纷).")
    RENOVATION = v("RENOVATION", description="Renovation works, leaks and damage (装修纠纷).")
    OTHER = v("OTHER", description="Anything else.")


@strawberry.enum(
    description="Lifecycle: REPORTED -> ACCEPTED -> IN_MEDIATION -> RESOLVED -> CLOSED; IN_MEDIATION -> FAILED -> "
    "CLOSED. ESCALATE moves a case up one handling level and back to ACCEPTED. Any other move is refused with "
    "code INVALID_TRANSITION."
)
class DisputeStatus(Enum):
    REPORTED = v("REPORTED", description="Reported, not yet accepted by the community.")
    ACCEPTED = v(
        "ACCEPTED",
        description="Accepted at its handling level, waiting for a team (again, after an escalation).",
    )
    IN_MEDIATION = v("IN_MEDIATION", description="A 4+A team is working the case.")
    RESOLVED = v("RESOLVED", description="Settled by an agreement; follow-up visits may be pending.")
    FAILED = v("FAILED", description="Mediation failed (the parties may go to court).")
    CLOSED = v("CLOSED", description="Done: resolved with every follow-up made, or failed.")


OPEN_STATUSES = (DisputeStatus.REPORTED, DisputeStatus.ACCEPTED, DisputeStatus.IN_MEDIATION)


@strawberry.enum(description="How the case is worked (上门化解 / 包案化解 / 跟踪化解).")
class MediationMethod(Enum):
    ON_SITE = v("ON_SITE", description="The team goes to the parties (上门化解).")
    CASE_OWNER = v(
        "CASE_OWNER", description="A named case owner answers for the case until it is settled (包案化解)."
    )
    FOLLOW_UP = v("FOLLOW_UP", description="Settled step by step with repeated visits (跟踪化解).")


@strawberry.enum(description="A party's side in the dispute.")
class DisputePartyRole(Enum):
    APPLICANT = v("APPLICANT", description="The party asking for mediation.")
    RESPONDENT = v("RESPONDENT", description="The party the complaint is about.")
    THIRD_PARTY = v("THIRD_PARTY", description="Anyone else concerned.")


@strawberry.enum(
    description="The 4+A team: community head, police officer, mediator, grid leader, plus volunteers (A); "
    "a legal adviser may join."
)
class MediationTeamRole(Enum):
    COMMUNITY_HEAD = v("COMMUNITY_HEAD", description="Community party secretary or director (社区书记/主任).")
    POLICE_OFFICER = v("POLICE_OFFICER", description="The community police officer (社区民警).")
    MEDIATOR = v("MEDIATOR", description="The community's people's mediator (民调员).")
    GRID_LEADER = v("GRID_LEADER", description="The grid leader of the area (网格长).")
    VOLUNTEER = v("VOLUNTEER", description="A safety volunteer, the 'A' of 4+A (平安志愿者).")
    LEGAL_ADVISER = v("LEGAL_ADVISER", description="The community's legal adviser (法律顾问).")


@strawberry.enum(description="A move the state machine may make on a case; see DisputeCase.availableActions.")
class DisputeCaseAction(Enum):
    ACCEPT = v("ACCEPT", description="acceptDispute: REPORTED -> ACCEPTED.")
    ASSIGN_TEAM = v(
        "ASSIGN_TEAM",
        description="assignMediationTeam: ACCEPTED -> IN_MEDIATION, or a new team IN_MEDIATION.",
    )
    RECORD_SESSION = v("RECORD_SESSION", description="recordMediationSession, IN_MEDIATION.")
    ESCALATE = v("ESCALATE", description="escalateDispute: one handling level up, back to ACCEPTED.")
    RESOLVE = v("RESOLVE", description="resolveDispute: IN_MEDIATION -> RESOLVED.")
    FAIL = v("FAIL", description="markDisputeFailed: IN_MEDIATION -> FAILED.")
    COMPLETE_FOLLOW_UP = v(
        "COMPLETE_FOLLOW_UP", description="completeFollowUp, on a RESOLVED case with a follow-up pending."
    )
    CLOSE = v("CLOSE", description="closeDispute: RESOLVED (every follow-up done) or FAILED -> CLOSED.")
