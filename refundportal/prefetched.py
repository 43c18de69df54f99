"""Rows already in hand stood in for a ``prefetch_related`` of them, so that
reading the relation afterwards costs no query."""

from collections.abc import Iterable
from typing import Any


def remember(instance: Any, relation: str, rows: Iterable[Any]) -> None:
    """Make ``instance.<relation>.all()`` answer ``rows`` (in that order)
    without a query, as a prefetch of the relation would have."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset
