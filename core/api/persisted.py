"""Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.

APQ (https://www.apollographql.com/docs/apollo-server/performance/apq): the client first
sends only ``extensions.persistedQuery = {version: 1, sha256Hash}``. Unknown hash: the
answer is the error ``PersistedQueryNotFound`` (extensions.code PERSISTED_QUERY_NOT_FOUND)
and the client retries with the query text and the hash; the server checks that the hash is
the text's SHA-256 and remembers it (in memory, or in Redis so that every process knows it).
Later requests send the hash alone: small request bodies, and GET URLs a CDN can cache.

Trusted documents (LASTMILE_TRUSTED_DOCUMENTS): the front-end build writes the operations it
contains to a manifest; the server then runs those and nothing else, so a stolen token cannot
be used to send arbitrary (costly or probing) queries. Both Apollo's persisted-query manifest
(``{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body", ...}]}``) and a
plain ``{"<id>": "<document>"}`` map (graphql-codegen, Relay) are read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import replace

from graphql import GraphQLError
from strawberry.types import ExecutionResult

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
NOT_TRUSTED = "PERSISTED_QUERY_NOT_IN_LIST"
BAD_REQUEST = "BAD_REQUEST"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REDIS_PREFIX = "lastmile:apq:"
_REDIS_TTL = 30 * 24 * 3600  # a month: a deployment's front-ends re-register anything older


class PersistedQueryRefused(Exception):
    """The request cannot run; ``message`` and ``code`` go to the client as a request error."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code

    def result(self) -> ExecutionResult:
        return ExecutionResult(data=None, errors=[GraphQLError(self.message, extensions={"code": self.code})])


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class MemoryStore:
    """The most recently used documents of this process, by hash."""

    def __init__(self, max_entries: int = 10_000):
        self.max_entries = max_entries
        self._docs: OrderedDict[str, str] = OrderedDict()

    async def get(self, key: str) -> str | None:
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
        return doc

    async def put(self, key: str, document: str) -> None:
        self._docs[key] = document
        self._docs.move_to_end(key)
        while len(self._docs) > self.max_entries:
            self._docs.popitem(last=False)

    async def close(self) -> None:
        pass


class RedisStore:
    """Documents shared by every process of the deployment (they are not secret: the
    hash is their content's)."""

    def __init__(self, url: str):
        from redis.asyncio import from_url

        self._redis = from_url(url)

    async def get(self, key: str) -> str | None:
        raw = await self._redis.get(_REDIS_PREFIX + key)
        return raw.decode() if raw is not None else None

    async def put(self, key: str, document: str) -> None:
        await self._redis.set(_REDIS_PREFIX + key, document, ex=_REDIS_TTL)

    async def close(self) -> None:
        await self._redis.aclose()


class TrustedDocumentsError(ValueError):
    """The manifest cannot be read: the server refuses to start rather than trust nothing (or anything)."""


def load_manifest(path: str) -> dict[str, str]:
    """id -> document from an Apollo persisted-query manifest or a plain id -> document map."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise TrustedDocumentsError(f"cannot read LASTMILE_TRUSTED_DOCUMENTS {path}: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("operations"), list):
        pairs = [(op.get("id"), op.get("body")) for op in data["operations"] if isinstance(op, dict)]
    elif isinstance(data, dict):
        pairs = list(data.items())
    else:
        pairs = []
    docs = {k: v for k, v in pairs if isinstance(k, str) and isinstance(v, str) and k and v}
    if not docs:
        raise TrustedDocumentsError(f"LASTMILE_TRUSTED_DOCUMENTS {path} lists no operations")
    return docs


class PersistedQueries:
    """Turns a request's persisted-query extension into the document to run, or refuses it."""

    def __init__(self, store=None, trusted: dict[str, str] | None = None, enabled: bool = True):
        self.store = store
        self.enabled = enabled
        self.trusted = trusted
        # Full texts sent without a hash are accepted in trusted mode when they are in the list.
        self._trusted_texts = {sha256_of(doc) for doc in trusted.values()} if trusted else set()

    @classmethod
    def from_settings(cls, settings) -> PersistedQueries:
        trusted = load_manifest(settings.trusted_documents) if settings.trusted_documents else None
        if not settings.apq_enabled and trusted is None:
            return cls(enabled=False)
        store = None
        if trusted is None:
            store = (
                RedisStore(settings.redis_url) if settings.redis_url else MemoryStore(settings.apq_cache_size)
            )
        return cls(store=store, trusted=trusted)

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()

    async def resolve(self, data):
        """``data`` (strawberry's GraphQLRequestData) with its query filled in, or PersistedQueryRefused."""
        extensions = data.extensions if isinstance(data.extensions, dict) else {}
        persisted = extensions.get("persistedQuery")
        if persisted is None:
            if self.trusted is not None and (
                data.query is None or sha256_of(data.query) not in self._trusted_texts
            ):
                raise PersistedQueryRefused(
                    "Only the operations of this deployment's front-ends are accepted here (trusted documents); "
                    "send a listed document or its id in extensions.persistedQuery.",
                    NOT_TRUSTED,
                )
            return data
        if not self.enabled:
            raise PersistedQueryRefused("PersistedQueryNotSupported", NOT_SUPPORTED)
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedQueryRefused("Unsupported persisted query version: send version 1.", BAD_REQUEST)
        key = persisted.get("sha256Hash")
        if not isinstance(key, str) or not key or len(key) > 128:
            raise PersistedQueryRefused("extensions.persistedQuery.sha256Hash must be a string.", BAD_REQUEST)
        if self.trusted is not None:
            document = self.trusted.get(key)
            if document is None or (data.query is not None and data.query != document):
                raise PersistedQueryRefused(
                    "This operation is not among the trusted documents of this deployment.", NOT_TRUSTED
                )
            return replace(data, query=document)
        if data.query is not None:
            if not _SHA256.fullmatch(key) or sha256_of(data.query) != key:
                raise PersistedQueryRefused("provided sha does not match query", HASH_MISMATCH)
            await self.store.put(key, data.query)
            return data
        document = await self.store.get(key) if _SHA256.fullmatch(key) else None
        if document is None:
            # Apollo's PersistedQueryLink recognises this exact message and retries with the query.
            raise PersistedQueryRefused("PersistedQueryNotFound", NOT_FOUND)
        return replace(data, query=document)
