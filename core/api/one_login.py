"""One sign-in per request.

Each ``login`` costs an argon2 verification. Aliases (``a: login(...) b:
login(...)``), fragments and batches would let one request try many
passwords, and hold the server for as long: a document with more than one
``login`` field is refused at validation (nothing runs), and so is a batch
(JSON array) that carries a login together with any other operation.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    ValidationRule,
    parse,
)

from core.errors import Code

LOGIN_FIELD = "login"

TOO_MANY_IN_DOCUMENT = (
    "One sign-in per request: this document selects login {n} times "
    "(aliases and fragments included). Send one login per request."
)
NOT_ALONE_IN_BATCH = (
    "One sign-in per request: a login must be sent on its own, not in a batch with other operations."
)


def count_logins(document: DocumentNode) -> int:
    """How many times the document's mutations select ``login``, through fragments too.

    Each fragment is counted once and its total reused, so fragments spreading
    each other many times cost linear work (and cycles, invalid anyway, stop).
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    totals: dict[str, int] = {}

    def in_selection(selection_set, path: frozenset[str]) -> int:
        count = 0
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                count += sel.name.value == LOGIN_FIELD
            elif isinstance(sel, InlineFragmentNode):
                count += in_selection(sel.selection_set, path)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in path or name not in fragments:
                    continue
                if name not in totals:
                    totals[name] = in_selection(fragments[name].selection_set, path | {name})
                count += totals[name]
        return count

    return sum(
        in_selection(d.selection_set, frozenset())
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.operation == OperationType.MUTATION
    )


class OneLoginPerDocument(ValidationRule):
    """Validation rule: more than one ``login`` in a document is refused before execution."""

    def enter_document(self, node: DocumentNode, *_):
        n = count_logins(node)
        if n > 1:
            self.report_error(
                GraphQLError(
                    TOO_MANY_IN_DOCUMENT.format(n=n), extensions={"code": Code.ONE_LOGIN_PER_REQUEST}
                )
            )
        return False  # nothing below the document concerns this rule


def batch_problem(queries: list[str | None], max_tokens: int) -> str | None:
    """Why a batch of these documents is refused, or None. A batch of one may hold a login."""
    if len(queries) < 2:
        return None
    for query in queries:
        if not query or LOGIN_FIELD not in query:
            continue  # cheap: most batches never mention it
        try:
            document = parse(query, max_tokens=max_tokens)
        except GraphQLError:
            continue  # refused on its own when it runs
        if count_logins(document):
            return NOT_ALONE_IN_BATCH
    return None
