"""Durability without an fsync per result: a result file written in an earlier boot of the
machine (which a power cut may have left torn) is checked when read; a damaged one is
recomputed, said so in the log, and written again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dataflow import driver
from dataflow.caching import CachingEventType
from dataflow.caching.stores import boot_id
from tests.caching.helpers import load_module

PIPELINE = '''
import numpy as np
import pandas as pd

CALLS = []


def column(n: int) -> pd.Series:
    CALLS.append("column")
    return pd.Series(np.arange(n, dtype="float64"), name="column")


def matrix(n: int) -> np.ndarray:
    CALLS.append("matrix")
    return np.arange(n * 2, dtype="int64").reshape(n, 2)


def blob(n: int) -> bytes:
    CALLS.append("blob")
    return b"a" * (n * 100)


def frame(column: pd.Series) -> pd.DataFrame:
    CALLS.append("frame")
    return pd.DataFrame({"x": column * 2})
'''
OUTPUTS = ["column", "matrix", "blob", "frame"]

pytestmark = pytest.mark.skipif(boot_id() is None, reason="no boot id: every file is fsynced")


def _run(module, cache: Path) -> tuple[dict, list[str], dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    module.CALLS.clear()
    dr = driver.Builder().with_modules(module).with_cache(path=cache).build()
    result = dr.execute(OUTPUTS, inputs={"n": 1000})
    failed = {node: [e.msg or "" for e in events
                     if e.event_type is CachingEventType.FAILED_RETRIEVAL]
              for node, events in dr.cache.logs(dr.cache.last_run_id).items()}
    return result, sorted(module.CALLS), {k: v for k, v in failed.items() if v}


def _check(result: dict) -> None:
    n = 1000
    pd.testing.assert_series_equal(result["column"],
                                   pd.Series(np.arange(n, dtype="float64"), name="column"))
    np.testing.assert_array_equal(result["matrix"], np.arange(n * 2).reshape(n, 2))
    assert result["blob"] == b"a" * (n * 100)
    pd.testing.assert_frame_equal(result["frame"], pd.DataFrame({"x": result["column"] * 2}))


def _rows(cache: Path, sql: str = "SELECT node_name, written_boot, checksum FROM "
                                  "cache_metadata") -> list[tuple]:
    with sqlite3.connect(cache / "metadata.db") as connection:
        rows = connection.execute(sql).fetchall()
    connection.close()
    return rows


def _as_if_written_before_a_restart(cache: Path) -> None:
    _rows(cache, "UPDATE cache_metadata SET written_boot = 'an-earlier-boot'")


def _file(cache: Path, suffix: str) -> Path:
    (path,) = [p for p in (cache / "results").iterdir() if p.suffix == suffix]
    return path


def _flip_last_byte(path: Path, back: int = 1) -> None:
    data = bytearray(path.read_bytes())
    data[-back] ^= 0x01  # same size, one value changed: what a torn page can look like
    path.write_bytes(bytes(data))


def test_rows_say_the_boot_their_file_was_written_in(tmp_path: Path) -> None:
    module = load_module(tmp_path, PIPELINE)
    result, calls, failed = _run(module, tmp_path / "cache")
    _check(result)
    rows = {name: (boot, checksum) for name, boot, checksum in _rows(tmp_path / "cache")}
    assert {boot for boot, _ in rows.values()} == {boot_id()}
    # parquet and pickle files carry a checksum; series and npy are checked by data version
    assert rows["column"][1] is None and rows["matrix"][1] is None
    assert rows["blob"][1] is not None and rows["frame"][1] is not None


def test_damaged_results_written_before_a_restart_are_recomputed_and_logged(
        tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    module = load_module(tmp_path, PIPELINE)
    _run(module, cache)
    _as_if_written_before_a_restart(cache)
    _flip_last_byte(_file(cache, ".series"))  # the last float's lowest byte
    _flip_last_byte(_file(cache, ".npy"))
    _flip_last_byte(_file(cache, ".pickle"), back=3)  # inside the bytes, before STOP
    result, calls, failed = _run(module, cache)
    _check(result)
    # frame reads column, recomputed to the same value, so frame itself is reused
    assert calls == ["blob", "column", "matrix"]
    assert sorted(failed) == ["blob", "column", "matrix"]
    for messages in failed.values():
        assert "damaged" in messages[0] and "restarted" in messages[0], messages
    assert "checksum" in failed["blob"][0] and "data version" in failed["column"][0]
    # the frame's file was read back whole: it is on the disk now
    assert ("frame", None) in [(name, boot) for name, boot, _ in _rows(cache)]
    # the damaged files were written again: the next run reuses right values
    result, calls, failed = _run(module, cache)
    _check(result)
    assert calls == [] and failed == {}


def test_intact_results_after_a_restart_are_checked_once_then_trusted(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    module = load_module(tmp_path, PIPELINE)
    _run(module, cache)
    _as_if_written_before_a_restart(cache)
    result, calls, failed = _run(module, cache)
    _check(result)
    assert calls == [] and failed == {}
    assert {boot for _, boot, _ in _rows(cache)} == {None}


def test_a_damaged_file_whose_row_was_lost_is_written_again(tmp_path: Path) -> None:
    """A power cut may lose the last metadata commits and leave a torn file under its final
    name; the node is then recomputed (no row), and its file must be written again, not taken
    as already there (its new row would vouch for a torn file)."""
    cache = tmp_path / "cache"
    module = load_module(tmp_path, PIPELINE)
    _run(module, cache)
    _flip_last_byte(_file(cache, ".series"))
    _rows(cache, "DELETE FROM cache_metadata")
    result, calls, failed = _run(module, cache)
    _check(result)
    assert calls == ["blob", "column", "frame", "matrix"]
    result, calls, failed = _run(module, cache)
    _check(result)
    assert calls == [] and failed == {}


def test_a_truncated_result_file_is_recomputed_and_logged(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    module = load_module(tmp_path, PIPELINE)
    _run(module, cache)
    path = _file(cache, ".series")
    path.write_bytes(path.read_bytes()[:-100])
    result, calls, failed = _run(module, cache)
    _check(result)
    assert calls == ["column"]
    assert list(failed) == ["column"] and "truncated" in failed["column"][0]


def test_a_schema_1_cache_is_migrated_and_its_results_reused(tmp_path: Path) -> None:
    """A cache written by the previous schema (every file fsynced, no boot column) keeps
    serving its results: its rows count as on the disk."""
    cache = tmp_path / "cache"
    module = load_module(tmp_path, PIPELINE)
    _run(module, cache)
    with sqlite3.connect(cache / "metadata.db") as connection:  # rebuilt as schema 1 wrote it
        connection.executescript("""
            CREATE TABLE old (cache_key TEXT PRIMARY KEY, node_name TEXT NOT NULL,
                code_version TEXT NOT NULL, data_version TEXT NOT NULL, format TEXT NOT NULL,
                run_id TEXT NOT NULL, created_at REAL NOT NULL);
            INSERT INTO old SELECT cache_key, node_name, code_version, data_version, format,
                run_id, created_at FROM cache_metadata;
            DROP TABLE cache_metadata;
            ALTER TABLE old RENAME TO cache_metadata;
            UPDATE schema_version SET version = 1;
        """)
    connection.close()
    result, calls, failed = _run(module, cache)
    _check(result)
    assert calls == [] and failed == {}
    assert _rows(cache, "SELECT version FROM schema_version") == [(2,)]
    assert {boot for _, boot, _ in _rows(cache)} == {None}


def test_a_file_is_fsynced_before_its_rows_say_it_is_on_the_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check after a restart reads the file, possibly from memory (this boot may have
    written it again, without fsync, for another node of the same value): it is fsynced before
    any row is marked as on the disk."""
    import os

    cache = tmp_path / "cache"
    module = load_module(tmp_path, PIPELINE)
    _run(module, cache)
    _as_if_written_before_a_restart(cache)
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    result, calls, failed = _run(module, cache)
    _check(result)
    assert calls == [] and failed == {}
    files = {str(p.resolve()) for p in (cache / "results").iterdir()}
    assert files and files <= set(synced), (files, synced)
    assert {boot for _, boot, _ in _rows(cache)} == {None}
