"""plugins.h_logging.LoggingAdapter: the run, each node and each failure logged, with times,
beside Hamilton's hamilton.plugins.h_logging on the same ported module."""

from __future__ import annotations

import asyncio
import contextlib
import doctest
import importlib
import logging
import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")

from dataflow import async_driver, driver
from dataflow.execution import executors
from plugins import h_logging
from plugins.h_logging import LoggingAdapter, get_logger
from tests.compat.twin_import import load_source
from tests.plugins import timed_nodes

SOURCE = textwrap.dedent("""
    import logging

    def fetched(x: int) -> int:
        logging.getLogger("inside.nodes").info("fetching %d", x)
        return x + 1

    def doubled(fetched: int) -> int:
        return fetched * 2

    def constant() -> int:
        return 7

    def breaks(doubled: int) -> int:
        raise ValueError("cannot use " + str(doubled))
    """)

LOGGER = "tests.plugins.run_log"
PLUGIN = {"dataflow": "plugins.h_logging", "hamilton": "hamilton.plugins.h_logging"}


def _module(side: str, tmp_path: Path) -> Any:
    path = tmp_path / "logged.py"
    path.write_text(SOURCE)
    return load_source(SOURCE, str(path), source_root="hamilton", target_root=side,
                       stem="logged")


def _records(side: str, tmp_path: Path, caplog: Any, final_vars: list[str],
             **kwargs: Any) -> list[logging.LogRecord]:
    # ``plugins.h_logging`` is installed as ``dataflow.plugins.h_logging``
    plugin = importlib.import_module(PLUGIN[side])
    drivers = importlib.import_module(f"{side}.driver")
    dr = (drivers.Builder().with_modules(_module(side, tmp_path))
          .with_adapters(plugin.LoggingAdapter(LOGGER)).build())
    caplog.clear()
    # the failing request raises: its records are what is compared
    with caplog.at_level(logging.DEBUG), contextlib.suppress(ValueError):
        dr.execute(final_vars, **kwargs)
    return [r for r in caplog.records if r.name in (LOGGER, "inside.nodes")]


def _subject(message: str) -> str:
    """Where a message says it comes from: 'run', the node's name, or '' (no prefix)."""
    if message == "fetching 1":
        return ""
    if re.match(r"^(Graph run|Run) '[^']+' - ", message):
        return "run"
    found = re.match(r"^Node '(\w+)' - ", message)
    assert found, message
    return found.group(1)


def _shape(records: list[logging.LogRecord]) -> list[tuple[str, str, str, bool]]:
    return [(r.name, r.levelname, _subject(r.getMessage()), r.exc_info is not None)
            for r in records]


@pytest.mark.parametrize("final_vars, kwargs", [
    (["doubled", "constant"], {"inputs": {"x": 1}}),
    (["doubled"], {"inputs": {"x": 1}, "overrides": {"fetched": 5}}),
    (["breaks"], {"inputs": {"x": 1}}),
])
def test_the_same_events_at_the_same_levels_as_hamilton(tmp_path, caplog, final_vars, kwargs):
    ours = _records("dataflow", tmp_path, caplog, final_vars, **kwargs)
    theirs = _records("hamilton", tmp_path, caplog, final_vars, **kwargs)
    assert _shape(ours) == _shape(theirs)


def test_messages_say_what_happened_with_times(tmp_path, caplog):
    records = _records("dataflow", tmp_path, caplog, ["doubled"], inputs={"x": 1})
    messages = [re.sub(r"'[0-9a-f-]{36}'", "'<run>'", r.getMessage()) for r in records]
    timed = r"\d+(\.\d+)?(µs|ms|s)"
    assert messages[:5] == ["Run '<run>' - Run started", "Run '<run>' - Inputs given: 'x'",
                            "Node 'fetched' - Started, reading 'x'",
                            "fetching 1", messages[4]]
    assert re.fullmatch(rf"Node 'fetched' - Done in {timed}", messages[4])
    assert re.fullmatch(rf"Run '<run>' - Run done in {timed}", messages[-1])
    done = [r for r in records if r.getMessage().startswith("Node 'doubled' - Done")]
    assert len(done) == 1 and done[0].duration >= 0 and done[0].node_name == "doubled"
    ours = [r for r in records if r.name == LOGGER]
    assert {r.run_id for r in ours} == {records[0].run_id} and records[0].run_id


def test_a_failure_is_logged_with_its_traceback_and_the_run_as_failed(tmp_path, caplog):
    records = _records("dataflow", tmp_path, caplog, ["breaks"], inputs={"x": 1})
    failed = [r for r in records if r.levelno == logging.ERROR]
    assert [_subject(r.getMessage()) for r in failed] == ["breaks", "run"]
    assert failed[0].exc_info[0] is ValueError
    assert "cannot use 4" in caplog.text
    assert re.search(r"Run failed after .*: ValueError", failed[1].getMessage())


@pytest.mark.parametrize("executor", [lambda: executors.MultiThreadingExecutor(2)])
def test_on_threads_each_node_logs_in_its_own_context(caplog, executor):
    dr = (driver.Builder().with_modules(timed_nodes).with_adapters(LoggingAdapter(LOGGER))
          .enable_dynamic_execution(allow_experimental_mode=True)
          .with_local_executor(executor()).build())
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        dr.execute(["joined"], inputs={"start": 1.0})
    done = {r.node_name: r.getMessage() for r in caplog.records
            if r.getMessage().split(" - ")[1].startswith("Done")}
    assert set(done) == {"short", "long", "joined"}
    assert all(message.startswith(f"Node '{name}'") for name, message in done.items())
    assert float(re.search(r"Done in ([\d.]+)ms", done["long"]).group(1)) >= 250


def test_async_driver_nodes_that_overlap_keep_their_own_context(caplog):
    import types

    async def first(x: int) -> int:
        await asyncio.sleep(0.05)
        get_logger("inside.nodes").info("first awaited")
        return x

    async def second(x: int) -> int:
        await asyncio.sleep(0.01)
        get_logger("inside.nodes").info("second awaited")
        return x

    def both(first: int, second: int) -> int:
        return first + second

    module = types.ModuleType("overlapping_logs")
    for fn in (first, second, both):
        fn.__module__ = module.__name__
        setattr(module, fn.__name__, fn)

    async def main() -> Any:
        dr = await (async_driver.Builder().with_modules(module)
                    .with_adapters(h_logging.AsyncLoggingAdapter(LOGGER)).build())
        return await dr.execute(["both"], inputs={"x": 1})

    with caplog.at_level(logging.DEBUG):
        assert asyncio.run(main()) == {"both": 2}
    inside = [r.getMessage() for r in caplog.records if r.name == "inside.nodes"]
    assert inside == ["Node 'second' - second awaited", "Node 'first' - first awaited"]


def test_get_logger_outside_a_run_adds_nothing(caplog):
    with caplog.at_level(logging.INFO):
        get_logger("outside").info("plain")
        get_logger("outside").info("no prefix", extra={"skip_context": True})
    assert [r.getMessage() for r in caplog.records] == ["plain", "no prefix"]


def test_the_adapter_pickles_with_its_logger_by_name():
    import pickle

    copy = pickle.loads(pickle.dumps(LoggingAdapter(LOGGER)))
    assert copy.logger.logger is logging.getLogger(LOGGER)


def test_the_module_example_runs():
    failed, attempted = doctest.testmod(h_logging)
    assert attempted and not failed
