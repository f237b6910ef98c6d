"""Caching under threads, processes, async nodes and fan-out blocks: correct, or refused
clearly, never silently wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow import driver
from dataflow.caching import CachingEventType
from dataflow.execution import executors
from tests.caching import cached_nodes

EXPECTED = {"total": 2 * 1000 + 6}


def _calls(log: Path) -> list[str]:
    return sorted(log.read_text().split()) if log.exists() else []


@pytest.mark.parametrize("executor", [executors.MultiThreadingExecutor(2),
                                      executors.MultiProcessingExecutor(2)],
                         ids=["threads", "processes"])
def test_pool_executors_store_and_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        executor: object) -> None:
    log = tmp_path / "calls"
    monkeypatch.setenv("CALL_LOG", str(log))
    dr = (driver.Builder().with_modules(cached_nodes)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_local_executor(executor).with_cache(path=tmp_path / "cache").build())
    assert dr.execute(["total"], inputs={"start": 1}) == EXPECTED
    assert _calls(log) == ["left", "right", "seed", "total"]
    # the logs say so, from worker processes too
    assert sorted(dr.cache.executed()) == ["left", "right", "seed", "total"]
    assert sorted(dr.cache.data_versions[dr.cache.last_run_id]) == [
        "left", "right", "seed", "start", "total"]
    log.unlink()
    assert dr.execute(["total"], inputs={"start": 1}) == EXPECTED
    assert _calls(log) == []
    assert sorted(dr.cache.reused()) == ["left", "right", "seed", "total"]
    assert dr.execute(["total"], inputs={"start": 2}) == {"total": 3 * 1000 + 9}
    assert _calls(log) == ["left", "right", "seed", "total"]


def test_async_nodes_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "calls"
    monkeypatch.setenv("CALL_LOG", str(log))
    dr = driver.Builder().with_modules(cached_nodes).with_cache(path=tmp_path / "c").build()
    assert dr.execute(["fetched"], inputs={"start": 1}) == {"fetched": 200}
    assert dr.execute(["fetched"], inputs={"start": 1}) == {"fetched": 200}
    assert _calls(log) == ["fetched", "seed"]
    assert sorted(dr.cache.reused()) == ["fetched", "seed"]


def test_fan_out_blocks_give_correct_results_and_say_what_was_not_cached(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "calls"
    monkeypatch.setenv("CALL_LOG", str(log))
    dr = (driver.Builder().with_modules(cached_nodes)
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_remote_executor(executors.MultiThreadingExecutor(2))
          .with_cache(path=tmp_path / "c").build())
    for start, expected in ((3, 0 + 1 + 4 + 9), (3, 14), (2, 0 + 1 + 4)):
        assert dr.execute(["summed"], inputs={"start": start}) == {"summed": expected}
    logs = dr.cache.logs(dr.cache.last_run_id)
    expand = [e for name, events in logs.items() if name.endswith("items") for e in events
              if e.event_type is CachingEventType.EXECUTE_NODE]
    assert expand and "Parallelizable node: not cached" in str(expand[0].msg)
    calls = log.read_text().split()
    assert calls.count("items") == 3 and calls.count("summed") == 3
    # each item is keyed by its own value: items 0..3 computed once, reused afterwards
    assert calls.count("squared") == 4
