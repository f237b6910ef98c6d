"""Crash safety, for real: a process SIGKILLed in the middle of writing a result file or a
metadata transaction leaves a store the next run reads correctly (it recomputes what was
lost); two processes sharing one cache directory both finish with correct results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dataflow import driver
from tests.caching import cached_nodes

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {"total": 2 * 1000 + 6}

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")


def _start(cache: Path, mode: str, start: int = 1, batch: int | None = None,
           **env: str) -> subprocess.Popen[str]:
    extra = [] if batch is None else [str(batch)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.caching.crash_worker", str(cache), mode, str(start),
         *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def _kill_when_stalled(process: subprocess.Popen[str], cache: Path) -> None:
    deadline = time.monotonic() + 60
    while not (cache / "stalled").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the worker never reached the stall"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _next_run(cache: Path, log: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, list]:
    monkeypatch.setenv("CALL_LOG", str(log))
    dr = driver.Builder().with_modules(cached_nodes).with_cache(path=cache).build()
    result = dr.execute(["total"], inputs={"start": 1})
    return result, sorted(log.read_text().split()) if log.exists() else []


@pytest.mark.parametrize("batch", [1, None], ids=["one-result-batches", "default-batches"])
@pytest.mark.parametrize("mode", ["result", "metadata"])
def test_killed_while_writing_leaves_a_store_the_next_run_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, batch: int | None) -> None:
    cache = tmp_path / "cache"
    _kill_when_stalled(_start(cache, mode, batch=batch), cache)
    leftovers = [p.name for p in (cache / "results").iterdir()]
    if mode == "result":  # half a file was being written: only a temporary file is there
        assert any(name.startswith(".tmp-") for name in leftovers)
    from dataflow.caching.stores import FORMATS

    for name in leftovers:  # every file under a final name is whole
        if not name.startswith(".tmp-"):
            path = cache / "results" / name
            FORMATS[path.suffix[1:]][2](path)
    result, calls = _next_run(cache, tmp_path / "calls", monkeypatch)
    assert result == EXPECTED
    if batch == 1:  # seed's batch was stored before left's (the writer keeps plan order)
        assert calls == ["left", "right", "total"]
    else:  # seed and left were in one batch: neither row was committed, both recomputed
        assert calls == ["left", "right", "seed", "total"]
    result, calls = _next_run(cache, tmp_path / "calls2", monkeypatch)
    assert result == EXPECTED and calls == []


def test_two_processes_sharing_one_cache_directory_both_finish_correctly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    workers = [_start(cache, "run", start, NODE_SLEEP="0.2") for start in (1, 1, 2, 2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0], [err for _, err in outputs]
    results = [json.loads(out)["result"]["total"] for out, _ in outputs]
    assert results == [2006, 2006, 3009, 3009]
    result, calls = _next_run(cache, tmp_path / "calls", monkeypatch)
    assert result == EXPECTED and calls == []


def _open_store(path: str, barrier: Any, answers: Any) -> None:
    from dataflow.caching.stores import SQLiteMetadataStore

    barrier.wait()
    try:
        SQLiteMetadataStore(path).size()
        answers.put(None)
    except Exception as error:  # reported to the test
        answers.put(repr(error))


def test_processes_opening_a_new_cache_directory_at_once_all_open_it(tmp_path: Path) -> None:
    """Switching a new database to WAL can answer "database is locked" at once (SQLite does not
    wait there): 8 processes opening one new cache directory together all succeed."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for round_ in range(12):
        barrier, answers = context.Barrier(8), context.Queue()
        processes = [context.Process(target=_open_store,
                                     args=(str(tmp_path / f"cache{round_}"), barrier, answers))
                     for _ in range(8)]
        for process in processes:
            process.start()
        errors = [answers.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(30)
        assert errors == [None] * 8, errors
