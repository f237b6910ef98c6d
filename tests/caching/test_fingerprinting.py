"""Data versions: type-aware, exhaustive for nested containers, vectorised for frames and
arrays, and never a constant for what cannot be fingerprinted."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow.caching.fingerprinting import Unfingerprintable, data_version, register_fingerprint


def test_scalars_of_different_types_differ() -> None:
    versions = {data_version(v) for v in (1, 1.0, "1", True, b"1", None, 1 + 0j)}
    assert len(versions) == 7


def test_containers_differ_by_type_and_are_exhaustive_at_depth() -> None:
    assert data_version([1, 2]) != data_version((1, 2))
    deep = {"a": [{"b": (1, {"c": [1, 2, 3]})}]}
    changed = {"a": [{"b": (1, {"c": [1, 2, 4]})}]}
    assert data_version(deep) != data_version(changed)
    assert data_version(deep) == data_version({"a": [{"b": (1, {"c": [1, 2, 3]})}]})
    nested = []
    current = nested
    for _ in range(500):  # far deeper than any sampling cut-off
        current.append([])
        current = current[0]
    before = data_version(nested)
    current.append(1)
    assert data_version(nested) != before


def test_dict_order_and_set_order_do_not_count() -> None:
    assert data_version({"a": 1, "b": 2}) == data_version({"b": 2, "a": 1})
    assert data_version({3, 1, 2}) == data_version({1, 2, 3})
    assert data_version({1, 2}) != data_version(frozenset({1, 2}))


def test_pandas_values_index_dtype_and_names_count() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    assert data_version(frame) == data_version(frame.copy())
    for changed in (frame.assign(a=[1.0, 2.5]), frame.assign(b=["x", "z"]),
                    frame.rename(columns={"a": "c"}), frame.set_axis([5, 6]),
                    frame.astype({"a": "float32"})):
        assert data_version(changed) != data_version(frame)
    series = pd.Series([1, 2, 3], name="s")
    assert data_version(series) != data_version(series.rename("t"))
    assert data_version(series) != data_version(series.astype("int32"))
    assert data_version(series) != data_version(series.to_frame())


def test_numpy_arrays_count_dtype_shape_and_bytes() -> None:
    array = np.arange(6, dtype="int64")
    assert data_version(array) == data_version(array.copy())
    assert data_version(array) != data_version(array.reshape(2, 3))
    assert data_version(array) != data_version(array.astype("int32"))
    assert data_version(array[::2]) == data_version(np.array([0, 2, 4]))
    assert data_version(np.array(["a", None], dtype=object)) != data_version(
        np.array(["a", "b"], dtype=object))
    assert data_version(np.float64(1.0)) != data_version(1.0)


def test_functions_generators_and_unpicklable_values_are_refused_never_constant() -> None:
    for value in (lambda: 1, (i for i in range(3)), [threading.Lock()]):
        with pytest.raises(Unfingerprintable):
            data_version(value)
    looped: list = []
    looped.append(looped)
    with pytest.raises(Unfingerprintable, match="contains itself"):
        data_version(looped)


class Model:
    def __init__(self, weights: list[float]) -> None:
        self.weights = weights


def test_plain_objects_are_fingerprinted_by_their_state() -> None:
    assert data_version(Model([1.0])) == data_version(Model([1.0]))
    assert data_version(Model([1.0])) != data_version(Model([2.0]))  # Hamilton #1715


def test_registered_fingerprint_is_used() -> None:
    class Token:
        def __init__(self, text: str) -> None:
            self.text = text

    register_fingerprint(Token, lambda token: token.text.encode())
    assert data_version(Token("a")) == data_version(Token("a"))
    assert data_version(Token("a")) != data_version(Token("b"))


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children)
    | st.tuples(children, children), max_leaves=20)


@given(json_like, json_like)
def test_equal_values_equal_versions_and_different_values_differ(a: object, b: object) -> None:
    assert data_version(a) == data_version(a)
    if repr(a) != repr(b):  # repr tells 1 from 1.0 and True from 1, as the fingerprint must
        assert data_version(a) != data_version(b)


def test_a_library_refusing_to_hash_a_value_makes_it_unfingerprintable() -> None:
    frame = pd.DataFrame({"lists": [[1, 2], [3]]})  # pandas cannot hash list cells
    with pytest.raises(Unfingerprintable, match="fingerprinting a pandas"):
        data_version(frame)


def test_xxh3_and_sha256_versions_never_match_and_both_see_every_byte(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dataflow.caching import fingerprinting

    values = np.arange(100_000, dtype="float64")
    changed = values.copy()
    changed[-1] += 1
    fast = fingerprinting.data_version(values)
    assert fast != fingerprinting.data_version(changed)
    monkeypatch.setattr(fingerprinting, "_xxhash", None)  # as without the caching extra
    slow = fingerprinting.data_version(values)
    assert slow != fingerprinting.data_version(changed)
    assert len(fast) == 32 and len(slow) == 64
