"""The plugin's enumerations, shared by its tables and its GraphQL schema."""

from __future__ import annotations

from enum import Enum

import strawberry

v = strawberry.enum_value


@strawberry.enum(description="How the need reached the community.")
class DemandChannel(Enum):
    APP = v("APP", description="Entered by the resident in the app (点单).")
    HOTLINE = v("HOTLINE", description="Phoned in to the community or the 12345 hotline.")
    VISIT = v("VISIT", description="Brought to the community's service hall in person.")
    DOOR_TO_DOOR = v("DOOR_TO_DOOR", description="百日大走访: collected by staff going door to door.")
    MEETING = v("MEETING", description="Raised at a residents' meeting (e.g. 小板凳恳谈会).")
    GRID = v("GRID", description="Picked up by a grid worker on their rounds.")


@strawberry.enum(
    description="Whose need it is: one household's, or a compound's or community's shared need (e.g. a safety-education hall)."
)
class DemandScope(Enum):
    HOUSEHOLD = v(
        "HOUSEHOLD", description="One household's need; read by the household's submitter and staff only."
    )
    PUBLIC = v("PUBLIC", description="A shared need of a compound or community; residents there may read it.")


@strawberry.enum(
    description="Lifecycle: SUBMITTED -(dispatch)-> DISPATCHED -(first organisation accepts)-> ACCEPTED -(deliver)-> DELIVERED -(rate)-> CLOSED.\n"
    "DISPATCHED goes back to SUBMITTED when every organisation it was offered to declines. DELIVERED goes back to ACCEPTED when the submitter asks for rework.\n"
    "SUBMITTED -(reject, with a reason)-> REJECTED. SUBMITTED or DISPATCHED -(withdraw, by the submitter)-> WITHDRAWN.\n"
    "A DELIVERED demand left unrated for 14 days closes by itself. Any other move is refused with code INVALID_TRANSITION."
)
class DemandStatus(Enum):
    SUBMITTED = v(
        "SUBMITTED",
        description="点单: entered, waiting to be dispatched (again, after every offer was declined).",
    )
    DISPATCHED = v("DISPATCHED", description="下单: offered to partner organisations, none has accepted yet.")
    ACCEPTED = v("ACCEPTED", description="接单: at least one organisation accepted and is working on it.")
    DELIVERED = v("DELIVERED", description="Reported done, waiting for the submitter's rating.")
    CLOSED = v("CLOSED", description="评单: rated, or closed by itself 14 days after delivery.")
    REJECTED = v("REJECTED", description="Turned down by the community, with a reason.")
    WITHDRAWN = v("WITHDRAWN", description="Withdrawn by the submitter before anyone accepted it.")


@strawberry.enum(description="Where one organisation's offer stands.")
class DemandAssignmentStatus(Enum):
    OFFERED = v("OFFERED", description="Offered, waiting for the organisation's answer.")
    ACCEPTED = v("ACCEPTED", description="The organisation accepted and takes part in the delivery.")
    DECLINED = v("DECLINED", description="The organisation declined, with a reason.")
    CANCELLED = v(
        "CANCELLED",
        description="Withdrawn by the dispatcher before an answer, or when the demand was withdrawn.",
    )


@strawberry.enum(
    description="Lifecycle: OPEN -(resolve, once every call is DONE)-> RESOLVED; OPEN -(cancel, with a reason)-> CANCELLED. Any other move, and resolving while a call is not DONE, is refused with code INVALID_TRANSITION."
)
class WhistleStatus(Enum):
    OPEN = v("OPEN", description="Blown; the summoned departments are at work.")
    RESOLVED = v("RESOLVED", description="Solved together, every call DONE.")
    CANCELLED = v("CANCELLED", description="Called off, with a reason.")


@strawberry.enum(
    description="Where one summoned department stands: SUMMONED -(report)-> REPORTED -(complete)-> DONE."
)
class WhistleCallStatus(Enum):
    SUMMONED = v("SUMMONED", description="Summoned, not yet reported.")
    REPORTED = v("REPORTED", description="报到: the department has reported and committed to act.")
    DONE = v("DONE", description="The department has finished its part.")


OPEN_STATUSES = (DemandStatus.SUBMITTED, DemandStatus.DISPATCHED, DemandStatus.ACCEPTED)
# Where dueAt runs: dispatched and not yet delivered.
RUNNING_STATUSES = (DemandStatus.DISPATCHED, DemandStatus.ACCEPTED)
RESOLVED_STATUSES = (DemandStatus.DELIVERED, DemandStatus.CLOSED)
