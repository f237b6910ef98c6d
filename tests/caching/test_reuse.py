"""Reuse: a node's result comes from the cache exactly when its code and everything it reads
are unchanged; behaviours, formats, overrides, inputs and config take part."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.caching import CachingBehavior, CachingEventType
from dataflow.errors import DataflowError
from dataflow.function_modifiers import cache
from dataflow.instructions import DecoratorUsageError
from dataflow.lifecycle import GracefulErrorAdapter
from tests.caching.helpers import load_module

PIPELINE = '''
CALLS = []


def raw(x: int) -> int:
    CALLS.append("raw")
    return x + 1


def left(raw: int, k: int) -> int:
    CALLS.append("left")
    return raw * k


def right(raw: int) -> int:
    CALLS.append("right")
    return raw - {RIGHT}


def total(left: int, right: int) -> int:
    CALLS.append("total")
    return left + right


def other(raw: int) -> int:
    CALLS.append("other")
    return raw * 10
'''


def _driver(module, path: Path, **cache_options):  # type: ignore[no-untyped-def]
    return (driver.Builder().with_modules(module).with_config({"k": 2})
            .with_cache(path=path, **cache_options).build())


def _run(tmp_path: Path, right: int = 1, **request):  # type: ignore[no-untyped-def]
    module = load_module(tmp_path, PIPELINE.replace("{RIGHT}", str(right)))
    dr = _driver(module, tmp_path / "cache")
    result = dr.execute(["total", "other"], inputs=request.get("inputs", {"x": 1}),
                        overrides=request.get("overrides"))
    return result, sorted(module.CALLS), dr


def test_second_run_reuses_everything_and_gives_the_same_result(tmp_path: Path) -> None:
    first, calls, _ = _run(tmp_path)
    assert calls == ["left", "other", "raw", "right", "total"]
    second, calls, dr = _run(tmp_path)
    assert second == first == {"total": 4 + 1, "other": 20}
    assert calls == []
    assert sorted(dr.cache.reused()) == ["left", "other", "raw", "right", "total"]


def test_changing_one_function_recomputes_only_it_and_its_downstream(tmp_path: Path) -> None:
    _run(tmp_path)
    result, calls, dr = _run(tmp_path, right=5)
    assert calls == ["right", "total"]
    assert result == {"total": 4 - 3, "other": 20}
    assert sorted(dr.cache.reused()) == ["left", "other", "raw"]


def test_inputs_overrides_and_config_take_part_in_keys(tmp_path: Path) -> None:
    _run(tmp_path)
    result, calls, _ = _run(tmp_path, inputs={"x": 2})
    assert calls == ["left", "other", "raw", "right", "total"]
    assert result == {"total": 6 + 2, "other": 30}
    result, calls, _ = _run(tmp_path, overrides={"raw": 2})
    assert calls == []  # raw=2 is what x=1 computed: the same data, so all reused
    result, calls, _ = _run(tmp_path, overrides={"raw": 7})
    assert calls == ["left", "other", "right", "total"]
    assert result == {"total": 14 + 6, "other": 70}
    module = load_module(tmp_path, PIPELINE.replace("{RIGHT}", "1"))
    dr = (driver.Builder().with_modules(module).with_config({"k": 3})
          .with_cache(path=tmp_path / "cache").build())
    assert dr.execute(["total"], inputs={"x": 1}) == {"total": 6 + 1}
    assert sorted(module.CALLS) == ["left", "total"]


def test_type_of_an_input_counts(tmp_path: Path) -> None:
    def echo(x: object) -> str:
        return repr(x)

    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(echo))
          .with_cache(path=tmp_path).build())
    assert [dr.execute(["echo"], inputs={"x": v})["echo"] for v in (1, 1.0, "1", True)] == [
        "1", "1.0", "'1'", "True"]


def test_behaviours_from_the_driver(tmp_path: Path) -> None:
    module = load_module(tmp_path, PIPELINE.replace("{RIGHT}", "1"))
    _driver(module, tmp_path / "c").execute(["total"], inputs={"x": 1})
    module.CALLS.clear()
    dr = _driver(module, tmp_path / "c", recompute=["raw"])
    dr.execute(["total"], inputs={"x": 1})
    assert module.CALLS == ["raw"]  # recomputed to the same value: downstream reused
    module.CALLS.clear()
    dr = _driver(module, tmp_path / "c", disable=["left"])
    dr.execute(["total"], inputs={"x": 1})
    assert sorted(module.CALLS) == ["left", "total"]  # readers of a DISABLE node recompute
    module.CALLS.clear()
    dr = _driver(module, tmp_path / "c", ignore=["raw"])
    dr.execute(["total"], inputs={"x": 1})
    first = sorted(module.CALLS)
    module.CALLS.clear()
    dr.execute(["total"], inputs={"x": 5})  # raw changes, but readers leave it out of keys
    # left and right run again (their keys changed), give the same values: total is reused
    assert first == ["left", "raw", "right"] and module.CALLS == ["raw"]
    module.CALLS.clear()
    dr = _driver(module, tmp_path / "c", recompute=True)
    dr.execute(["total"], inputs={"x": 1})
    assert sorted(module.CALLS) == ["left", "raw", "right", "total"]
    assert dr.cache.behaviors[dr.cache.last_run_id]["total"] is CachingBehavior.RECOMPUTE
    with pytest.raises(DataflowError, match="several behaviours"):
        _driver(module, tmp_path / "c", recompute=["raw"], disable=["raw"]).execute(
            ["total"], inputs={"x": 1})
    with pytest.raises(DataflowError, match=r"give a list of node names"):
        _driver(module, tmp_path / "c", recompute="raw")


def test_cache_decorator_behaviour_is_honoured_and_the_driver_list_wins(tmp_path: Path) -> None:
    calls: list[str] = []

    @cache(behavior="recompute")
    def sampled(x: int) -> int:
        calls.append("sampled")
        return x

    def kept(sampled: int) -> int:
        calls.append("kept")
        return sampled + 1

    module = ad_hoc_utils.create_temporary_module(sampled, kept)
    dr = driver.Builder().with_modules(module).with_cache(path=tmp_path).build()
    dr.execute(["kept"], inputs={"x": 1})
    dr.execute(["kept"], inputs={"x": 1})
    assert calls == ["sampled", "kept", "sampled"]
    calls.clear()
    dr = (driver.Builder().with_modules(module).with_cache(path=tmp_path, default=["sampled"])
          .build())
    dr.execute(["kept"], inputs={"x": 1})
    assert calls == []


def test_cache_decorator_format_is_honoured_and_misuse_is_clear(tmp_path: Path) -> None:
    @cache(format="pickle")
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1, 2]})

    def array() -> np.ndarray:
        return np.arange(3)

    def table() -> pd.DataFrame:
        return pd.DataFrame({"b": [1.5]})

    @cache(format="npy")
    def wrong() -> dict:
        return {"a": 1}

    module = ad_hoc_utils.create_temporary_module(frame, array, table, wrong)
    dr = driver.Builder().with_modules(module).with_cache(path=tmp_path).build()
    first = dr.execute(["frame", "array", "table"])
    files = sorted(p.suffix for p in (tmp_path / "results").iterdir())
    assert files == [".npy", ".parquet", ".pickle"]
    second = dr.execute(["frame", "array", "table"])
    assert sorted(dr.cache.reused()) == ["array", "frame", "table"]
    pd.testing.assert_frame_equal(first["frame"], second["frame"])
    pd.testing.assert_frame_equal(first["table"], second["table"])
    np.testing.assert_array_equal(first["array"], second["array"])
    with pytest.raises(DataflowError, match=r"format='npy'.*'wrong'.*cannot hold a builtins.dict"):
        dr.execute(["wrong"])
    with pytest.raises(DecoratorUsageError, match="Did you mean 'parquet'"):
        cache(format="parquett")


def test_unfingerprintable_value_is_recomputed_every_time_and_logged(tmp_path: Path) -> None:
    calls: list[str] = []

    def client(url: str) -> object:
        calls.append("client")
        return lambda query: f"{url}?{query}"

    def rows(client: object) -> str:
        calls.append("rows")
        return client("q")  # type: ignore[operator]

    module = ad_hoc_utils.create_temporary_module(client, rows)
    dr = driver.Builder().with_modules(module).with_cache(path=tmp_path).build()
    for url in ("a", "a", "b"):
        assert dr.execute(["rows"], inputs={"url": url}) == {"rows": f"{url}?q"}
    assert calls == ["client", "rows", "client", "rows"] * 1 + ["client", "rows"]
    logs = dr.cache.logs(dr.cache.last_run_id)
    unhashable = [e for e in logs["client"]
                  if e.event_type is CachingEventType.UNHASHABLE_DATA_VERSION]
    assert unhashable and "function" in str(unhashable[0].msg)
    executed = [e for e in logs["rows"] if e.event_type is CachingEventType.EXECUTE_NODE]
    assert "cannot be fingerprinted" in str(executed[0].msg)
    calls.clear()
    dr = (driver.Builder().with_modules(module).with_cache(path=tmp_path, ignore=["client"])
          .build())
    dr.execute(["rows"], inputs={"url": "a"})
    dr.execute(["rows"], inputs={"url": "a"})
    assert calls == ["client", "rows", "client"]


def test_a_lost_result_file_is_recomputed(tmp_path: Path) -> None:
    module = load_module(tmp_path, PIPELINE.replace("{RIGHT}", "1"))
    dr = _driver(module, tmp_path / "cache")
    dr.execute(["total"], inputs={"x": 1})
    for file in (tmp_path / "cache" / "results").iterdir():
        file.write_bytes(b"garbage")
    module.CALLS.clear()
    assert dr.execute(["total"], inputs={"x": 1}) == {"total": 5}
    assert sorted(module.CALLS) == ["left", "raw", "right", "total"]
    failed = [e for events in dr.cache.logs(dr.cache.last_run_id).values() for e in events
              if e.event_type is CachingEventType.FAILED_RETRIEVAL]
    assert len(failed) == 4


def test_logs_and_dry_run(tmp_path: Path) -> None:
    module = load_module(tmp_path, PIPELINE.replace("{RIGHT}", "1"))
    dr = _driver(module, tmp_path / "cache")
    assert dr.cache.dry_run(["total"], inputs={"x": 1})["raw"].startswith("recompute")
    dr.execute(["total"], inputs={"x": 1})
    assert dr.cache.dry_run(["total"], inputs={"x": 1}) == dict.fromkeys(
        ["raw", "left", "right", "total"], "reuse")
    plan = dr.cache.dry_run(["total"], inputs={"x": 1}, overrides={"left": 10})
    assert plan == {"raw": "reuse", "right": "reuse", "total": plan["total"]}
    assert plan["total"].startswith("recompute: no stored result")
    module.CALLS.clear()
    dr.execute(["total"], inputs={"x": 1})
    assert module.CALLS == []  # a dry run runs nothing
    run_id = dr.cache.last_run_id
    everything = dr.cache.logs()
    assert list(everything) == dr.cache.run_ids and run_id in everything
    by_node = dr.cache.logs(run_id)
    assert {e.event_type for events in by_node.values() for e in events} == {
        CachingEventType.GET_RESULT}
    debug = dr.cache.logs(run_id, level="debug")
    assert CachingEventType.SET_CACHE_KEY in {e.event_type for e in debug["total"]}
    assert str(by_node["total"][0]) == "total::result_store::get_result::hit"


def test_refusals(tmp_path: Path) -> None:
    def one() -> int:
        return 1

    module = ad_hoc_utils.create_temporary_module(one)
    with pytest.raises(DataflowError, match="no cache"):
        driver.Builder().with_modules(module).build().cache  # noqa: B018
    with pytest.raises(DataflowError, match="GracefulErrorAdapter"):
        (driver.Builder().with_modules(module).with_adapters(GracefulErrorAdapter(ValueError))
         .with_cache(path=tmp_path).build())
    with pytest.raises(DataflowError, match="twice"):
        driver.Builder().with_cache(path=tmp_path).with_cache(path=tmp_path)
    with pytest.raises(DataflowError, match="Did you mean 'recompute'"):
        driver.Builder().with_cache(path=tmp_path, default_behavior="recompte")  # type: ignore


def test_without_a_cache_nothing_changes(tmp_path: Path) -> None:
    def one() -> int:
        return 1

    dr = driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(one)).build()
    assert dr.hooks.empty  # the hook-free fast path is still taken


def test_series_come_back_equal_memory_mapped_and_writable(tmp_path: Path) -> None:
    index = pd.date_range("2024-01-01", periods=4, name="day")

    def spend() -> pd.Series:
        return pd.Series([1.5, 2.0, np.nan, 4.0], index=index, name=("spend", 1))

    def stamps() -> pd.Series:
        return pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]))

    def empty() -> pd.Series:
        return pd.Series([], dtype="int32")

    def labels() -> pd.Series:
        return pd.Series(["a", "b"])

    module = ad_hoc_utils.create_temporary_module(spend, stamps, empty, labels)
    dr = driver.Builder().with_modules(module).with_cache(path=tmp_path).build()
    names = ["spend", "stamps", "empty", "labels"]
    first = dr.execute(names)
    assert sorted(p.suffix for p in (tmp_path / "results").iterdir()) == [
        ".pickle", ".series", ".series", ".series"]
    second = dr.execute(names)
    assert sorted(dr.cache.reused()) == sorted(names)
    for name in names:
        pd.testing.assert_series_equal(first[name], second[name])
    base = second["spend"].to_numpy()
    while isinstance(base, np.ndarray):
        base = base.base  # views of the map
    assert isinstance(base, mmap.mmap) or isinstance(getattr(base, "obj", None), mmap.mmap)
    loaded = second["spend"].copy()
    loaded.iloc[0] = 100.0  # a private copy-on-write map: the stored file does not change
    third = dr.execute(["spend"])
    assert third["spend"].iloc[0] == 1.5


def test_json_format_only_for_values_that_come_back_the_same(tmp_path: Path) -> None:
    @cache(format="json")
    def settings() -> dict:
        return {"a": [1, 2.5, None, True], "b": {"c": "d"}}

    @cache(format="json")
    def pair() -> tuple:
        return (1, 2)

    module = ad_hoc_utils.create_temporary_module(settings, pair)
    dr = driver.Builder().with_modules(module).with_cache(path=tmp_path).build()
    assert dr.execute(["settings"]) == dr.execute(["settings"])
    assert dr.cache.reused() == ["settings"]
    assert [p.suffix for p in (tmp_path / "results").iterdir()] == [".json"]
    with pytest.raises(DataflowError, match="format='json'.*'pair'"):
        dr.execute(["pair"])


def test_view_run_marks_the_nodes_taken_from_the_cache(tmp_path: Path) -> None:
    pytest.importorskip("graphviz")
    import re

    module = load_module(tmp_path, PIPELINE.replace("{RIGHT}", "1"))
    dr = _driver(module, tmp_path / "cache", recompute=["right"])
    dr.execute(["total"], inputs={"x": 1})
    dr.execute(["total"], inputs={"x": 1})
    first_run = dr.cache.run_ids[0]
    dot = dr.cache.view_run().source
    styled = {name for name, attrs in re.findall(r"^\s*(\w+) \[(.*)\]$", dot, flags=re.M)
              if "#FDE2DC" in attrs}  # the fill: an output keeps its green border
    assert styled == {"raw", "left", "total"}  # right was recomputed (RECOMPUTE)
    assert "from cache" in dot
    assert "#FDE2DC" not in dr.cache.view_run(run_id=first_run).source.replace(
        "from cache", "")  # nothing came from the cache on the first run
    dr.cache.view_run(output_file_path=tmp_path / "run.svg")
    assert (tmp_path / "run.svg").read_text().lstrip().startswith("<?xml")
