"""GraphQL edge of service record certificates: issueVolunteerCertificate and the VolunteerCertificate type."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from core.api.mutation import run_mutation
from core.api.relay import Node
from core.api.types import UserError
from core.errors import Code, UserFailure
from core.scopes import any_of, where
from core.services.guards import find
from plugins.volunteers import certificates
from plugins.volunteers import models as vm
from plugins.volunteers.access import MANAGE, READ


def certificate_policy(viewer):
    """Staff with volunteers.read over the volunteer; the volunteer themself."""
    return any_of(
        viewer.scope(READ).rows(),
        where(volunteer__resident_id=viewer.resident_id) if viewer.resident_id else None,
    )


@strawberry.type(
    description="A volunteer service record certificate (志愿服务记录证明) as issued; its facts do not change afterwards."
)
class VolunteerCertificate(Node):
    code: str = strawberry.field(
        description="Verification code printed on the certificate, e.g. ABCD-EFGH-JKLM-NPQR."
    )
    period_from: dt.date = strawberry.field(
        description="First day of the period whose verified hours it states."
    )
    period_to: dt.date = strawberry.field(description="Last day of the period.")
    hours: float = strawberry.field(description="Verified hours served in the period.")
    issued_on: dt.date = strawberry.field(description="Date of issue.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, vm.VolunteerCertificate)

    @strawberry.field(
        description="Path of the public page where anyone can check the certificate's facts (no sign-in)."
    )
    def verification_url(self) -> str:
        return certificates.VERIFY_PATH + self.code

    @strawberry.field(description="Path of the certificate as a PDF, to GET with a bearer token.")
    def pdf_url(self) -> str:
        return f"/volunteers/certificates/{self.code}.pdf"


@strawberry.type(description="Result of issueVolunteerCertificate.")
class VolunteerCertificatePayload:
    certificate: VolunteerCertificate | None = strawberry.field(
        description="The certificate issued; null on failure."
    )
    user_errors: list[UserError] = strawberry.field(description="Why none was issued.")


@strawberry.type(description="Volunteer certificate mutations.")
class CertificateMutation:
    @strawberry.mutation(
        description="Issues a service record certificate stating the volunteer's verified hours in a period (needs volunteers.manage over the volunteer)."
    )
    async def issue_volunteer_certificate(
        self,
        info: Info,
        volunteer_id: Annotated[strawberry.ID, strawberry.argument(description="The volunteer.")],
        period_from: Annotated[dt.date, strawberry.argument(description="First day of the period.")],
        period_to: Annotated[
            dt.date, strawberry.argument(description="Last day of the period (not in the future).")
        ],
        issuer: Annotated[
            str | None,
            strawberry.argument(
                description="Issuing body printed on it (default: the volunteer's community)."
            ),
        ] = None,
    ) -> VolunteerCertificatePayload:
        async def work():
            viewer = info.context.viewer
            volunteer = await find(viewer, vm.Volunteer, volunteer_id, ["volunteerId"], "Volunteer")
            if not viewer.can(MANAGE, volunteer):
                raise UserFailure(f"You lack the {MANAGE} permission here.", Code.FORBIDDEN, ["volunteerId"])
            if issuer is not None and ("\x00" in issuer or len(issuer) > 100):
                raise UserFailure(
                    "issuer may be at most 100 characters, without NUL.", Code.INVALID_INPUT, ["issuer"]
                )
            return await certificates.issue_certificate(viewer, volunteer, period_from, period_to, issuer)

        return await run_mutation(info, work, VolunteerCertificatePayload, "certificate")
