"""Differential: dataflow's cache and Hamilton's ``with_cache`` give the same results and take
the same "reused or recomputed" decision at every node, across code and data changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dataflow import driver as df_driver
from tests.caching.helpers import load_module
from tests.caching.test_changed_in_place import ARRAYS

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


# -- intended differences (tests/compat/intended_differences.py), each shown on both sides -------

SLOTTED = '''
class Model:
    __slots__ = ("weight",)

    def __init__(self, weight):
        self.weight = weight


def model(weight: float) -> Model:
    return Model(weight)


def prediction(model: Model) -> float:
    return model.weight * 2
'''


def test_objects_without_a_rule_are_fingerprinted_by_pickle(tmp_path: Path) -> None:
    """cache-fingerprints-by-pickle: Hamilton cannot version the model, so each time it is
    computed it gets a new random version and its readers are recomputed (with a warning);
    dataflow fingerprints it and reuses them when it comes out the same."""
    module = load_module(tmp_path, SLOTTED, stem="slotted")
    ours = (df_driver.Builder().with_modules(module)
            .with_cache(path=tmp_path / "d", recompute=["model"]).build())
    theirs = (hamilton_driver.Builder().with_modules(module)
              .with_cache(path=str(tmp_path / "h"), recompute=["model"]).build())
    for _ in range(2):
        assert ours.execute(["prediction"], inputs={"weight": 2.0}) == theirs.execute(
            ["prediction"], inputs={"weight": 2.0}) == {"prediction": 4.0}
    assert _hamilton_decisions(theirs)["prediction"] == "executed"
    assert _dataflow_decisions(ours)["prediction"] == "reused"
    assert ours.execute(["prediction"], inputs={"weight": 3.0}) == {"prediction": 6.0}


def test_cache_format_names(tmp_path: Path) -> None:
    """cache-format-names: Hamilton's @cache takes any saver format name; dataflow's the
    formats its store writes, and refuses others with a did-you-mean."""
    from hamilton.function_modifiers import cache as hamilton_cache

    from dataflow.function_modifiers import cache
    from dataflow.instructions import DecoratorUsageError

    hamilton_cache(format="csv")  # accepted
    with pytest.raises(DecoratorUsageError, match="not a cache format"):
        cache(format="csv")


def test_default_cache_directory() -> None:
    """cache-default-path: the default directory is dataflow's own."""
    import inspect

    ours = inspect.signature(df_driver.Builder.with_cache).parameters["path"].default
    theirs = inspect.signature(hamilton_driver.Builder.with_cache).parameters["path"].default
    assert (ours, theirs) == (".dataflow_cache", ".hamilton_cache")


def test_loaders_read_the_file_again(tmp_path: Path) -> None:
    """cache-loaders-recompute: after the input file changes, Hamilton's cache serves the old
    data; dataflow reads the file again (and reuses what reads it only when it is unchanged)."""
    import pandas as pd
    from hamilton.io.materialization import from_ as hamilton_from

    from dataflow.io import from_

    module = load_module(tmp_path, "import pandas as pd\n\n\ndef doubled(raw: pd.DataFrame)"
                                   " -> pd.DataFrame:\n    return raw * 2\n", stem="loading")
    source = tmp_path / "in.csv"
    seen: dict[str, list[int]] = {"dataflow": [], "hamilton": []}
    for value in (1, 5):
        pd.DataFrame({"a": [value]}).to_csv(source, index=False)
        ours = df_driver.Builder().with_modules(module).with_cache(path=tmp_path / "d").build()
        theirs = (hamilton_driver.Builder().with_modules(module)
                  .with_cache(path=str(tmp_path / "h")).build())
        _, extra = ours.materialize(from_.csv(target="raw", path=str(source)),
                                    additional_vars=["doubled"])
        seen["dataflow"].append(int(extra["doubled"]["a"][0]))
        _, extra = theirs.materialize(hamilton_from.csv(target="raw", path=str(source)),
                                      additional_vars=["doubled"])
        seen["hamilton"].append(int(extra["doubled"]["a"][0]))
    assert seen == {"dataflow": [2, 10], "hamilton": [2, 2]}


def test_a_result_changed_in_place_by_a_reader_is_stored_from_the_next_run(
        tmp_path: Path) -> None:
    """cache-result-changed-in-place: Hamilton writes each result before its readers run;
    dataflow writes in batches behind the run, finds ``a`` changed by its reader, keeps no
    file of it, and writes it at once from the next run on. Same results throughout; the
    second run recomputes ``a`` where Hamilton reuses it (module: ``ARRAYS``, where ``b`` does
    ``a += 100``)."""
    decisions = []
    for step, factor in enumerate([2, 3, 5]):
        module = load_module(tmp_path, ARRAYS.format(FACTOR=factor), stem=f"inplace{step}")
        ours = df_driver.Builder().with_modules(module).with_cache(path=tmp_path / "d").build()
        theirs = (hamilton_driver.Builder().with_modules(module)
                  .with_cache(path=str(tmp_path / "h")).build())
        expected = (np.arange(5) * 2 + 100) * factor
        np.testing.assert_array_equal(ours.execute(["b"], inputs={"x": 2})["b"], expected)
        np.testing.assert_array_equal(theirs.execute(["b"], inputs={"x": 2})["b"], expected)
        decisions.append((_dataflow_decisions(ours)["a"], _hamilton_decisions(theirs)["a"]))
    assert decisions == [("executed", "executed"), ("executed", "reused"),
                         ("reused", "reused")]
