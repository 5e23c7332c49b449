"""What every resolver gets as ``info.context``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from core.api.loaders import Loaders
from core.permissions import Viewer


@dataclass
class AuditEntry:
    action: str
    subject_gid: str | None
    field: str | None = None
    detail: str | None = None


@dataclass
class Context:
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

    def __post_init__(self):
        if self.loaders is None:
            self.loaders = Loaders(self.viewer)

    @property
    def host(self):
        return self.runtime.host
