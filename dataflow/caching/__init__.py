"""Caching: reuse a node's stored result when its code and the data it reads are unchanged.

``Builder().with_cache(path=...)`` turns it on; ``dr.cache`` is the
:class:`~dataflow.caching.adapter.CacheAdapter` (logs, ``view_run``, ``dry_run``). Modules:
:mod:`~dataflow.caching.fingerprinting` (data versions), :mod:`~dataflow.caching.code_version`,
:mod:`~dataflow.caching.stores` (SQLite metadata, result files), :mod:`~dataflow.caching.adapter`
(behaviours, keys, logs). Guide: docs/caching.md.
"""

from dataflow.caching.adapter import (
    CacheAdapter,
    CachingBehavior,
    CachingEvent,
    CachingEventType,
    HamiltonCacheAdapter,
)
from dataflow.caching.fingerprinting import Unfingerprintable, data_version, register_fingerprint
from dataflow.caching.stores import FileResultStore, SQLiteMetadataStore

__all__ = [
    "CacheAdapter",
    "CachingBehavior",
    "CachingEvent",
    "CachingEventType",
    "FileResultStore",
    "HamiltonCacheAdapter",
    "SQLiteMetadataStore",
    "Unfingerprintable",
    "data_version",
    "register_fingerprint",
]
