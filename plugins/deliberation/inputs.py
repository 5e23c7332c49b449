"""The plugin's GraphQL input types (names and fields as in contract/deliberation.graphql)."""

from __future__ import annotations

import datetime as dt

import strawberry

from plugins.deliberation.enums import CharterDocumentKind, MeetingFormat, MeetingKind, ParticipantCategory

F = strawberry.field


@strawberry.input(description="A new version of an area's rules or covenant.")
class AdoptCharterDocumentInput:
    area_id: strawberry.ID = F(description="A community or compound.")
    kind: CharterDocumentKind = F(description="Rules or covenant.")
    text: str = F(description="The adopted text.")
    adopted_on: dt.date = F(description="The day it was adopted (not before the current version's).")
    meeting_id: strawberry.ID | None = F(
        default=None, description="The held meeting that adopted it, if any."
    )


@strawberry.input(description="An area's meeting place.")
class SetMeetingVenueInput:
    area_id: strawberry.ID = F(description="A community or compound.")
    name: str = F(description="What it is called.")
    address: str | None = F(default=None, description="Where it is.")
    capacity: int | None = F(default=None, description="How many people it seats.")


@strawberry.input(description="A topic raised for deliberation.")
class RaiseTopicInput:
    area_id: strawberry.ID = F(description="A compound or community.")
    title: str = F(description="One-line summary.")
    description: str = F(description="What it is about.")
    client_mutation_id: str | None = F(
        default=None,
        description="Repeating a submission with the same id returns the first result and writes nothing.",
    )


@strawberry.input(description="Someone at the table.")
class ParticipantInput:
    category: ParticipantCategory = F(description="Which of the 1+6+X they sit as.")
    user_id: strawberry.ID | None = F(default=None, description="Their account, if any.")
    resident_id: strawberry.ID | None = F(default=None, description="Their resident record, if a resident.")
    organization_id: strawberry.ID | None = F(default=None, description="The organisation they represent.")
    name: str | None = F(
        default=None, description="Required when none of userId, residentId, organizationId names the person."
    )


@strawberry.input(description="A meeting to plan.")
class PlanMeetingInput:
    area_id: strawberry.ID = F(description="The community or compound holding it.")
    title: str = F(description="What it is called.")
    kind: MeetingKind = F(description="The kind of meeting.")
    format: MeetingFormat = F(description="1+6+X or open.")
    scheduled_at: dt.datetime = F(description="When it is to be held.")
    venue_name: str | None = F(default=None, description="Defaults to the area's venue.")
    chair_id: strawberry.ID | None = F(default=None, description="The chair; defaults to the viewer.")
    participants: list[ParticipantInput] | None = F(default=None, description="Who is invited, in order.")
    topic_ids: list[strawberry.ID] | None = F(
        default=None, description="RAISED topics of the area (or below) to put on the agenda."
    )


@strawberry.input(description="What happened at a meeting.")
class HoldMeetingInput:
    meeting_id: strawberry.ID = F(description="The PLANNED meeting.")
    attended_indexes: list[int] = F(
        description="Participants (by their index in the meeting's participants list) who attended."
    )
    walk_ins: list[ParticipantInput] | None = F(
        default=None, description="Participants who came without being invited."
    )
    minutes: str = F(description="The minutes.")


@strawberry.input(description="A follow-through task of a decision.")
class ActionItemInput:
    description: str = F(description="What is to be done.")
    owner_user_id: strawberry.ID | None = F(
        default=None, description="The person who owns it (or ownerOrganizationId)."
    )
    owner_organization_id: strawberry.ID | None = F(
        default=None, description="The organisation that owns it (or ownerUserId)."
    )
    due_on: dt.date = F(description="When it is due.")


@strawberry.input(description="A meeting's decision on a topic of its agenda.")
class RecordDecisionInput:
    meeting_id: strawberry.ID = F(description="The HELD meeting.")
    topic_id: strawberry.ID = F(description="A SCHEDULED topic on its agenda.")
    text: str = F(description="The decision as minuted.")
    votes_for: int = F(description="Votes for.")
    votes_against: int = F(description="Votes against.")
    abstentions: int = F(description="Abstentions.")
    action_items: list[ActionItemInput] | None = F(
        default=None, description="Follow-through tasks (adopted decisions only)."
    )
