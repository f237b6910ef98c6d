"""Data versions: a fingerprint of a value, so that a node whose inputs have the same data
versions as before can be given its stored result.

A fingerprint is type-aware (``1``, ``1.0``, ``"1"`` and ``True`` all differ), exhaustive for
nested containers at any depth, and vectorised for pandas and numpy (the values' bytes are
hashed, never the rows one by one in Python: with xxhash's XXH3-128 when the ``xxhash``
package is installed, the ``caching`` extra, else SHA-256; the two give versions of different
lengths, so they never match each other); polars frames are hashed by their own row hashes
when polars is installed. A value that none of the rules covers is fingerprinted through its
pickle (equal bytes, equal state); a value that does not pickle either *cannot* be
fingerprinted: :func:`data_version` raises :class:`Unfingerprintable`, and the cache recomputes
the nodes that read it rather than give it a constant version (what makes Hamilton serve a
stale model, apache/hamilton#1715).

>>> data_version(1) == data_version(1.0) or data_version(1) == data_version("1")
False
>>> data_version({"a": [1, (2, 3)]}) == data_version({"a": [1, (2, 3)]})
True
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["Unfingerprintable", "data_version", "file_digest", "register_fingerprint"]

_xxhash: Any
try:
    import xxhash as _xxhash
except ImportError:  # pragma: no cover - the caching extra installs it
    _xxhash = None


def _new_digest() -> Any:
    """A fresh hash object: XXH3-128 (about 20x the speed of SHA-256 on a column, so that a
    cached run's fingerprints cost a small fraction of computing the column) or SHA-256."""
    return _xxhash.xxh3_128() if _xxhash is not None else hashlib.sha256()


def bytes_digest(data: bytes) -> str:
    """:func:`file_digest` of bytes already read."""
    digest = _new_digest()
    digest.update(data)
    return digest.hexdigest()


def file_digest(path: Any) -> str:
    """The digest of a file's bytes (the same hash as data versions), read in 1 MiB pieces."""
    digest = _new_digest()
    with open(path, "rb") as handle:
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


_SCALARS = (int, float, complex, str, bool, type(None), bytes)


class Unfingerprintable(Exception):
    """The value has no fingerprint; ``str(error)`` says why."""


_CUSTOM: dict[type, Callable[[Any], bytes]] = {}


def register_fingerprint(cls: type, fingerprint: Callable[[Any], bytes]) -> None:
    """Fingerprint values of ``cls`` (and subclasses) with ``fingerprint(value) -> bytes``:
    equal bytes must mean equal values for the cache's purpose."""
    _CUSTOM[cls] = fingerprint


def data_version(value: Any) -> str:
    """The data version of ``value``: a hex digest (raises :class:`Unfingerprintable`)."""
    digest = _new_digest()
    try:
        _feed(digest, value, set())
    except Unfingerprintable:
        raise
    except Exception as error:  # a library's hashing refusing the value (lists in a column)
        raise Unfingerprintable(
            f"fingerprinting a {type(value).__module__}.{type(value).__qualname__} failed: "
            f"{type(error).__name__}: {error}") from None
    return digest.hexdigest()


def _tag(digest: Any, cls: type) -> None:
    digest.update(f"\x00{cls.__module__}.{cls.__qualname__}\x00".encode())


def _feed(digest: Any, root: Any, active: set[int]) -> None:
    """Feed ``root`` into ``digest``: an explicit stack, so nesting of lists, tuples and dict
    values has no depth limit (dict keys and set members, hashable, are digested apart)."""
    stack: list[tuple[int, Any]] = [(_VALUE, root)]
    while stack:
        kind, value = stack.pop()
        if kind == _BYTES:
            digest.update(value)
            continue
        if kind == _LEAVE:
            active.discard(value)
            continue
        cls = type(value)
        _tag(digest, cls)
        if cls in _SCALARS:
            digest.update(value if cls is bytes else repr(value).encode())
            continue
        custom = _custom_fingerprint(value)
        if custom is not None:
            digest.update(custom(value))
            continue
        if cls in (list, tuple, dict, set, frozenset):
            if id(value) in active:
                raise Unfingerprintable(f"a {cls.__name__} that contains itself")
            digest.update(str(len(value)).encode())
            if cls is set or cls is frozenset:
                for member in sorted(_digest_of(item, active) for item in value):
                    digest.update(member)
                continue
            active.add(id(value))
            stack.append((_LEAVE, id(value)))
            if cls is dict:
                entries = sorted(((_digest_of(key, active), item) for key, item in value.items()),
                                 key=lambda entry: entry[0])  # key order does not count
                for key_bytes, item in reversed(entries):
                    stack.append((_VALUE, item))
                    stack.append((_BYTES, key_bytes))
            else:
                for item in reversed(value):
                    stack.append((_BYTES, b"\x01"))
                    stack.append((_VALUE, item))
            continue
        module = cls.__module__.split(".", 1)[0]
        if module == "pandas":
            _feed_pandas(digest, value)
        elif module == "numpy":
            _feed_numpy(digest, value, active)
        elif module == "polars" and "polars" in sys.modules:
            _feed_polars(digest, value)
        else:
            _feed_pickle(digest, value)


_VALUE, _BYTES, _LEAVE = 0, 1, 2


def _custom_fingerprint(value: Any) -> Callable[[Any], bytes] | None:
    if not _CUSTOM:
        return None
    for base, fingerprint in _CUSTOM.items():
        if isinstance(value, base):
            return fingerprint
    return None


def _digest_of(value: Any, active: set[int]) -> bytes:
    digest = _new_digest()
    _feed(digest, value, active)
    return digest.digest()


def _feed_numpy(digest: Any, value: Any, active: set[int]) -> None:
    import numpy as np

    if isinstance(value, np.ndarray):
        digest.update(f"{value.dtype.str}{value.shape}".encode())
        if value.dtype.hasobject:
            for item in value.ravel(order="C"):
                _feed(digest, item, active)
            return
        _feed_buffer(digest, value)
        return
    if isinstance(value, np.generic):
        digest.update(f"{value.dtype.str}".encode())
        digest.update(np.asarray(value).tobytes())
        return
    _feed_pickle(digest, value)


def _feed_buffer(digest: Any, array: Any) -> None:
    """The bytes of a fixed-size numpy array, without a copy when it is contiguous."""
    import numpy as np

    if array.ndim == 0:
        digest.update(array.tobytes())
        return
    digest.update(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data)


def _feed_pandas(digest: Any, value: Any) -> None:
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        digest.update(b"frame")
        _feed_index(digest, value.columns)
        _feed_index(digest, value.index)
        for position in range(value.shape[1]):
            _feed_values(digest, value.iloc[:, position])
        return
    if isinstance(value, pd.Series):
        _feed_series_head(digest, value.name, value.index, value.dtype)
        _feed_values_body(digest, value)
        return
    if isinstance(value, pd.Index):
        _feed_index(digest, value)
        return
    _feed_pickle(digest, value)


def _feed_index(digest: Any, index: Any) -> None:
    import pandas as pd

    _tag(digest, type(index))
    digest.update(repr(index.names).encode())
    if isinstance(index, pd.RangeIndex):
        digest.update(f"{index.start}:{index.stop}:{index.step}".encode())
        return
    digest.update(str(index.dtype).encode())
    digest.update(pd.util.hash_pandas_object(index, index=False).to_numpy().data)


def series_digest(cls: type, name: Any, index: Any, dtype: Any) -> Any:
    """A digest fed with all of a Series' data version but its values (``cls``, ``name``,
    ``index``, ``dtype`` as the Series had them): feed it the raw bytes of a fixed-size numpy
    dtype's values and its hex digest is the Series' :func:`data_version`. For a writer that
    fingerprints exactly the bytes it writes."""
    digest = _new_digest()
    _tag(digest, cls)
    _feed_series_head(digest, name, index, dtype)
    return digest


def has_custom_fingerprint(value: Any) -> bool:
    """Whether ``value`` is fingerprinted by a function given to :func:`register_fingerprint`."""
    return _custom_fingerprint(value) is not None


def _feed_series_head(digest: Any, name: Any, index: Any, dtype: Any) -> None:
    digest.update(repr(name).encode() + type(name).__name__.encode())
    _feed_index(digest, index)
    digest.update(str(dtype).encode())


def _feed_values(digest: Any, series: Any) -> None:
    digest.update(str(series.dtype).encode())
    _feed_values_body(digest, series)


def _feed_values_body(digest: Any, series: Any) -> None:
    import pandas as pd

    dtype = series.dtype
    values = series.to_numpy() if dtype.kind in "biufcmM" else None
    if values is not None and values.dtype == dtype:
        _feed_buffer(digest, values)
        return
    # objects, strings, categoricals, extension types: pandas' own vectorised row hash
    digest.update(pd.util.hash_pandas_object(series, index=False).to_numpy().data)


def _feed_polars(digest: Any, value: Any) -> None:
    import polars as pl

    if isinstance(value, pl.DataFrame):
        digest.update(repr(value.schema).encode())
        digest.update(value.hash_rows(seed=0).to_numpy().data)
        return
    if isinstance(value, pl.Series):
        digest.update(f"{value.name!r}{value.dtype}".encode())
        digest.update(value.hash(seed=0).to_numpy().data)
        return
    _feed_pickle(digest, value)


def _feed_pickle(digest: Any, value: Any) -> None:
    if callable(value) and hasattr(value, "__code__"):
        raise Unfingerprintable(
            f"{type(value).__name__} {getattr(value, '__qualname__', value)!r} is a function; "
            "its result, not its identity, is what a fingerprint can describe")
    try:
        data = pickle.dumps(value, protocol=5)
    except Exception as error:  # pickle raises TypeError, PicklingError, AttributeError, ...
        raise Unfingerprintable(
            f"a {type(value).__module__}.{type(value).__qualname__} value has no fingerprint "
            f"(no rule for its type, and it does not pickle: {type(error).__name__}: {error})"
        ) from None
    digest.update(data)
