"""Per-request DataLoaders, created lazily by key.

Every loader fetches through :func:`core.access.visible`, so batching and the
permission layer are the same code path: a lookup of an out-of-scope id
yields None, a child list omits out-of-scope rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.models import Model

from core.access import visible
from core.api.budget import charge_rows
from core.permissions import Viewer


class Loaders:
    def __init__(self, viewer: Viewer):
        self.viewer = viewer
        self._loaders: dict[Hashable, DataLoader] = {}

    def custom(self, key: Hashable, batch: Callable[[list], Awaitable[list]]) -> DataLoader:
        """A loader for anything else, e.g. a plugin's aggregate per parent."""
        loader = self._loaders.get(key)
        if loader is None:

            async def counted(keys: list, batch=batch) -> list:
                rows = await batch(keys)
                charge_rows(rows)  # the request's cap on resolved objects (core.api.budget)
                return rows

            loader = self._loaders[key] = DataLoader(load_fn=counted)
        return loader

    def by_id(self, model: type[Model]) -> DataLoader:
        """Visible ``model`` rows by primary key (None when absent or out of scope)."""

        async def batch(ids: list[int]) -> list[Model | None]:
            rows = await visible(self.viewer, model).filter(id__in=list(set(ids)))
            found = {row.pk: row for row in rows}
            return [found.get(i) for i in ids]

        return self.custom(("by_id", model), batch)

    def context_by_id(self, model: type[Model]) -> DataLoader:
        """``model`` rows by primary key *without* the viewer's scope, for objects shown
        as context of something the viewer may already see (the area of a role grant,
        the people named on a case). Use sparingly: everything reached from such a
        row is scoped again by its own loaders."""

        async def batch(ids: list[int]) -> list[Model | None]:
            rows = {row.pk: row for row in await model.filter(id__in=list(set(ids)))}
            return [rows.get(i) for i in ids]

        return self.custom(("context_by_id", model), batch)

    def children(
        self,
        model: type[Model],
        fk: str,
        *,
        where: Q | None = None,
        order: tuple[str, ...] = ("id",),
        tag: Hashable = None,
    ) -> DataLoader:
        """Visible ``model`` rows grouped by the value of column ``fk``.

        ``tag`` distinguishes loaders with different ``where`` filters."""

        async def batch(keys: list[Any]) -> list[list[Model]]:
            qs = visible(self.viewer, model).filter(**{f"{fk}__in": list(set(keys))})
            if where is not None:
                qs = qs.filter(where)
            groups: dict[Any, list[Model]] = defaultdict(list)
            for row in await qs.order_by(*order):
                groups[getattr(row, fk)].append(row)
            return [groups.get(k, []) for k in keys]

        return self.custom(("children", model, fk, order, tag), batch)

    def counts(
        self, model: type[Model], fk: str, *, where: Q | None = None, tag: Hashable = None
    ) -> DataLoader:
        """Number of visible ``model`` rows per value of column ``fk``, in one GROUP BY."""

        async def batch(keys: list[Any]) -> list[int]:
            qs = visible(self.viewer, model).filter(**{f"{fk}__in": list(set(keys))})
            if where is not None:
                qs = qs.filter(where)
            rows = await qs.annotate(n=Count("id")).group_by(fk).values(fk, "n")
            found = {r[fk]: r["n"] for r in rows}
            return [found.get(k, 0) for k in keys]

        return self.custom(("counts", model, fk, tag), batch)
