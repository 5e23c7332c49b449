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


class UserFailure(Exception):
    """Raised inside a mutation: the change is rolled back and reported as userErrors."""

    def __init__(self, message: str, code: str, field: list[str] | None = None,
                 more: list[UserErrorData] | None = None):
        super().__init__(message)
        self.errors = [UserErrorData(message, code, list(field or []))] + list(more or [])


def not_found(what: str, field: list[str] | None = None) -> UserFailure:
    return UserFailure(f"{what} not found", Code.NOT_FOUND, field)


class ApiError(GraphQLError):
    """A GraphQL error with a stable ``extensions.code`` (shown even in production)."""

    def __init__(self, message: str, code: str):
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> ApiError:
    return ApiError("Sign in first: send 'Authorization: Bearer <token>' from the login mutation.",
                    Code.UNAUTHENTICATED)
