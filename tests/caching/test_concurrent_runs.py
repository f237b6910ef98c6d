"""Two ``execute`` calls on one cached driver at the same time (threads): each run's cache
logs, keys and data versions are its own."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from dataflow import driver
from dataflow.caching import CachingEventType
from tests.caching.helpers import load_module

PIPELINE = '''
import threading

BARRIER = threading.Barrier(2, timeout=30)


def raw(x: int) -> int:
    BARRIER.wait()  # both runs are inside execute before either goes on
    return x + 1


def doubled(raw: int) -> int:
    BARRIER.wait()  # and again, half-way through
    return raw * 2


def total(doubled: int, raw: int) -> int:
    return doubled + raw
'''


def test_concurrent_runs_on_one_driver_keep_their_own_logs(tmp_path: Path) -> None:
    module = load_module(tmp_path, PIPELINE)
    dr = driver.Builder().with_modules(module).with_cache(path=tmp_path / "cache").build()
    results: dict[int, Any] = {}
    errors: list[BaseException] = []

    def run(x: int) -> None:
        try:
            results[x] = dr.execute(["total"], inputs={"x": x})
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(x,)) for x in (1, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert results == {1: {"total": 6}, 10: {"total": 33}}
    assert len(dr.cache.run_ids) == 2 and len(set(dr.cache.run_ids)) == 2
    for run_id in dr.cache.run_ids:
        events = dr.cache.logs(run_id, level="debug")
        assert all(e.run_id == run_id for node in events.values() for e in node)
        executed = [e.node_name for node in events.values() for e in node
                    if e.event_type is CachingEventType.EXECUTE_NODE]
        assert sorted(executed) == ["doubled", "raw", "total"], (run_id, executed)
        assert sorted(dr.cache.executed(run_id)) == ["doubled", "raw", "total"]
        assert sorted(dr.cache.cache_keys[run_id]) == ["doubled", "raw", "total"]
    # each run's data versions are of its own values: the two runs' totals differ
    totals = {dr.cache.data_versions[run_id]["total"] for run_id in dr.cache.run_ids}
    assert len(totals) == 2
    # and both were stored under their own keys: a second round reuses everything
    again = driver.Builder().with_modules(module).with_cache(path=tmp_path / "cache").build()
    for x, expected in ((1, 6), (10, 33)):
        module.BARRIER = threading.Barrier(1)
        assert again.execute(["total"], inputs={"x": x}) == {"total": expected}
        assert sorted(again.cache.reused()) == ["doubled", "raw", "total"]
