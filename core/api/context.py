"""What every resolver gets as ``info.context``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from core.api.loaders import Loaders
from core.audit import AuditEntry
from core.permissions import Viewer


@dataclass(slots=True)
class Context:
    """Every field is declared here (slots: setting any other attribute fails), so what a
    request carries is read in one place."""

    viewer: Viewer
    runtime: Any  # core.api.schema.Runtime: plugin host, node registry, event bus
    request: Any = None
    response: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    loaders: Loaders = None  # type: ignore[assignment]
    # Reads of personal data, written in one statement when the operation ends.
    audit_reads: list[AuditEntry] = field(default_factory=list)
    # Events raised inside the running mutation, published once it commits.
    pending_events: list = field(default_factory=list)
    # graphql-transport-ws connection_init payload (strawberry fills it in when
    # the attribute exists); carries the bearer token of websocket clients.
    connection_params: dict | None = None
    # Why the request's token was refused (None: no token, or a good one); the anonymous gate
    # then refuses even `me`, so that a bad token does not read as "signed out".
    auth_problem: str | None = None

    def __post_init__(self):
        if self.loaders is None:
            self.loaders = Loaders(self.viewer)

    def sign_in(self, viewer: Viewer) -> None:
        """The viewer a websocket's token names (connection_init, and again before each event)."""
        self.viewer, self.auth_problem = viewer, None
        self.refresh_loaders()

    def refresh_loaders(self) -> None:
        """Forget every row the request's loaders cached (after a mutation commits, so that its
        payload reads what was written; per event of a long-lived subscription)."""
        self.loaders = Loaders(self.viewer)

    @property
    def host(self):
        return self.runtime.host
