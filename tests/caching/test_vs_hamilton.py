"""Differential: dataflow's cache and Hamilton's ``with_cache`` give the same results and take
the same "reused or recomputed" decision at every node, across code and data changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dataflow import driver as df_driver
from tests.caching.helpers import load_module

hamilton_driver = pytest.importorskip("hamilton.driver")

SOURCE = '''
def raw(x: int) -> int:
    return x + 1


def left(raw: int, k: int) -> int:
    return raw * k


def right(raw: int) -> int:
    {RIGHT}


def total(left: int, right: int) -> int:
    return left + right


def other(raw: int) -> int:
    return raw * 10
'''

STEPS: list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # (what changes, body of right, config, inputs, overrides)
    ("first run", "return raw - 1", {"k": 2}, {"x": 1}, {}),
    ("nothing", "return raw - 1", {"k": 2}, {"x": 1}, {}),
    ("an input", "return raw - 1", {"k": 2}, {"x": 2}, {}),
    ("one function", "return raw - 5", {"k": 2}, {"x": 2}, {}),
    ("a comment and a docstring only", '"""Right."""\n    return raw - 5  # five',
     {"k": 2}, {"x": 2}, {}),
    ("an override", "return raw - 5", {"k": 2}, {"x": 2}, {"left": 100}),
    ("config", "return raw - 5", {"k": 3}, {"x": 2}, {}),
    ("back to a known state", "return raw - 1", {"k": 2}, {"x": 1}, {}),
]


def _hamilton_decisions(dr: Any) -> dict[str, str]:
    logs = dr.cache.logs(run_id=dr.cache.last_run_id, level="info")
    decisions = {}
    for name, events in logs.items():
        kinds = {e.event_type.value for e in events}
        if "get_result" in kinds:
            decisions[name] = "reused"
        elif "execute_node" in kinds:
            decisions[name] = "executed"
    return decisions


def _dataflow_decisions(dr: Any) -> dict[str, str]:
    return {**dict.fromkeys(dr.cache.reused(), "reused"),
            **dict.fromkeys(dr.cache.executed(), "executed")}


def test_same_results_and_same_reuse_decisions_as_hamilton(tmp_path: Path) -> None:
    outputs = ["total", "other"]
    for index, (change, body, config, inputs, overrides) in enumerate(STEPS):
        module = load_module(tmp_path, SOURCE.replace("{RIGHT}", body), stem=f"step{index}")
        ours = (df_driver.Builder().with_modules(module).with_config(config)
                .with_cache(path=tmp_path / "dataflow").build())
        theirs = (hamilton_driver.Builder().with_modules(module).with_config(config)
                  .with_cache(path=str(tmp_path / "hamilton")).build())
        expected = theirs.execute(outputs, inputs=inputs, overrides=overrides)
        assert ours.execute(outputs, inputs=inputs, overrides=overrides) == expected, change
        decisions = _dataflow_decisions(ours)
        assert decisions == _hamilton_decisions(theirs), change
