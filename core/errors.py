"""Errors a client can act on.

Mutations answer business-rule failures as ``userErrors`` entries with a
stable ``code``; a resolver raises :class:`UserFailure` and the mutation
runner (core.api.mutation) rolls the transaction back and turns it into the
payload. Query-level failures are GraphQL errors carrying ``extensions.code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLError


class Code:
    """The stable codes front-ends switch on."""

    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    NOT_EMPTY = "NOT_EMPTY"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_LEVEL = "INVALID_LEVEL"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CAPACITY_REACHED = "CAPACITY_REACHED"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_TARGET = "INVALID_TARGET"
    # An ID number that cannot be accepted from this caller (registered where they may not
    # read it): neither whether nor where it exists is told (docs/security.md).
    ID_NUMBER_UNAVAILABLE = "ID_NUMBER_UNAVAILABLE"
    # Login under attack (docs/security.md).
    WEAK_PASSWORD = "WEAK_PASSWORD"
    ONE_LOGIN_PER_REQUEST = "ONE_LOGIN_PER_REQUEST"


@dataclass
class UserErrorData:
    message: str
    code: str
    field: list[str] = field(default_factory=list)
    # True: ``field`` names the value the service was given ("unitId", "tags.2"), and the API
    # edge places it in the mutation's arguments (below ``input`` when the field takes one).
    logical: bool = False

    def path(self, input_path: list[str]) -> list[str]:
        """The GraphQL path of the offending argument, for a mutation whose input is at ``input_path``."""
        return [*input_path, *self.field] if self.logical else self.field


# A logical field name ("unitId", "tags.2") or a GraphQL path as a list (see UserFailure).
Field = str | list[str]


def _field(field: str | list[str] | None) -> tuple[list[str], bool]:
    if isinstance(field, str):
        return ([part for part in field.split(".") if part]), True
    return list(field or []), False


class UserFailure(Exception):
    """Raised inside a mutation: the change is rolled back and reported as userErrors.

    ``field``: the logical name of the offending value, dotted for parts of it
    (``"unitId"``, ``"tags.2"``, ``""`` for the input as a whole), which the API
    edge (core.api.mutation.run_mutation) turns into the GraphQL path
    (``["input", "unitId"]``); or that path itself, as a list, used as given."""

    def __init__(
        self,
        message: str,
        code: str,
        field: str | list[str] | None = None,
        more: list[UserErrorData] | None = None,
    ):
        super().__init__(message)
        path, logical = _field(field)
        self.errors = [UserErrorData(message, code, path, logical)] + list(more or [])


def not_found(what: str, field: str | list[str] | None = None) -> UserFailure:
    return UserFailure(f"{what} not found", Code.NOT_FOUND, field)


class ApiError(GraphQLError):
    """A GraphQL error with a stable ``extensions.code`` (shown even in production)."""

    def __init__(self, message: str, code: str):
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> ApiError:
    return ApiError(
        "Sign in first: send 'Authorization: Bearer <token>' from the login mutation.", Code.UNAUTHENTICATED
    )
