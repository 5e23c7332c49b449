"""Partner organisations and their links with communities."""

from __future__ import annotations

from dataclasses import dataclass

from core import models as m
from core.audit import record
from core.enums import AreaLevel, OrganizationKind
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.integrity import refusing
from core.services.guards import find_pk, require

NAME_MAX = 200  # core_organization.name


@dataclass(frozen=True)
class NewOrganization:
    """Parsed once at the API edge (core.api.inputs): text trimmed and checked, the contact
    phone checked, community ids decoded (0: an id that named nothing) and without repeats."""

    name: str
    kind: OrganizationKind
    contact_name: str | None = None
    contact_phone: str | None = None
    partner_community_ids: tuple[int, ...] = ()


async def _community(viewer, community_id: int, field) -> m.Area:
    area = await find_pk(viewer, m.Area, community_id, field, "Community")
    if area.level != AreaLevel.COMMUNITY:
        raise UserFailure("Partners link with communities.", Code.INVALID_LEVEL, field)
    require(viewer, "organization.write", area, field)
    return area


async def create_organization(context, data: NewOrganization) -> m.Organization:
    viewer = context.viewer
    require(viewer, "organization.write", None, "")
    name = data.name
    communities = []
    for i, community_id in enumerate(data.partner_community_ids):
        communities.append(await _community(viewer, community_id, f"partnerCommunityIds.{i}"))
    name_taken = UserFailure(f"An organisation named {name!r} exists.", Code.DUPLICATE, "name")
    if await m.Organization.filter(name=name).exists():
        raise name_taken
    phone, contact_name = data.contact_phone, data.contact_name
    # UNIQUE name behind the check: a twin created meanwhile reads the same.
    org = await refusing(
        lambda: m.Organization.create(
            name=name, kind=data.kind, contact_name=contact_name, contact_phone=phone
        ),
        name_taken,
        ("name",),
    )
    for community in communities:
        await m.PartnerLink.create(organization=org, community=community)
    await record(context, "createOrganization", gid_of(org))
    return org


async def link_partner(context, organization_id: int, community_id: int) -> m.Organization:
    viewer = context.viewer
    org = await find_pk(viewer, m.Organization, organization_id, "organizationId", "Organization")
    community = await _community(viewer, community_id, "communityId")
    linked = UserFailure(
        "The organisation is already a partner of this community.", Code.DUPLICATE, "communityId"
    )
    if await m.PartnerLink.filter(organization_id=org.id, community_id=community.id).exists():
        raise linked
    # UNIQUE (organization_id, community_id) behind the check: a twin linked meanwhile reads the same.
    await refusing(
        lambda: m.PartnerLink.create(organization=org, community=community),
        linked,
        ("organization_id", "community_id"),
    )
    await record(context, "linkPartner", gid_of(org), detail=gid_of(community))
    return org
