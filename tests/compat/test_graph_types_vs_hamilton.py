"""Graph-level hooks see Hamilton's ``graph_types``: a hook written for Hamilton 1.90
(``graph_hook_recorder.py``) ported by its import root alone reads the same answers under
dataflow as under Hamilton, on a module of decorators and on random modules; and the graph it
reads is made once per driver, only when such a hook is registered.
"""

from __future__ import annotations

import asyncio
import itertools
import textwrap
import types
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, async_driver, base, driver, lifecycle
from dataflow.graph import Graph
from dataflow.graph_types import HamiltonGraph, hamilton_graph, hash_source_code, internal_graph
from dataflow.lifecycle import base as lifecycle_base
from tests.compat import intended_differences as intended
from tests.compat.differential import SIDES, strip_prefix
from tests.compat.generated_modules import CONSTANTS, modules
from tests.compat.twin_import import load_ported, load_source, unload

_counter = itertools.count()


def _record(side: str, source: str, path: Path, config: dict[str, Any],
            outputs: list[str], inputs: dict[str, Any], source_root: str = "hamilton",
            ) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """The calls the recorder saw on ``side`` (built over ``source``, one request run), and the
    names of the modules loaded (to unload)."""
    recorder_module = load_ported("tests.compat.graph_hook_recorder", source_root="hamilton",
                                  target_root=side)
    module = load_source(source, str(path), source_root=source_root, target_root=side,
                         stem=path.stem)
    framework = {"dataflow": (driver, base)}.get(side)
    if framework is None:
        from hamilton import base as hamilton_base
        from hamilton import driver as hamilton_driver

        framework = (hamilton_driver, hamilton_base)
    recorder = recorder_module.GraphRecorder()  # type: ignore[union-attr]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr = (framework[0].Builder().with_modules(module).with_config(config)
              .with_adapters(recorder, framework[1].DictResult()).build())
        dr.execute(outputs, inputs=inputs)
    loaded = [recorder_module.__name__, module.__name__]  # type: ignore[union-attr]
    validated = ("validate_node", {"graph": {"nodes": recorder.validated}})
    return [*recorder.calls, validated], [name.split(".")[0] for name in loaded]


def _tags(tags: dict[str, Any]) -> dict[str, Any]:
    return {k: strip_prefix(v) if isinstance(v, str) else v for k, v in tags.items()}


def node_differences(where: str, ours: dict[str, Any], theirs: dict[str, Any],
                     excused: set[str]) -> list[str]:
    """How the recorded node ``ours`` differs from ``theirs``: every field exactly, except tags
    and documentation that an intended difference excuses (recorded in ``excused``)."""
    found = []
    for key in sorted(set(ours) | set(theirs)):
        mine, other = ours.get(key), theirs.get(key)
        if key == "tags":
            mine, other = _tags(mine), _tags(other)
            for tag in sorted(set(mine) | set(other)):
                a, b = mine.get(tag, intended.ABSENT), other.get(tag, intended.ABSENT)
                if a == b:
                    continue
                excuse = intended.tag_difference(where, tag, a, b)
                if excuse is None:
                    found.append(f"{where}.tags[{tag!r}]: dataflow {a!r} != hamilton {b!r}")
                excused.add(excuse or "")
        elif key == "documentation" and mine != other:
            excuse = intended.documentation_difference(
                types.SimpleNamespace(documentation=mine, tags=_tags(ours["tags"])),
                types.SimpleNamespace(documentation=other, tags=_tags(theirs["tags"])))
            if excuse is None:
                found.append(f"{where}.documentation: dataflow {mine!r} != hamilton {other!r}")
            excused.add(excuse or "")
        elif key == "originating_functions" and mine != other:
            excuse = intended.originating_functions_difference(mine, other)
            if excuse is None:
                found.append(f"{where}.{key}: dataflow {mine!r} != hamilton {other!r}")
            excused.add(excuse or "")
        elif mine != other:
            found.append(f"{where}.{key}: dataflow {mine!r} != hamilton {other!r}")
    return found


def call_differences(ours: list[tuple[str, dict[str, Any]]],
                     theirs: list[tuple[str, dict[str, Any]]],
                     excused: set[str] | None = None) -> list[str]:
    """Every difference between the two sides' recorded calls."""
    excused = set() if excused is None else excused
    found = []
    if [m for m, _ in ours] != [m for m, _ in theirs]:
        return [f"moments: dataflow {[m for m, _ in ours]} != hamilton {[m for m, _ in theirs]}"]
    for (moment, mine), (_, other) in zip(ours, theirs):
        for key in sorted(set(mine) | set(other)):
            if key != "graph":
                if (key == "given" and mine[key][1] == "dict"
                        and other[key][1] == "NoneType"):
                    excused.add("graph-hook-overrides-a-dict")
                elif mine.get(key) != other.get(key):
                    found.append(f"{moment}.{key}: dataflow {mine.get(key)!r} != hamilton "
                                 f"{other.get(key)!r}")
                continue
            graph, their_graph = mine["graph"], other["graph"]
            for part in sorted(set(graph) | set(their_graph)):
                if part == "nodes":
                    for name in sorted(set(graph["nodes"]) | set(their_graph["nodes"])):
                        if name not in graph["nodes"] or name not in their_graph["nodes"]:
                            found.append(f"{moment}: node {name!r} on one side only")
                            continue
                        found += node_differences(f"{moment}:{name}", graph["nodes"][name],
                                                  their_graph["nodes"][name], excused)
                elif graph.get(part) != their_graph.get(part):
                    found.append(f"{moment}.graph.{part}: dataflow {graph.get(part)!r} != "
                                 f"hamilton {their_graph.get(part)!r}")
    excused.discard("")
    return found


def _compare(source: str, path: Path, config: dict[str, Any], outputs: list[str],
             inputs: Any, source_root: str = "hamilton") -> set[str]:
    """Both sides' records over ``source``; asserts they agree; returns the excuses used."""
    path.write_text(source)
    records, loaded = {}, []
    try:
        for side in SIDES:
            records[side], names = _record(side, source, path, config, outputs, inputs(),
                                           source_root)
            loaded += names
    finally:
        for name in loaded:
            unload(name)
    excused: set[str] = set()
    differences = call_differences(records["dataflow"], records["hamilton"], excused)
    assert differences == [], "\n".join(differences)
    return excused


MODULE = '''"""Features, with the decorators whose nodes a graph hook reads."""

import pandas as pd

from hamilton.function_modifiers import (
    check_output,
    config,
    extract_columns,
    extract_fields,
    parameterize,
    source,
    tag,
    value,
)


def spend(raw: pd.DataFrame) -> pd.Series:
    """Spend, in euros.

    Read from the raw frame.
    """
    return raw["spend"]


@tag(owner="growth", kinds=["a", "b"])
def signups(raw: pd.DataFrame, scale: int = 2) -> pd.Series:
    # a comment is not part of the version
    return raw["signups"] * scale


@extract_columns("left", "right")
def frame(spend: pd.Series) -> pd.DataFrame:
    """Both halves."""
    return pd.DataFrame({"left": spend, "right": spend * 2})


@parameterize(plus_one={"k": value(1)}, plus_cap={"k": source("cap")})
def plus(k: int, signups: pd.Series) -> pd.Series:
    """Signups plus {k}."""
    return signups + k


@config.when(mode="fast")
def speed__fast(spend: pd.Series) -> pd.Series:
    return spend


@config.when_not(mode="fast")
def speed__slow(spend: pd.Series) -> pd.Series:
    return spend * 2


@extract_fields({"count": int, "label": str})
def summary(spend: pd.Series) -> dict:
    return {"count": len(spend), "label": "spend"}


def blended(spend: pd.Series, weight: float = 1.5, note: str = None) -> float:
    return float(spend.sum()) * weight


@check_output(range=(0, 100), importance="warn")
def checked(spend: pd.Series) -> pd.Series:
    return spend
'''


def _raw() -> dict[str, Any]:
    return {"raw": pd.DataFrame({"spend": [1.0, 2.0], "signups": [3, 4]})}


@pytest.mark.parametrize("mode", ["fast", "slow"])
def test_a_hamilton_graph_hook_reads_the_same_graph(tmp_path: Path, mode: str) -> None:
    """Every moment (graph validation, construction, before and after a run), every node of a
    module of decorators: names, types, tags, originating functions, documentation,
    dependencies and their defaults, versions, ``as_dict``, lookups and filters agree; only
    dataflow's own tags and generated descriptions differ, as listed."""
    excused = _compare(MODULE, tmp_path / f"features_{mode}.py", {"mode": mode, "cap": 3},
                       ["plus_one", "plus_cap", "blended", "speed", "left", "checked"], _raw)
    assert excused == {"dataflow-tags", "generated-documentation", "documentation-cleaned",
                       "graph-hook-overrides-a-dict"}


@given(module=modules(max_units=5), data=st.data())
def test_random_modules_give_a_hamilton_hook_the_same_graph(module: Any, data: Any,
                                                            tmp_path_factory: Any) -> None:
    """Random modules of every decorator the generator writes, random outputs, all inputs."""
    note(module.source)
    path = tmp_path_factory.getbasetemp() / f"graph_types_{next(_counter)}.py"
    path.write_text(module.source)
    probe = load_source(module.source, str(path), source_root="dataflow",
                        target_root="dataflow", stem=path.stem)
    try:
        dr = driver.Builder().with_modules(probe).with_config(module.config).build()
        variables = {v.name: v for v in dr.list_available_variables()}
    finally:
        unload(probe.__name__.split(".")[0])
    computed = sorted(n for n, v in variables.items() if not v.is_external_input)
    outputs = data.draw(st.lists(st.sampled_from(computed), min_size=1, max_size=3,
                                 unique=True), label="outputs")
    externals = [n for n, v in variables.items() if v.is_external_input
                 and n not in module.config]
    values = {n: data.draw(st.sampled_from(CONSTANTS)) for n in externals}

    def inputs() -> dict[str, Any]:
        return {n: pd.Series([v] * 3) if variables[n].type is pd.Series else v
                for n, v in values.items()}

    _compare(module.source, path, module.config, outputs, inputs, source_root="dataflow")


# -- the graph is made once, only for a graph hook -----------------------------------------------

def seed() -> int:
    return 2


def doubled(seed: int) -> int:
    return seed * 2


_MODULE = ad_hoc_utils.create_temporary_module(seed, doubled)


class _NodeHookOnly(lifecycle.NodeExecutionHook):
    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        pass

    def run_after_node_execution(self, **future_kwargs: Any) -> None:
        pass


class _GraphHooks(lifecycle.GraphConstructionHook, lifecycle.GraphExecutionHook):
    def __init__(self) -> None:
        self.graphs: list[Any] = []

    def run_after_graph_construction(self, *, graph: Any, **future_kwargs: Any) -> None:
        self.graphs.append(graph)

    def run_before_graph_execution(self, *, graph: Any, **future_kwargs: Any) -> None:
        self.graphs.append(graph)

    def run_after_graph_execution(self, *, graph: Any, **future_kwargs: Any) -> None:
        self.graphs.append(graph)


@pytest.mark.parametrize("adapters", [[], [_NodeHookOnly()], [base.DictResult()]],
                         ids=["no adapter", "node hooks only", "result builder"])
def test_without_a_graph_hook_the_hamilton_graph_is_never_made(adapters: list[Any]) -> None:
    dr = driver.Builder().with_modules(_MODULE).with_adapters(*adapters).build()
    for _ in range(3):
        dr.execute(["doubled"])
    assert dr.graph._public == []


def test_with_graph_hooks_one_hamilton_graph_is_made_per_driver() -> None:
    hooks = _GraphHooks()
    dr = driver.Builder().with_modules(_MODULE).with_adapters(hooks).build()
    dr.execute(["doubled"])
    dr.execute(["seed"])
    assert len(hooks.graphs) == 5
    assert all(graph is hooks.graphs[0] for graph in hooks.graphs)
    assert isinstance(hooks.graphs[0], HamiltonGraph)
    assert dr.graph._public == [hooks.graphs[0]]
    assert internal_graph(hooks.graphs[0]) is dr.graph
    assert sorted(n.name for n in hooks.graphs[0].nodes) == ["doubled", "seed"]


def test_the_async_driver_hands_the_same_hamilton_graph() -> None:
    hooks = _GraphHooks()

    async def main() -> Any:
        dr = await (async_driver.Builder().with_modules(_MODULE).with_adapters(hooks).build())
        await dr.execute(["doubled"])
        return dr

    dr = asyncio.run(main())
    assert len(hooks.graphs) == 3
    assert all(graph is hamilton_graph(dr.graph) for graph in hooks.graphs)
    assert hooks.graphs[0]["doubled"].required_dependencies == {"seed"}


def test_base_class_hooks_get_the_internal_graph_as_hamilton_gives_its_function_graph() -> None:
    """Hamilton hands ``lifecycle.base`` hooks its internal ``FunctionGraph``: they get
    dataflow's :class:`Graph` (its ``nodes`` by name), sync and async."""
    seen: list[Any] = []

    class Construct(lifecycle_base.BasePostGraphConstruct, lifecycle_base.BasePreGraphExecute,
                    lifecycle_base.BasePostGraphExecute):
        def post_graph_construct(self, *, graph: Any, modules: Any, config: Any) -> None:
            seen.append(graph)

        def pre_graph_execute(self, *, run_id: str, graph: Any, **kwargs: Any) -> None:
            seen.append(graph)

        def post_graph_execute(self, *, run_id: str, graph: Any, **kwargs: Any) -> None:
            seen.append(graph)

    class AsyncConstruct(lifecycle_base.BasePostGraphConstructAsync,
                         lifecycle_base.BasePreGraphExecuteAsync):
        async def post_graph_construct(self, *, graph: Any, modules: Any, config: Any) -> None:
            seen.append(graph)

        async def pre_graph_execute(self, *, run_id: str, graph: Any, **kwargs: Any) -> None:
            seen.append(graph)

    dr = driver.Builder().with_modules(_MODULE).with_adapters(Construct()).build()
    dr.execute(["doubled"])
    assert len(seen) == 3 and all(graph is dr.graph for graph in seen)

    async def main() -> Any:
        built = await async_driver.Builder().with_modules(_MODULE).with_adapters(
            AsyncConstruct()).build()
        await built.execute(["doubled"])
        return built

    seen.clear()
    adr = asyncio.run(main())
    assert len(seen) == 2 and all(graph is adr.graph for graph in seen)
    assert isinstance(seen[0], Graph) and "doubled" in seen[0].nodes


def test_the_cache_keeps_working_behind_a_hamilton_graph(tmp_path: Path) -> None:
    """The cache adapter is a graph hook that needs dataflow's graph: it takes it back."""
    calls: list[int] = []

    def counted(seed: int) -> int:
        calls.append(seed)
        return seed + 1

    module = ad_hoc_utils.create_temporary_module(seed, counted)
    for _ in range(2):
        dr = (driver.Builder().with_modules(module).with_cache(path=str(tmp_path))
              .with_adapters(base.DictResult()).build())
        assert dr.execute(["counted"]) == {"counted": 3}
    assert calls == [2]  # the second driver read the stored value
    assert dr.graph._public[0].__dict__["_nodes"] is None  # it never read the nodes


def test_a_graph_validator_reads_hamilton_nodes() -> None:
    class NoUntaggedFunctions(lifecycle.StaticValidator):
        def run_to_validate_graph(self, graph: Any, **future_kwargs: Any) -> Any:
            untagged = [n.name for n in graph.filter_nodes(
                lambda n: not n.is_external_input and "owner" not in n.tags)]
            return (not untagged, f"untagged: {untagged}" if untagged else None)

    with pytest.raises(lifecycle.ValidationException, match=r"untagged: \['seed', 'doubled'\]"):
        driver.Builder().with_modules(_MODULE).with_adapters(NoUntaggedFunctions()).build()


@pytest.mark.parametrize("text", [
    "def f(x: int) -> int:\n    '''Doc.'''\n    return x  # note\n",
    "    def inner(x):\n        '''Doc.'''\n        y = 'kept'\n        'kept too'\n"
    "        return x\n",
    "class K:\n    '''Kept: classes keep theirs.'''\n    a = 1\n",
    "'''module doc kept'''\nx = 1\n",
    "async def f():\n    '''d'''\n    return 1\n",
    "def only_doc():\n    '''d'''\n",
    "  x = 1  \n",
])
@pytest.mark.parametrize("strip", [False, True])
def test_source_hashes_equal_hamiltons(text: str, strip: bool) -> None:
    from hamilton import graph_types as hamilton_graph_types

    assert hash_source_code(text, strip=strip) == hamilton_graph_types.hash_source_code(
        text, strip=strip)


def test_graph_types_keeps_hamiltons_public_surface() -> None:
    """The public names, dataclass fields and methods of Hamilton's module exist here."""
    import dataclasses

    from hamilton import graph_types as theirs

    from dataflow import graph_types as ours

    for name in ("HamiltonGraph", "HamiltonNode", "hash_source_code"):
        assert hasattr(ours, name), name
    for cls in ("HamiltonGraph", "HamiltonNode"):
        their_fields = [f.name for f in dataclasses.fields(getattr(theirs, cls))]
        our_fields = [f.name for f in dataclasses.fields(getattr(ours, cls))]
        assert our_fields == their_fields, cls
        their_methods = {m for m in vars(getattr(theirs, cls)) if not m.startswith("_")}
        assert their_methods <= set(vars(getattr(ours, cls))), cls
    assert textwrap.dedent(repr(hamilton_graph(driver.Builder().with_modules(
        _MODULE).build().graph)["seed"])) == 'Node("seed": int)'


def test_a_construction_hook_without_future_kwargs_runs_on_both() -> None:
    """Hamilton hands ``run_after_graph_construction`` only ``graph`` and ``config``: a hook
    that declares exactly those (no ``**future_kwargs``) runs on both, sync and async."""
    answers: dict[str, list[Any]] = {}

    def strict_hook(side: str, api: Any, async_: bool = False) -> Any:
        if async_:
            class StrictAsync(api.GraphConstructionHook):
                async def run_after_graph_construction(self, *, graph: Any, config: Any) -> None:
                    answers.setdefault(side, []).append(sorted(n.name for n in graph.nodes))
            return StrictAsync()

        class Strict(api.GraphConstructionHook):
            def run_after_graph_construction(self, *, graph: Any, config: Any) -> None:
                answers.setdefault(side, []).append(sorted(n.name for n in graph.nodes))
        return Strict()

    from hamilton import ad_hoc_utils as h_ad_hoc_utils
    from hamilton import driver as h_driver
    from hamilton import lifecycle as h_lifecycle

    hamilton_module = h_ad_hoc_utils.create_temporary_module(seed, doubled)
    h_driver.Builder().with_modules(hamilton_module).with_adapters(
        strict_hook("hamilton", h_lifecycle)).build()
    driver.Builder().with_modules(_MODULE).with_adapters(strict_hook("dataflow", lifecycle)).build()
    assert answers["dataflow"] == answers["hamilton"] == [["doubled", "seed"]]

    async def main() -> None:
        await async_driver.Builder().with_modules(_MODULE).with_adapters(
            strict_hook("async", lifecycle)).build()

    asyncio.run(main())
    assert answers["async"] == answers["hamilton"]
