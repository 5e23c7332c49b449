"""Refuses text no database can store: NUL characters and unpaired surrogates.

PostgreSQL rejects NUL in text columns and both databases fail to encode a
lone surrogate (JSON allows "\\ud800"). Caught once here, for every field of
core and plugins, before anything executes: a clear INVALID_INPUT instead of
an internal error deep in a driver.
"""

from __future__ import annotations

from graphql import ExecutionResult, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from core.errors import ApiError, Code


def unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _bad_value(value) -> bool:
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return any(_bad_value(k) or _bad_value(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_bad_value(v) for v in value)
    return False


class _StringFinder(Visitor):
    def __init__(self):
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_):
        if unstorable(node.value):
            self.found = True


def _bad_document(document) -> bool:
    finder = _StringFinder()
    visit(document, finder)
    return finder.found


class RejectUnstorableText(SchemaExtension):
    def on_execute(self):
        ec = self.execution_context
        if ec.result is None and (_bad_value(ec.variables or {}) or
                                  (ec.graphql_document is not None and _bad_document(ec.graphql_document))):
            ec.result = ExecutionResult(data=None, errors=[ApiError(
                "Text may not contain NUL characters or unpaired surrogates.", Code.INVALID_INPUT)])
        yield
