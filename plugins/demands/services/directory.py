"""The deployment's demand categories and the liaisons who answer for partner organisations."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import models as m
from core.access import visible
from core.errors import Code, UserFailure, not_found
from plugins.demands.access import LIAISON_MANAGE, manages_categories
from plugins.demands.checks import text
from plugins.demands.models import DemandCategory, OrganizationLiaison
from plugins.demands.services.common import forbid

MAX_SLA_DAYS = 365


def _sla(days: int, field: list[str]) -> int:
    if not 1 <= days <= MAX_SLA_DAYS:
        raise UserFailure(f"slaDays is 1 to {MAX_SLA_DAYS}.", Code.INVALID_INPUT, field)
    return days


def _kinds(kinds) -> list[str]:
    return list(dict.fromkeys(k.value for k in kinds or []))


async def _save(category: DemandCategory) -> DemandCategory:
    try:
        async with in_transaction():  # a savepoint: the UNIQUE name decides a race
            await category.save()
    except IntegrityError:
        raise UserFailure("A category with this name exists.", Code.DUPLICATE, ["input", "name"]) from None
    return category


async def create_category(context, *, name: str, sla_days: int, kinds) -> DemandCategory:
    if not manages_categories(context.viewer):
        raise forbid("Managing categories needs demands.category.manage at district level.")
    category = DemandCategory(
        name=text(name, ["input", "name"], "name", 100),
        sla_days=_sla(sla_days, ["input", "slaDays"]),
        suggested_kinds=_kinds(kinds),
    )
    return await _save(category)


async def update_category(
    context, *, category_pk: int | None, name: str | None, sla_days: int | None, kinds, active: bool | None
) -> DemandCategory:
    if not manages_categories(context.viewer):
        raise forbid("Managing categories needs demands.category.manage at district level.")
    category = await DemandCategory.get_or_none(id=category_pk) if category_pk is not None else None
    if category is None:
        raise not_found("Demand category", ["input", "categoryId"])
    if name is not None:
        category.name = text(name, ["input", "name"], "name", 100)
    if sla_days is not None:
        category.sla_days = _sla(sla_days, ["input", "slaDays"])
    if kinds is not None:
        category.suggested_kinds = _kinds(kinds)
    if active is not None:
        category.active = active
    return await _save(category)


async def _org_and_user(context, organization_pk: int | None, user_pk: int | None):
    viewer = context.viewer
    if not viewer.can(LIAISON_MANAGE):
        raise forbid(f"Naming liaisons needs {LIAISON_MANAGE}.", ["organizationId"])
    org = await visible(viewer, m.Organization).filter(id=organization_pk or 0).first()
    if org is None:
        raise not_found("Organization", ["organizationId"])
    # Liaisons are often accounts of the organisation itself, outside any area: looked up by id.
    user = await m.User.filter(id=user_pk or 0, is_active=True).first()
    if user is None:
        raise not_found("User", ["userId"])
    return org, user


async def add_liaison(context, *, organization_pk: int | None, user_pk: int | None) -> m.Organization:
    org, user = await _org_and_user(context, organization_pk, user_pk)
    await OrganizationLiaison.get_or_create(organization_id=org.id, user_id=user.id)
    return org


async def remove_liaison(context, *, organization_pk: int | None, user_pk: int | None) -> m.Organization:
    org, user = await _org_and_user(context, organization_pk, user_pk)
    if not await OrganizationLiaison.filter(organization_id=org.id, user_id=user.id).delete():
        raise not_found("Liaison", ["userId"])
    return org
