"""Global ids the plugin decodes itself (criterion, area filter, subscription, nominee lookup)."""

from __future__ import annotations

from core.ids import decode_int_gid

# core decodes only canonical ids within the id columns' range: anything else names nothing.
pk_of = decode_int_gid
