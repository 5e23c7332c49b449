"""The plugin's enumerations, shared by its tables and its GraphQL schema (names as in the contract)."""

from __future__ import annotations

from enum import Enum

import strawberry

v = strawberry.enum_value


@strawberry.enum(description="Which versioned text of the 1+1+1 a charter document is.")
class CharterDocumentKind(Enum):
    RULES = v("RULES", description="The deliberation rules (议事准则).")
    COVENANT = v("COVENANT", description="The residents' covenant (居民公约).")


@strawberry.enum(
    description="Lifecycle: RAISED -(put on a meeting's agenda)-> SCHEDULED -(an adopted decision)-> DECIDED "
    "-(every action item done)-> DONE.\nAn adopted decision with no action items moves the topic straight to "
    "DONE. A decision voted down returns the topic to RAISED.\nRAISED or SCHEDULED -(decline, with a reason)-> "
    "DECLINED. Any other move is refused with code INVALID_TRANSITION."
)
class TopicStatus(Enum):
    RAISED = v("RAISED", description="Raised by a resident or staff, waiting for a meeting.")
    SCHEDULED = v("SCHEDULED", description="On the agenda of a meeting, not yet decided.")
    DECIDED = v("DECIDED", description="Adopted by a decision whose action items are still being done.")
    DONE = v("DONE", description="Followed through: adopted, and every action item done.")
    DECLINED = v("DECLINED", description="Not taken up, with a reason.")


@strawberry.enum(description="The kind of deliberation meeting.")
class MeetingKind(Enum):
    SMALL_BENCH = v(
        "SMALL_BENCH", description="小板凳恳谈会: held in the compound, residents and units around one table."
    )
    RESIDENTS_COUNCIL = v("RESIDENTS_COUNCIL", description="居民议事会")
    WEEKEND_FACE_TO_FACE = v("WEEKEND_FACE_TO_FACE", description="周末面对面")
    RED_WHITE_COUNCIL = v("RED_WHITE_COUNCIL", description="红白理事会")
    COORDINATION = v(
        "COORDINATION", description="协调会: with utilities and departments on a concrete problem."
    )


@strawberry.enum(
    description="ONE_SIX_X: chaired by the party secretary with all six fixed parties present; decisions are "
    "refused (QUORUM_NOT_MET) until they are. OPEN: no fixed panel."
)
class MeetingFormat(Enum):
    ONE_SIX_X = v("ONE_SIX_X", description="1+6+X: the chair, the six fixed parties, plus the stakeholders.")
    OPEN = v("OPEN", description="No fixed panel.")


@strawberry.enum(description="Who sits at the table. The six fixed parties of 1+6+X, then the X.")
class ParticipantCategory(Enum):
    CHAIR = v("CHAIR", description='The community party branch secretary (the "1").')
    COMMUNITY_COMMITTEES = v(
        "COMMUNITY_COMMITTEES", description="社区两委: community party and residents' committees."
    )
    SUPERVISORY_COMMITTEE = v("SUPERVISORY_COMMITTEE", description="社区监委会")
    PROPERTY_COMPANY = v("PROPERTY_COMPANY", description="The property management company (物业).")
    LEGAL_ADVISER = v("LEGAL_ADVISER", description="The community's legal adviser (法律顾问).")
    PARTNER_UNIT = v("PARTNER_UNIT", description="共建单位")
    RESIDENT_REPRESENTATIVE = v(
        "RESIDENT_REPRESENTATIVE", description="A residents' representative (居民代表)."
    )
    STAKEHOLDER = v("STAKEHOLDER", description="X: residents or groups whose interests the topics touch.")
    DEPARTMENT = v("DEPARTMENT", description="X: government departments concerned.")


# The "1" and the "6" of 1+6+X, in enum order: what missingCategories reports.
FIXED_PARTIES: tuple[ParticipantCategory, ...] = tuple(ParticipantCategory)[:7]


@strawberry.enum(
    description="Lifecycle: PLANNED -(hold: attendance and minutes recorded)-> HELD; PLANNED -> CANCELLED."
)
class MeetingStatus(Enum):
    PLANNED = v("PLANNED", description="Planned; participants invited.")
    HELD = v("HELD", description="Held: attendance and minutes recorded; decisions may be recorded.")
    CANCELLED = v("CANCELLED", description="Called off before it was held.")


@strawberry.enum(description="Whether an action item is still to be done.")
class ActionItemStatus(Enum):
    OPEN = v("OPEN", description="Still to be done.")
    DONE = v("DONE", description="Done, with an optional note.")
