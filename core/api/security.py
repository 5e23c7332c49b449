"""Endpoint hardening that is not a resolver's business.

- anonymous requests may only call the root fields declared public
  (``metadata=public()``: core's ``login``, ``plugins`` and ``me``, which is null; any a plugin declares);
- in production: no introspection, no "did you mean", unexpected errors masked
  with an error id the log holds in full;
- depth, alias and token limits (:func:`limit_extensions`), each refusal
  tagged with a stable ``extensions.code``; the batch limit is strawberry's
  batching config, the body size limit a middleware (core.app).
"""

from __future__ import annotations

import logging
import re
import uuid

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
)

from core.api.depth import alias_rule, depth_rule
from core.api.one_login import OneLoginPerDocument
from core.errors import ApiError, Code, UserFailure
from core.settings import Settings

log = logging.getLogger("lastmile.errors")


# Directive locations graphql-core 3.3 / graphql-js 17 added (``@deprecated`` on
# directive definitions, a draft of the spec). Clients of the previous
# generation (graphql-core 3.2, which ../shared/tools/check_contract.py runs on
# with the system Python, and the tools built on it) cannot rebuild a schema
# whose introspection names them: build_client_schema raises.
_NEW_DIRECTIVE_LOCATIONS = frozenset({"DIRECTIVE_DEFINITION"})


def _asks_root_kinds(document) -> bool:
    """Whether an introspection query selects ``kind`` on ``queryType``.

    The introspection query of graphql-core 3.3 and graphql-js 17 does
    (``queryType { name kind }``), that of their predecessors does not: the
    only sign a server gets of which generation of client is asking.
    """

    def walk(selection_set, inside_query_type: bool) -> bool:
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                if inside_query_type and sel.name.value == "kind":
                    return True
                if walk(sel.selection_set, sel.name.value == "queryType"):
                    return True
            elif isinstance(sel, InlineFragmentNode) and walk(sel.selection_set, inside_query_type):
                return True
        return False

    return any(
        isinstance(d, OperationDefinitionNode) and walk(d.selection_set, False) for d in document.definitions
    )


def _strip_new_directive_locations(value) -> None:
    if isinstance(value, dict):
        directives = value.get("directives")
        if isinstance(directives, list):
            for directive in directives:
                locations = directive.get("locations") if isinstance(directive, dict) else None
                if isinstance(locations, list):
                    directive["locations"] = [loc for loc in locations if loc not in _NEW_DIRECTIVE_LOCATIONS]
        for child in value.values():
            if isinstance(child, dict):
                _strip_new_directive_locations(child)


class PortableIntrospection(SchemaExtension):
    """Introspection that every generation of client can read.

    Directive locations newer than graphql-core 3.2 are shown only to clients
    whose introspection query shows they know them (see
    :func:`_asks_root_kinds`); lastmile declares no directive that uses them.
    """

    def on_execute(self):
        yield
        ec = self.execution_context
        data = getattr(ec.result, "data", None)
        if not data or "__schema" not in (ec.query or "") or ec.graphql_document is None:
            return
        if not _asks_root_kinds(ec.graphql_document):
            _strip_new_directive_locations(data)


PUBLIC_KEY = "lastmile.public"
# Introspection answers anonymous callers too (production turns it off altogether).
INTROSPECTION_FIELDS = frozenset({"__typename", "__schema", "__type"})


def public() -> dict:
    """``strawberry.field(metadata=public())`` on a root field: callable without signing in.

    The field's resolver then sees an anonymous viewer (and a mutation passes
    ``anonymous_ok=True`` to run_mutation). Combine with other metadata:
    ``metadata={**public(), **list_size(3)}``."""
    return {PUBLIC_KEY: True}


def public_root_fields(*root_types) -> frozenset[str]:
    """GraphQL names of the root fields declared with :func:`public`, over the given root types."""
    names = set(INTROSPECTION_FIELDS)
    for root in root_types:
        if root is None:
            continue
        for field in root.__strawberry_definition__.fields:
            if (field.metadata or {}).get(PUBLIC_KEY):
                names.add(field.graphql_name or _camel(field.python_name))
    return frozenset(names)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _root_fields(document, operation_name: str | None) -> list[str]:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        ops = [o for o in ops if o.name and o.name.value == operation_name]
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    names: list[str] = []

    def walk(selection_set, seen):
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                names.append(sel.name.value)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    walk(frag.selection_set, seen | {sel.name.value})

    for op in ops[:1]:
        walk(op.selection_set, frozenset())
    return names


class AnonymousGate(SchemaExtension):
    """Refuses every root field not declared public to requests without a valid token.

    The check runs before validation too, so that an anonymous caller learns
    nothing about root fields it may not use: one that exists and one that does
    not are refused alike (a validation error would tell them apart)."""

    def __init__(self, public_fields: frozenset[str], **kwargs):
        super().__init__(**kwargs)
        self.public_fields = public_fields

    def _refusal(self) -> ApiError | None:
        ec = self.execution_context
        context = ec.context
        viewer = getattr(context, "viewer", None)
        if viewer is not None and not viewer.authenticated and ec.graphql_document is not None:
            problem = getattr(context, "auth_problem", None)
            # A bad token is refused even for `me`: null would read as "signed out" and hide the cause.
            allowed = self.public_fields - {"me"} if problem else self.public_fields
            blocked = [n for n in _root_fields(ec.graphql_document, ec.operation_name) if n not in allowed]
            if blocked:
                reason = (
                    problem or "Sign in first: send 'Authorization: Bearer <token>' from the login mutation."
                )
                return ApiError(f"{reason} (fields: {', '.join(blocked)})", Code.UNAUTHENTICATED)
        return None

    def on_validate(self):
        # Before the yield (strawberry builds its answer from pre_execution_errors inside the
        # validation step), after ValidationCache's hook, which comes earlier in the list.
        refusal = self._refusal()
        if refusal is not None:
            self.execution_context.pre_execution_errors = [refusal]
        yield

    def on_execute(self):
        refusal = self._refusal()
        if refusal is not None:
            self.execution_context.result = ExecutionResult(data=None, errors=[refusal])
        yield


ANONYMOUS_VALIDATION_MESSAGE = "The document does not validate against the schema (sign in for the details)."


class MaskValidationForAnonymous(SchemaExtension):
    """Production: validation errors of anonymous requests say only that the document is invalid.

    Their messages name types, fields and arguments ("Field 'x' of type 'Y' must
    have a selection of subfields"): enough, without suggestions or introspection,
    to rebuild much of the schema (issue 10). Limit refusals keep their text.
    New error objects, never edits: ValidationCache shares them across requests."""

    def on_validate(self):
        # Before the yield, after ValidationCache's hook has validated (see AnonymousGate.on_validate).
        self._mask()
        yield

    def _mask(self) -> None:
        ec = self.execution_context
        viewer = getattr(ec.context, "viewer", None)
        errors = ec.pre_execution_errors
        if not errors or viewer is None or viewer.authenticated:
            return
        masked = []
        for error in errors:
            _tag_limit_error(error)
            if (error.extensions or {}).get("code") == "GRAPHQL_VALIDATION_FAILED":
                error = GraphQLError(
                    ANONYMOUS_VALIDATION_MESSAGE,
                    nodes=error.nodes,
                    source=error.source,
                    positions=error.positions,
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
                )
            masked.append(error)
        ec.pre_execution_errors = masked


def _is_expected(error: GraphQLError) -> bool:
    """Errors a client caused and can read: ours (with a code), syntax and validation errors."""
    original = error.original_error
    if original is None:
        return True
    # UserFailure carries a message written for users even when it escapes a mutation payload.
    return isinstance(original, ApiError | GraphQLError | UserFailure)


class MaskUnexpectedErrors(MaskErrors):
    """Masks unexpected errors, logging each in full under an error id the client sees."""

    def __init__(self):
        super().__init__(should_mask_error=lambda e: not _is_expected(e), error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error_id = uuid.uuid4().hex[:12]
        message = error.message if len(error.message) <= 1000 else error.message[:1000] + "..."
        log.error("error %s at %s: %s", error_id, error.path, message, exc_info=error.original_error)
        return GraphQLError(
            message=f"Internal error (id {error_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        )


# Message fragments of the limiters' refusals -> the code clients switch on.
LIMIT_CODES = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("aliases found. Allowed", "TOO_MANY_ALIASES"),
    ("more than", "TOO_MANY_TOKENS"),  # "Document contains more than N tokens"
)


_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


class NoSuggestions(SchemaExtension):
    """Production: strips "Did you mean ...?" from every error.

    ``disable_field_suggestions`` covers fields only; graphql-core still
    suggests argument, input field, enum value and type names, which would
    let a client map the schema that disabled introspection hides.
    """

    def on_operation(self):
        try:
            yield
        except GraphQLError as error:
            _strip_suggestion(error)
            raise
        for error in getattr(self.execution_context.result, "errors", None) or []:
            _strip_suggestion(error)


def _strip_suggestion(error: GraphQLError) -> None:
    if "Did you mean" in error.message:
        error.message = _SUGGESTION.sub("", error.message)


class LimitErrorCodes(SchemaExtension):
    """Gives the depth, alias and token refusals an ``extensions.code`` and names the setting."""

    def on_operation(self):
        try:
            yield
        except GraphQLError as error:
            # ParserCache parses inside its hook, so the token limit's syntax error passes through here.
            _tag_limit_error(error)
            raise
        for error in getattr(self.execution_context.result, "errors", None) or []:
            _tag_limit_error(error)


def _tag_limit_error(error: GraphQLError) -> None:
    if error.extensions and "code" in error.extensions:
        return
    for fragment, code in LIMIT_CODES:
        if fragment in error.message and (code != "TOO_MANY_TOKENS" or "tokens" in error.message):
            error.extensions = {**(error.extensions or {}), "code": code}
            return
    code = _request_error_code(error)
    if code is not None:
        error.extensions = {**(error.extensions or {}), "code": code}


# graphql-core's messages for variable values that do not coerce (execution, not validation:
# "Variable '$x' is never used" is a validation error).
_COERCION = re.compile(
    r"Variable '\$\w+' (got invalid value|has invalid value|of required type .* was not provided"
    r"|of non-null type .* must not be null)"
)


def _request_error_code(error: GraphQLError) -> str | None:
    """A code for the errors graphql-core raises without one, so clients can switch on every error.

    Syntax errors, validation errors and variable values that do not coerce
    are the client's to fix; errors from resolvers keep their own code (or,
    when unexpected, are masked in production).
    """
    if error.path:
        return None
    if _COERCION.match(error.message):
        return "BAD_USER_INPUT"
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        return None
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


def limit_extensions(settings: Settings) -> list:
    """Depth, alias and token limits as extension factories.

    The validation rules are built once per schema, not per request, so that
    ValidationCache (keyed by the rule classes) can hit.
    """
    rules = [depth_rule(settings.max_query_depth), alias_rule(settings.max_aliases)]
    rules.append(OneLoginPerDocument)  # core/api/one_login.py: aliased logins are refused too
    return [
        LimitErrorCodes,
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]


def security_extensions(settings: Settings, public_fields: frozenset[str] = INTROSPECTION_FIELDS) -> list:
    """``public_fields``: the root fields anonymous requests may call (:func:`public_root_fields`)."""
    from core.api.failures import DatabaseUnavailableErrors, SingleOperation

    extensions: list = [SingleOperation, lambda: AnonymousGate(public_fields), PortableIntrospection]
    if settings.is_production:
        extensions += [DisableIntrospection, NoSuggestions, MaskValidationForAnonymous, MaskUnexpectedErrors]
    # After MaskUnexpectedErrors: extensions unwind in reverse, so it sees the driver's error first.
    extensions.append(DatabaseUnavailableErrors)
    return extensions
