"""Writes each operation's personal-data reads when it finishes (core.audit collects them)."""

from __future__ import annotations

from strawberry.extensions import SchemaExtension

from core.audit import flush_reads


class AuditReads(SchemaExtension):
    """One INSERT per operation for every full read of personal data it made."""

    async def on_execute(self):
        yield
        await flush_reads(self.execution_context.context)
