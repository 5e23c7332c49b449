"""Global-id lookup for ``node``/``nodes`` and for references inside payloads."""

from __future__ import annotations

from strawberry.types import Info

from core.api.relay import NodeSpec
from core.ids import canonical_int, decode_gid


class NodeRegistry:
    def __init__(self, specs: list[NodeSpec]):
        self.specs: dict[str, NodeSpec] = {}
        for spec in specs:
            if spec.type_name in self.specs:
                raise ValueError(f"Node type {spec.type_name} registered twice")
            self.specs[spec.type_name] = spec

    async def resolve(self, info: Info, gid: str, *type_names: str):
        """The visible object ``gid`` names, or None (unknown, malformed, absent or out of scope).

        With ``type_names``, objects of other types also read as None."""
        parts = decode_gid(gid)
        if parts is None:
            return None
        type_name, raw_pk = parts
        if type_names and type_name not in type_names:
            return None
        spec = self.specs.get(type_name)
        if spec is None:
            return None
        pk = canonical_int(raw_pk)
        if pk is None:
            return None
        obj = await info.context.loaders.by_id(spec.model).load(pk)
        if obj is None or (spec.accepts is not None and not spec.accepts(obj)):
            return None
        return obj
