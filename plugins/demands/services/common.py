"""Helpers every service uses: finding rows in the viewer's scope, events, who to notify."""

from __future__ import annotations

from tortoise.models import Model

from core import models as m
from core.access import visible
from core.errors import Code, UserFailure, not_found
from core.events import emit
from plugins.demands.models import Demand, OrganizationLiaison, Whistle

DEMAND_TOPIC = "demands.demand.updated"


def changed(context, demand: Demand) -> Demand:
    """Queue the demandUpdated event (published once the transaction commits)."""
    emit(context, DEMAND_TOPIC, demand_id=demand.id, area_ids=demand.area_ids())
    return demand


async def find(
    viewer, model: type[Model], pk: int | None, field: list[str], what: str, *, for_update: bool = False
):
    """The visible row; NOT_FOUND (never FORBIDDEN) otherwise. Locked on PostgreSQL when asked."""
    if pk is None:
        raise not_found(what, field)
    qs = visible(viewer, model).filter(id=pk)
    if for_update:
        qs = qs.select_for_update(of=(model._meta.db_table,))
    row = await qs.first()
    if row is None:
        raise not_found(what, field)
    return row


async def locked(model: type[Model], pk: int):
    """Re-read a row already found visible, locked for the rest of the transaction (PostgreSQL)."""
    return await model.filter(id=pk).select_for_update().first()


def forbid(message: str, field: list[str] | None = None) -> UserFailure:
    return UserFailure(message, Code.FORBIDDEN, field)


def require(viewer, permission: str, obj, field: list[str] | None = None) -> None:
    if not viewer.can(permission, obj):
        raise forbid(f"You lack the {permission} permission here.", field)


async def liaisons_of(organization_ids) -> dict[int, list[int]]:
    """{organization id: liaison user ids}, in one statement."""
    ids = sorted({i for i in organization_ids if i is not None})
    out: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for row in (
            await OrganizationLiaison.filter(organization_id__in=ids)
            .order_by("id")
            .values("organization_id", "user_id")
        ):
            out[row["organization_id"]].append(row["user_id"])
    return out


async def liaison_users(organization_ids) -> list[int]:
    found = await liaisons_of(organization_ids)
    return list(dict.fromkeys(u for users in found.values() for u in users))


async def submitter_users(demand: Demand) -> list[int]:
    """The accounts of the resident whose need it is; the account that entered it when there is none."""
    if demand.submitter_id is not None:
        users = await m.User.filter(resident_id=demand.submitter_id, is_active=True).values_list(
            "id", flat=True
        )
        if users:
            return list(users)
    return [demand.entered_by_id]


async def whistle_of(demand_id: int) -> Whistle | None:
    return await Whistle.filter(demand_id=demand_id).order_by("-blown_at", "-id").first()
