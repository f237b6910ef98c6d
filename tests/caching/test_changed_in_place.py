"""A result that a later node changes in place is never stored changed.

The cache writes results in batches, after the nodes that read them may have run. A node that
changes its input in place (``a += 1``, ``frame["c"] = ...``) used to have the changed value
written under the data version of the value as it was produced: a later run that took the
input from the cache and recomputed the node got a different answer from an uncached run.
The writer now fingerprints each result again once its file is written and drops the file when
the fingerprint moved; such a node is written as soon as it is produced from then on."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow import driver
from dataflow.caching import CachingEventType, stores
from dataflow.caching.fingerprinting import data_version
from tests.caching.helpers import load_module

hamilton_driver = pytest.importorskip("hamilton.driver")

ARRAYS = '''
import numpy as np


def a(x: int) -> np.ndarray:
    return np.arange(5, dtype=np.int64) * x


def b(a: np.ndarray) -> np.ndarray:
    a += 100
    return a * {FACTOR}
'''

FRAMES = '''
import pandas as pd


def frame(x: int) -> pd.DataFrame:
    return pd.DataFrame({{"v": [1.0, 2.0, 3.0]}}) * x


def widened(frame: pd.DataFrame) -> pd.DataFrame:
    frame["w"] = frame["v"] * {FACTOR}
    frame["v"] += 10
    return frame


def total(widened: pd.DataFrame) -> float:
    return float(widened.to_numpy().sum())
'''


SERIES = '''
import pandas as pd


def s(x: int) -> pd.Series:
    return pd.Series([1.0, 2.0, 3.0], name="s") * x


def t(s: pd.Series) -> pd.Series:
    s += 10
    return s * {FACTOR}
'''


def _ours(module: Any, path: Path) -> Any:
    return driver.Builder().with_modules(module).with_cache(path=path).build()


def _uncached(module: Any, outputs: list[str]) -> dict[str, Any]:
    return driver.Builder().with_modules(module).build().execute(outputs, inputs={"x": 2})


def _same(left: dict[str, Any], right: dict[str, Any]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        if isinstance(left[name], pd.DataFrame):
            pd.testing.assert_frame_equal(left[name], right[name])
        else:
            np.testing.assert_array_equal(left[name], right[name])


@pytest.mark.parametrize(("source", "outputs"),
                         [(ARRAYS, ["b"]), (FRAMES, ["widened", "total"]), (SERIES, ["t"])],
                         ids=["array += 100", "frame['v'] += 10", "series += 10"])
def test_a_node_changing_its_input_in_place_gets_the_input_as_produced(
        tmp_path: Path, source: str, outputs: list[str]) -> None:
    for step, factor in enumerate([2, 3, 3, 5]):  # a change to the reader, then to it again
        module = load_module(tmp_path, source.format(FACTOR=factor), stem=f"step{step}")
        ours = _ours(module, tmp_path / "ours")
        theirs = (hamilton_driver.Builder().with_modules(module)
                  .with_cache(path=str(tmp_path / "hamilton")).build())
        expected = _uncached(module, outputs)
        _same(ours.execute(outputs, inputs={"x": 2}), expected)
        _same(theirs.execute(outputs, inputs={"x": 2}), expected)


def test_the_log_says_why_and_the_next_run_stores_it_at_once(tmp_path: Path) -> None:
    module = load_module(tmp_path, ARRAYS.format(FACTOR=2))
    dr = _ours(module, tmp_path / "cache")
    dr.execute(["b"], inputs={"x": 2})
    failed = [e for e in dr.cache.logs(dr.cache.last_run_id, level="debug")["a"]
              if e.event_type is CachingEventType.FAILED_STORE]
    assert len(failed) == 1
    assert "changed after it was produced" in str(failed[0])
    assert dr.cache.executed() == ["a", "b"]
    dr.execute(["b"], inputs={"x": 2})  # a is recomputed, and written before b changes it
    assert dr.cache.executed() == ["a"]
    assert dr.cache.reused() == ["b"]
    again = _ours(load_module(tmp_path, ARRAYS.format(FACTOR=7)), tmp_path / "cache")
    np.testing.assert_array_equal(again.execute(["b"], inputs={"x": 2})["b"],
                                  (np.arange(5) * 2 + 100) * 7)
    assert again.cache.reused() == ["a"]


CHAIN_NODE = '''
def n{i}({arg}: np.ndarray) -> np.ndarray:
    {body}
'''


def _chain(steps: list[tuple[bool, int]]) -> str:
    lines = ["import numpy as np\n\n\ndef n0(x: int) -> np.ndarray:\n"
             "    return np.arange(4, dtype=np.int64) + x\n"]
    for i, (in_place, k) in enumerate(steps, start=1):
        arg = f"n{i - 1}"
        body = (f"{arg} += {k}\n    return {arg} * 2" if in_place else f"return {arg} - {k}")
        lines.append(CHAIN_NODE.format(i=i, arg=arg, body=body))
    return "\n".join(lines)


@given(steps=st.lists(st.tuples(st.booleans(), st.integers(0, 9)), min_size=1, max_size=6),
       edits=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 9)), min_size=1, max_size=3))
def test_chains_mixing_in_place_and_pure_nodes_match_an_uncached_run(
        tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[bool, int]],
        edits: list[tuple[int, int]]) -> None:
    tmp_path = tmp_path_factory.mktemp("chain")
    final = f"n{len(steps)}"
    for run, (where, k) in enumerate([(0, steps[0][1]), *edits]):
        steps = list(steps)
        index = where % len(steps)
        steps[index] = (steps[index][0], k)
        module = load_module(tmp_path, _chain(steps), stem=f"chain{run}")
        got = _ours(module, tmp_path / "cache").execute([final], inputs={"x": 1})
        np.testing.assert_array_equal(got[final], _uncached_chain(module, final))


def _uncached_chain(module: Any, final: str) -> np.ndarray:
    return driver.Builder().with_modules(module).build().execute([final], inputs={"x": 1})[final]


class _ChangesTheSeriesWhileWritten(io.BytesIO):
    """A file that changes the Series being written after the first piece of its values and
    puts it back after the second: a reader that changes its input and undoes the change."""

    def __init__(self, series: pd.Series) -> None:
        super().__init__()
        self.series, self.pieces = series, 0

    def write(self, data: Any) -> int:
        written = super().write(data)
        if len(data) == stores._PIECE:
            self.pieces += 1
            if self.pieces == 1:
                self.series.iloc[200] += 1.0  # in the second piece
            elif self.pieces == 2:
                self.series.iloc[200] -= 1.0
        return written


def test_a_series_is_written_as_the_bytes_fingerprinted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking the value again after writing it would pass here (it is back as it was),
    though the file holds the changed piece; the series format fingerprints the very bytes it
    writes and refuses."""
    monkeypatch.setattr(stores, "_PIECE", 1024)
    series = pd.Series(np.arange(1024, dtype=np.float64), name="c")  # 8 pieces of 1 KiB
    version = data_version(series)
    handle = _ChangesTheSeriesWhileWritten(series)
    with pytest.raises(stores.ResultChanged):
        stores._write_checked("series", series, version, handle)
    assert data_version(series) == version  # put back: a check after the write would pass
    clean = io.BytesIO()
    stores._write_checked("series", series, version, clean)  # unchanged: written, no error
    assert clean.getvalue().endswith(series.to_numpy().tobytes())


def test_a_value_changed_before_its_write_leaves_no_file(tmp_path: Path) -> None:
    store = stores.FileResultStore(tmp_path)
    for value in (pd.Series([1.0, 2.0]), np.arange(3), pd.DataFrame({"a": [1]}), [1, 2]):
        version = data_version(value)
        changed = value * 2 if not isinstance(value, list) else [*value, 3]
        with pytest.raises(stores.ResultChanged):
            store.set(version, stores.format_for(value, None), changed,
                      expected_version=version)
        assert not store.exists(version, stores.format_for(value, None))
        assert not [f for f in tmp_path.iterdir() if f.name.startswith(stores.TEMP_PREFIX)]
        store.set(version, stores.format_for(value, None), value, expected_version=version)
        assert store.exists(version, stores.format_for(value, None))
