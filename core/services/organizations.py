"""Partner organisations and their links with communities."""

from __future__ import annotations

from core import models as m
from core.audit import record
from core.enums import AreaLevel
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.integrity import refusing
from core.services.guards import find, optional_text, require, require_text


async def _community(viewer, gid, field) -> m.Area:
    area = await find(viewer, m.Area, gid, field, "Community", what="Community")
    if area.level != AreaLevel.COMMUNITY:
        raise UserFailure("Partners link with communities.", Code.INVALID_LEVEL, field)
    require(viewer, "organization.write", area, field)
    return area


async def create_organization(context, data) -> m.Organization:
    viewer = context.viewer
    require(viewer, "organization.write", None, "")
    name = require_text(data.name, "name", "name")
    communities = []
    for i, gid in enumerate(dict.fromkeys(data.partner_community_ids or [])):
        communities.append(await _community(viewer, gid, f"partnerCommunityIds.{i}"))
    name_taken = UserFailure(f"An organisation named {name!r} exists.", Code.DUPLICATE, "name")
    if await m.Organization.filter(name=name).exists():
        raise name_taken
    phone = (data.contact_phone or "").strip() or None
    if phone and (len(phone) > 32 or not all(c.isdigit() or c in "+- ()" for c in phone)):
        raise UserFailure("contactPhone may hold digits, spaces, +, - and brackets.", Code.INVALID_PHONE,
                          "contactPhone")
    contact_name = optional_text(data.contact_name, "contactName", "contactName", 100)
    # UNIQUE name behind the check: a twin created meanwhile reads the same.
    org = await refusing(lambda: m.Organization.create(name=name, kind=data.kind, contact_name=contact_name,
                                                       contact_phone=phone), name_taken, ("name",))
    for community in communities:
        await m.PartnerLink.create(organization=org, community=community)
    await record(context, "createOrganization", gid_of(org))
    return org


async def link_partner(context, organization_gid: str, community_gid: str) -> m.Organization:
    viewer = context.viewer
    org = await find(viewer, m.Organization, organization_gid, "organizationId", "Organization")
    community = await _community(viewer, community_gid, "communityId")
    linked = UserFailure("The organisation is already a partner of this community.", Code.DUPLICATE,
                         "communityId")
    if await m.PartnerLink.filter(organization_id=org.id, community_id=community.id).exists():
        raise linked
    # UNIQUE (organization_id, community_id) behind the check: a twin linked meanwhile reads the same.
    await refusing(lambda: m.PartnerLink.create(organization=org, community=community), linked,
                   ("organization_id", "community_id"))
    await record(context, "linkPartner", gid_of(org), detail=gid_of(community))
    return org
