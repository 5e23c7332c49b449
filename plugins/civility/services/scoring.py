"""The scoring arithmetic, kept pure so that it can be read against the contract.

totalScore = sum over criteria c of (mean_c / maxScore_c) * weight_c / sum(weights) * 100,
where mean_c is the mean of the assessors' scores for c. A criterion nobody
has scored yet counts as 0; a nomination with no score at all has no total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

# Used when a STAR_HOUSEHOLD campaign is created without thresholds.
DEFAULT_STAR_THRESHOLDS: tuple[dict, ...] = (
    {"stars": 1, "minScore": 60.0},
    {"stars": 2, "minScore": 70.0},
    {"stars": 3, "minScore": 80.0},
    {"stars": 4, "minScore": 90.0},
    {"stars": 5, "minScore": 95.0},
)


def total_score(criteria: Sequence, means: Mapping[int, float]) -> float | None:
    """``criteria`` have id, weight, max_score; ``means`` maps criterion id to the mean score."""
    if not means or not criteria:
        return None
    weights = sum(c.weight for c in criteria)
    share = sum((means.get(c.id, 0.0) / c.max_score) * c.weight for c in criteria)
    return round(share / weights * 100, 6)


def star_level(thresholds: Iterable[Mapping], total: float | None) -> int | None:
    """The most stars whose minScore the total reaches; None below every threshold."""
    if total is None:
        return None
    reached = [t["stars"] for t in thresholds if t["minScore"] <= total]
    return max(reached) if reached else None
