"""Core root mutation fields: thin wrappers over core.services, one transaction each."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.api import inputs as parse
from core.api.mutation import in_mutation_transaction, run_mutation, user_errors
from core.api.relay import gid_of
from core.api.security import public
from core.api.types import Area, OrganizationT, ResidentT, UnitT, UserError, UserT
from core.enums import (
    AreaLevel,
    Gender,
    HouseholdRelation,
    OrganizationKind,
    ResidencyType,
    ResidentStatus,
    UnitUsage,
)
from core.errors import UserFailure, unauthenticated
from core.ids import decode_int_gid
from core.services import accounts, areas, notifications, organizations, residents

F = strawberry.field


@strawberry.input(description="A new area. Fields that do not apply to the level are ignored.")
class CreateAreaInput:
    parent_id: strawberry.ID | None = F(default=None, description="Parent area; omit only for a district.")
    level: AreaLevel = F(description="Level of the new area; must sit directly below the parent's level.")
    name: str = F(description="Name, unique among the parent's children.")
    code: str | None = F(default=None, description="Division or statistical code, if any.")
    is_town: bool | None = F(default=None, description="SUBDISTRICT only: true for a town (镇).")
    address: str | None = F(default=None, description="COMPOUND only: street address.")
    built_year: int | None = F(default=None, description="COMPOUND only: year built.")
    floors: int | None = F(default=None, description="BUILDING only: floors above ground.")


@strawberry.input(description="Changes to an area; omitted fields stay as they are.")
class UpdateAreaInput:
    id: strawberry.ID = F(description="The area to change.")
    name: str | None = F(default=None, description="New name.")
    code: str | None = F(default=None, description="New code (empty string clears it).")
    address: str | None = F(default=None, description="COMPOUND only: new address.")
    built_year: int | None = F(default=None, description="COMPOUND only: year built.")
    floors: int | None = F(default=None, description="BUILDING only: floors above ground.")


@strawberry.type(description="Result of an area mutation.")
class AreaPayload:
    area: Area | None = F(description="The area as it is now; null when the mutation failed.")
    user_errors: list[UserError] = F(description="Why the mutation failed; empty on success.")


@strawberry.input(description="A new dwelling unit.")
class CreateUnitInput:
    building_id: strawberry.ID = F(description="The building the unit is in.")
    label: str = F(description='Door label, unique in the building, e.g. "3-201".')
    floor: int | None = F(default=None, description="Floor.")
    area_sqm: float | None = F(default=None, description="Floor area in square metres.")
    usage: UnitUsage | None = F(default=None, description="How the unit is used (default OWNER_OCCUPIED).")


@strawberry.input(description="Changes to a unit; omitted fields stay as they are.")
class UpdateUnitInput:
    id: strawberry.ID = F(description="The unit to change.")
    label: str | None = F(default=None, description="New door label.")
    floor: int | None = F(default=None, description="Floor.")
    area_sqm: float | None = F(default=None, description="Floor area in square metres.")
    usage: UnitUsage | None = F(default=None, description="How the unit is used.")


@strawberry.type(description="Result of a unit mutation.")
class UnitPayload:
    unit: UnitT | None = F(description="The unit as it is now; null when the mutation failed.")
    user_errors: list[UserError] = F(description="Why the mutation failed; empty on success.")


@strawberry.input(description="A resident to register.")
class RegisterResidentInput:
    name: str = F(description="Full name.")
    id_number: str | None = F(
        default=None,
        description="18-character mainland ID card number (GB 11643); its check digit is verified.",
    )
    gender: Gender | None = F(default=None, description="Gender; derived from the ID number when omitted.")
    birth_date: dt.date | None = F(
        default=None, description="Date of birth; derived from the ID number when omitted."
    )
    phone: str | None = F(default=None, description="11-digit mainland mobile number.")
    unit_id: strawberry.ID | None = F(
        default=None,
        description="Where the resident lives; give unitId, or communityId for a resident not yet placed in a unit.",
    )
    community_id: strawberry.ID | None = F(
        default=None, description="The resident's community when no unit is given."
    )
    relation_to_head: HouseholdRelation | None = F(
        default=None, description="Relation to the household head; a unit has at most one HEAD."
    )
    residency_type: ResidencyType | None = F(
        default=None, description="Registered here or not (default REGISTERED)."
    )
    is_party_member: bool | None = F(default=None, description="Party member (default false).")
    tags: list[str] | None = F(default=None, description="Care and governance tags.")
    moved_in_on: dt.date | None = F(default=None, description="Move-in date (default today).")
    client_mutation_id: str | None = F(
        default=None,
        description="Idempotency key: repeating a registration with the same key returns the first result and creates nothing new.",
    )


@strawberry.input(description="Changes to a resident; omitted fields stay as they are.")
class UpdateResidentInput:
    id: strawberry.ID = F(description="The resident to change.")
    name: str | None = F(default=None, description="Full name.")
    id_number: str | None = F(default=None, description="New ID card number (empty string clears it).")
    gender: Gender | None = F(default=None, description="Gender.")
    birth_date: dt.date | None = F(default=None, description="Date of birth.")
    phone: str | None = F(default=None, description="New mobile number (empty string clears it).")
    relation_to_head: HouseholdRelation | None = F(
        default=None, description="Relation to the household head."
    )
    residency_type: ResidencyType | None = F(default=None, description="Registered here or not.")
    is_party_member: bool | None = F(default=None, description="Party member.")
    tags: list[str] | None = F(default=None, description="Replaces the resident's tags.")


@strawberry.input(description="Moving an active resident to another unit.")
class MoveResidentInput:
    resident_id: strawberry.ID = F(description="The resident.")
    unit_id: strawberry.ID = F(description="The unit they move to.")
    relation_to_head: HouseholdRelation | None = F(
        default=None, description="Relation to the new household's head (default: unchanged)."
    )
    moved_on: dt.date | None = F(default=None, description="Move date (default today).")


@strawberry.input(description="Recording that a resident left or died.")
class MoveOutResidentInput:
    resident_id: strawberry.ID = F(description="The resident.")
    moved_out_on: dt.date | None = F(default=None, description="Date (default today).")
    status: ResidentStatus | None = F(default=None, description="MOVED_OUT (default) or DECEASED.")


@strawberry.type(description="Result of a resident mutation.")
class ResidentPayload:
    resident: ResidentT | None = F(description="The resident as they are now; null when the mutation failed.")
    user_errors: list[UserError] = F(description="Why the mutation failed; empty on success.")


@strawberry.input(description="A new partner organisation.")
class CreateOrganizationInput:
    name: str = F(description="Official name, unique.")
    kind: OrganizationKind = F(description="What kind of body it is.")
    contact_name: str | None = F(default=None, description="Contact person.")
    contact_phone: str | None = F(default=None, description="Contact person's work phone.")
    partner_community_ids: list[strawberry.ID] | None = F(
        default=None, description="Communities to link up with at once."
    )


@strawberry.type(description="Result of an organisation mutation.")
class OrganizationPayload:
    organization: OrganizationT | None = F(
        description="The organisation as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(description="Why the mutation failed; empty on success.")


@strawberry.input(description="A new login account.")
class CreateUserInput:
    username: str = F(description="Login name, unique.")
    password: str = F(
        description="At least 8 characters, hard to guess, not on a breach list and not containing the username (else WEAK_PASSWORD); stored only as an argon2 hash."
    )
    display_name: str = F(description="Name shown in the apps.")
    resident_id: strawberry.ID | None = F(
        default=None, description="Make this the resident's own account (grants the resident role)."
    )
    area_id: strawberry.ID | None = F(
        default=None,
        description="Area whose user managers administer the account; defaults to the resident's community, or to your own single area.",
    )


@strawberry.input(description="A role over an area, to grant or revoke.")
class GrantRoleInput:
    user_id: strawberry.ID = F(description="The account.")
    role: str = F(description="Role name, see Query.roles.")
    area_id: strawberry.ID = F(description="The grant covers this area and everything below it.")


@strawberry.type(description="Result of an account mutation.")
class UserPayload:
    user: UserT | None = F(description="The account as it is now; null when the mutation failed.")
    user_errors: list[UserError] = F(description="Why the mutation failed; empty on success.")


@strawberry.type(description="Result of signing in.")
class LoginPayload:
    token: str | None = F(description="Bearer token for the Authorization header; null when login failed.")
    expires_at: dt.datetime | None = F(description="When the token stops working.")
    user: UserT | None = F(description="The signed-in account.")
    user_errors: list[UserError] = F(description="INVALID_CREDENTIALS or RATE_LIMITED when sign-in failed.")


@strawberry.type(description="Result of a deletion.")
class DeletePayload:
    deleted_id: strawberry.ID | None = F(description="Global id of what was deleted; null when nothing was.")
    user_errors: list[UserError] = F(description="Why nothing was deleted; empty on success.")


@strawberry.type(description="Core mutations.")
class CoreMutation:
    @strawberry.mutation(
        description="Signs in; returns a bearer token. Repeated failures lock the username, and the client address, for a while (RATE_LIMITED). One login per request: aliases and batches are refused (ONE_LOGIN_PER_REQUEST).",
        metadata=public(),
    )
    async def login(self, info: Info, username: str, password: str) -> LoginPayload:
        try:
            # Not one transaction: each attempt is counted and committed before the password is checked.
            token, expires, user = await accounts.login(info.context, username, password)
        except UserFailure as failure:
            return LoginPayload(token=None, expires_at=None, user=None, user_errors=user_errors(failure))
        return LoginPayload(token=token, expires_at=expires, user=user, user_errors=[])

    @strawberry.mutation(description="Creates an account (needs user.manage).")
    async def create_user(self, info: Info, input: CreateUserInput) -> UserPayload:
        return await run_mutation(
            info, lambda: accounts.create_user(info.context, parse.new_user(input)), UserPayload, "user"
        )

    @strawberry.mutation(
        description="Grants a role over an area (needs user.manage there, and every permission the role holds)."
    )
    async def grant_role(self, info: Info, input: GrantRoleInput) -> UserPayload:
        return await run_mutation(
            info, lambda: accounts.grant_role(info.context, parse.grant(input)), UserPayload, "user"
        )

    @strawberry.mutation(description="Revokes a role grant (NOT_FOUND when the user does not hold it).")
    async def revoke_role(self, info: Info, input: GrantRoleInput) -> UserPayload:
        return await run_mutation(
            info, lambda: accounts.revoke_role(info.context, parse.grant(input)), UserPayload, "user"
        )

    @strawberry.mutation(
        description="Activates or deactivates an account; a deactivated account's tokens stop working at once."
    )
    async def set_user_active(self, info: Info, user_id: strawberry.ID, active: bool) -> UserPayload:
        return await run_mutation(
            info,
            lambda: accounts.set_user_active(info.context, parse.user_id(user_id), active),
            UserPayload,
            "user",
        )

    @strawberry.mutation(description="Creates an area below its parent (a district only as superuser).")
    async def create_area(self, info: Info, input: CreateAreaInput) -> AreaPayload:
        return await run_mutation(
            info, lambda: areas.create_area(info.context, parse.new_area(input)), AreaPayload, "area"
        )

    @strawberry.mutation(description="Renames or updates an area.")
    async def update_area(self, info: Info, input: UpdateAreaInput) -> AreaPayload:
        return await run_mutation(
            info, lambda: areas.update_area(info.context, parse.area_changes(input)), AreaPayload, "area"
        )

    @strawberry.mutation(
        description="Refuses (userErrors code NOT_EMPTY) while the area has children, units or residents."
    )
    async def delete_area(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return await run_mutation(
            info, lambda: areas.delete_area(info.context, parse.area_id(id)), DeletePayload, "deleted_id"
        )

    @strawberry.mutation(description="Creates a dwelling unit in a building.")
    async def create_unit(self, info: Info, input: CreateUnitInput) -> UnitPayload:
        return await run_mutation(
            info, lambda: areas.create_unit(info.context, parse.new_unit(input)), UnitPayload, "unit"
        )

    @strawberry.mutation(description="Updates a dwelling unit.")
    async def update_unit(self, info: Info, input: UpdateUnitInput) -> UnitPayload:
        return await run_mutation(
            info, lambda: areas.update_unit(info.context, parse.unit_changes(input)), UnitPayload, "unit"
        )

    @strawberry.mutation(description="Registers a resident; idempotent by clientMutationId.")
    async def register_resident(self, info: Info, input: RegisterResidentInput) -> ResidentPayload:
        return await run_mutation(
            info,
            lambda: residents.register_resident(info.context, parse.registration(input)),
            ResidentPayload,
            "resident",
        )

    @strawberry.mutation(description="Updates a resident's record.")
    async def update_resident(self, info: Info, input: UpdateResidentInput) -> ResidentPayload:
        return await run_mutation(
            info,
            lambda: residents.update_resident(info.context, parse.changes(input)),
            ResidentPayload,
            "resident",
        )

    @strawberry.mutation(description="Moves an active resident to another unit.")
    async def move_resident(self, info: Info, input: MoveResidentInput) -> ResidentPayload:
        return await run_mutation(
            info,
            lambda: residents.move_resident(info.context, parse.move(input)),
            ResidentPayload,
            "resident",
        )

    @strawberry.mutation(description="Records that a resident moved out or died.")
    async def move_out_resident(self, info: Info, input: MoveOutResidentInput) -> ResidentPayload:
        return await run_mutation(
            info,
            lambda: residents.move_out_resident(info.context, parse.move_out(input)),
            ResidentPayload,
            "resident",
        )

    @strawberry.mutation(description="Creates a partner organisation.")
    async def create_organization(self, info: Info, input: CreateOrganizationInput) -> OrganizationPayload:
        return await run_mutation(
            info,
            lambda: organizations.create_organization(info.context, parse.new_organization(input)),
            OrganizationPayload,
            "organization",
        )

    @strawberry.mutation(
        description="Links an organisation with a community (党建联建); DUPLICATE if already linked."
    )
    async def link_partner(
        self, info: Info, organization_id: strawberry.ID, community_id: strawberry.ID
    ) -> OrganizationPayload:
        return await run_mutation(
            info,
            lambda: organizations.link_partner(
                info.context, parse.organization_id(organization_id), parse.community_id(community_id)
            ),
            OrganizationPayload,
            "organization",
        )

    @strawberry.mutation(
        description="Marks the signed-in user's notifications read; returns how many changed."
    )
    async def mark_notifications_read(self, info: Info, ids: list[strawberry.ID]) -> int:
        context = info.context
        if not context.viewer.authenticated:
            raise unauthenticated()
        pks = [pk for pk in (decode_int_gid(i, "Notification") for i in ids) if pk is not None]
        return await in_mutation_transaction(context, lambda: notifications.mark_read(context, pks))


__all__ = ["CoreMutation", "gid_of"]
