"""A least-recently-used cache of plans, bounded by count and by memory.

A driver plans each request shape once (outputs, provided names) and reuses the plan; a
service that receives many different shapes must not grow without bound, and a few plans of a
10,000-node graph weigh more than hundreds of small ones. So the cache evicts the least
recently used plan when either the number of plans or their estimated size passes its limit.

>>> cache = PlanCache(max_plans=2)
>>> cache.put("a", 1, size=10); cache.put("b", 2, size=10); cache.get("a")
1
>>> cache.put("c", 3, size=10)   # evicts "b", the least recently used
>>> sorted(cache.cached_keys())
['a', 'c']
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

from dataflow.plan import Plan

DEFAULT_MAX_PLANS = 512
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class PlanCache:
    """Plans by request shape, least recently used evicted first.

    ``max_plans`` bounds the count, ``max_bytes`` the estimated memory of the cached plans
    (see :func:`estimated_plan_bytes`). Setting either to ``0`` disables caching. Thread-safe.
    """

    def __init__(self, max_plans: int = DEFAULT_MAX_PLANS,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self.max_plans = max_plans
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self.fast: dict[Hashable, tuple[Any, Any]] = {}
        """A driver's fast paths (:mod:`dataflow.execution.request`) by request shape, each
        ``(request function, result builder)`` over a cached plan: emptied whenever a plan
        leaves the cache, so none outlives its plan."""

    def get(self, key: Hashable) -> Any | None:
        """The cached value, marked most recently used; ``None`` on a miss. The hit path takes
        no lock (it is every ``execute``'s first step): ``OrderedDict`` operations are atomic,
        and a key evicted by another thread between the look-up and the move is simply not
        moved. ``hits``/``misses`` are approximate under concurrency."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        try:  # noqa: SIM105  (contextlib.suppress costs more than the lookup it guards)
            self._entries.move_to_end(key)
        except KeyError:  # evicted meanwhile by another thread: the value is still valid
            pass
        self.hits += 1
        return entry[0]

    def touch(self, key: Hashable) -> None:
        """A hit of ``key`` by a fast path: counted and marked most recently used, as
        :meth:`get` would."""
        try:  # noqa: SIM105
            self._entries.move_to_end(key)
        except KeyError:
            pass
        self.hits += 1

    def install_fast(self, shape: Hashable, key: Hashable, request: Any, builder: Any) -> bool:
        """Keep ``request`` as the fast path of ``shape`` while the plan of ``key`` is cached
        (False, nothing kept, when it is not)."""
        with self._lock:
            if key not in self._entries:
                return False
            self.fast[shape] = (request, builder)
            return True

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Cache ``value`` (estimated at ``size`` bytes) under ``key``, evicting as needed."""
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
                self.fast.clear()
            self._entries[key] = (value, size)
            self._bytes += size
            self._evict()

    def add_size(self, key: Hashable, extra: int) -> None:
        """Account for memory a cached entry gained later (a plan compiled to code)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries[key] = (entry[0], entry[1] + extra)
                self._bytes += extra
                self._evict()

    def resize(self, max_plans: int | None = None, max_bytes: int | None = None) -> None:
        """Change the limits; entries over the new limits are evicted at once."""
        with self._lock:
            if max_plans is not None:
                self.max_plans = max_plans
            if max_bytes is not None:
                self.max_bytes = max_bytes
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.fast.clear()
            self._bytes = 0

    def cached_keys(self) -> list[Hashable]:
        """The keys, least recently used first."""
        with self._lock:
            return list(self._entries)

    def cached_values(self) -> list[Any]:
        """The cached values (a driver's plan runners), least recently used first."""
        with self._lock:
            return [value for value, _ in self._entries.values()]

    @property
    def nbytes(self) -> int:
        """Estimated bytes held by the cached plans."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return (f"<PlanCache {len(self)}/{self.max_plans} plans, ~{self._bytes:,}/"
                f"{self.max_bytes:,} bytes, {self.hits} hits, {self.misses} misses>")

    def _evict(self) -> None:
        entries = self._entries
        while entries and (len(entries) > self.max_plans or self._bytes > self.max_bytes):
            _, (_, size) = entries.popitem(last=False)
            self._bytes -= size
            self.fast.clear()


def estimated_plan_bytes(plan: Plan, key: Iterable[Any] = ()) -> int:
    """An estimate of the memory a cached plan holds on its own: its steps, their argument and
    release tuples, the key and the plan's tuples (nodes and functions belong to the graph)."""
    steps = plan.steps
    size = sys.getsizeof(plan) + sum(sys.getsizeof(part) for part in key)
    arrays = plan.arrays
    if arrays is not None:  # two lists of a pointer per step, and the new release tuples
        count = len(arrays.order)
        # the Step objects, made when the plan is compiled, are added then (add_size)
        return size + 2 * sys.getsizeof(arrays.order) + count * (_EMPTY_TUPLE + _POINTER)
    if steps:  # every step: the object, two tuples, a pointer per name in them
        size += len(steps) * (sys.getsizeof(steps[0]) + 2 * _EMPTY_TUPLE)
        size += _POINTER * sum([len(step.args) + len(step.release) for step in steps])
    return size + sys.getsizeof(steps) + sys.getsizeof(plan.typed_inputs) * 2


_EMPTY_TUPLE = sys.getsizeof(())
_POINTER = sys.getsizeof((None,)) - _EMPTY_TUPLE
