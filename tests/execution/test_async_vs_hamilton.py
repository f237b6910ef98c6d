"""The async driver beside Hamilton's ``hamilton.async_driver`` on the same ported module: the
same values, result types, errors and overlap. Where the two differ on purpose, the
demonstrations are in tests/compat/test_intended_differences.py."""

from __future__ import annotations

import asyncio
import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")

from hamilton import async_driver as hamilton_async

from dataflow import async_driver as dataflow_async
from tests.compat.twin_import import load_source

DRIVERS = {"dataflow": dataflow_async, "hamilton": hamilton_async}

SOURCE = textwrap.dedent("""
    import asyncio

    import pandas as pd

    from hamilton.function_modifiers import extract_columns, tag

    async def raw(n: int) -> pd.DataFrame:
        await asyncio.sleep(0.3)
        return pd.DataFrame({"a": range(n), "b": range(10, 10 + n)})

    @extract_columns("a", "b")
    def frame(raw: pd.DataFrame) -> pd.DataFrame:
        return raw

    async def a_sum(a: pd.Series) -> float:
        await asyncio.sleep(0.3)
        return float(a.sum())

    @tag(kind="slow")
    async def b_max(b: pd.Series) -> float:
        await asyncio.sleep(0.3)
        return float(b.max())

    def total(a_sum: float, b_max: float, bonus: float = 1.0) -> float:
        return a_sum + b_max + bonus

    async def scaled(total: float, factor: float) -> float:
        return total * factor

    async def fails(total: float) -> float:
        raise LookupError("no price for " + str(total))
    """)


def _module(side: str, tmp_path: Path) -> Any:
    path = tmp_path / "priced.py"
    path.write_text(SOURCE)
    return load_source(SOURCE, str(path), source_root="hamilton", target_root=side,
                       stem="priced")


def _both(tmp_path: Path, run: Any) -> dict[str, Any]:
    """``run(driver_module, module)`` awaited on each side, by side."""
    return {side: asyncio.run(run(DRIVERS[side], _module(side, tmp_path))) for side in DRIVERS}


REQUESTS = [
    (["total"], {"n": 3}, {}),
    (["total", "a", "b_max"], {"n": 4, "bonus": 0.5}, {}),
    (["scaled"], {"n": 2, "factor": 2.0}, {"b_max": 100.0}),
    (["total"], {}, {"a_sum": 1.0, "b_max": 2.0}),
]


@pytest.mark.parametrize(("outputs", "inputs", "overrides"), REQUESTS)
def test_values_match_hamilton(tmp_path: Path, outputs: list[str], inputs: dict[str, Any],
                               overrides: dict[str, Any]) -> None:
    async def run(drivers: Any, module: Any) -> dict[str, Any]:
        dr = await drivers.Builder().with_modules(module).build()
        return await dr.execute(outputs, inputs=inputs, overrides=overrides)

    results = _both(tmp_path, run)
    ours, theirs = results["dataflow"], results["hamilton"]
    assert ours.keys() == theirs.keys()
    for name in ours:
        if isinstance(ours[name], pd.Series):
            pd.testing.assert_series_equal(ours[name], theirs[name])
        else:
            assert ours[name] == theirs[name], name


def test_the_constructor_builds_a_data_frame_as_hamilton_does(tmp_path: Path) -> None:
    async def run(drivers: Any, module: Any) -> Any:
        dr = drivers.AsyncDriver({}, module)
        return await dr.execute(["a", "total"], inputs={"n": 3})

    results = _both(tmp_path, run)
    pd.testing.assert_frame_equal(results["dataflow"], results["hamilton"])


def test_a_failing_node_raises_its_own_type_on_both(tmp_path: Path) -> None:
    async def run(drivers: Any, module: Any) -> BaseException:
        dr = await drivers.Builder().with_modules(module).build()
        try:
            await dr.execute(["fails"], inputs={"n": 2})
        except Exception as error:
            return error
        raise AssertionError("no error")

    errors = _both(tmp_path, run)
    assert type(errors["dataflow"]) is type(errors["hamilton"]) is LookupError
    assert str(errors["dataflow"]) == str(errors["hamilton"])
    assert any("node 'fails'" in note for note in errors["dataflow"].__notes__)


def test_independent_awaits_overlap_on_both(tmp_path: Path) -> None:
    async def run(drivers: Any, module: Any) -> float:
        dr = await drivers.Builder().with_modules(module).build()
        start = time.perf_counter()
        await dr.execute(["total"], inputs={"n": 3})
        return time.perf_counter() - start

    elapsed = _both(tmp_path, run)
    # raw (0.3 s), then a_sum and b_max together (0.3 s); one after the other: 0.9 s
    assert elapsed["dataflow"] < 0.8 and elapsed["hamilton"] < 0.8


def test_queries_match_hamilton(tmp_path: Path) -> None:
    async def run(drivers: Any, module: Any) -> Any:
        dr = await drivers.Builder().with_modules(module).build()
        return (sorted(v.name for v in dr.list_available_variables()),
                sorted(v.name for v in dr.list_available_variables(tag_filter={"kind": "slow"})),
                sorted(v.name for v in dr.what_is_upstream_of("total")))

    results = _both(tmp_path, run)
    assert results["dataflow"] == results["hamilton"]
