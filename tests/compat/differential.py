"""Build one module set under dataflow and under Apache Hamilton, and say how they differ.

Everything here returns a list of differences (strings naming the node or request and both
sides' values), never a bool: a test asserts the list is empty, and its failure message is the
list. A node present on one side only, a field of one node, an error on one side only, a
value's dtype or index — each is a difference; only the entries of
:mod:`tests.compat.intended_differences` may excuse one, and which did is recorded.
"""

from __future__ import annotations

import math
import os
import re
import types
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")

import numpy as np
import pandas as pd
from hamilton import base as hamilton_base
from hamilton import driver as hamilton_driver

from dataflow import base as dataflow_base
from dataflow import driver as dataflow_driver
from tests.compat import intended_differences as intended
from tests.compat.twin_import import PREFIX_STEM, load_ported

SIDES = ("dataflow", "hamilton")
_PREFIX = re.compile(rf"\b{PREFIX_STEM}_\w+?_\d+\.")


def strip_prefix(text: str) -> str:
    """``text`` without the ``_ported_<root>_<n>.`` prefixes of ported module names."""
    return _PREFIX.sub("", text)


# -- building ---------------------------------------------------------------------------------


@dataclass
class Built:
    """One side's driver, or the error its build raised."""

    side: str
    driver: Any = None
    error: BaseException | None = None
    modules: tuple[types.ModuleType, ...] = ()


def _builder(side: str) -> Any:
    return (dataflow_driver if side == "dataflow" else hamilton_driver).Builder()


def result_builder(side: str, kind: str) -> Any:
    """``kind`` is ``"dict"`` or ``"frame"``: that side's DictResult / PandasDataFrameResult."""
    module = dataflow_base if side == "dataflow" else hamilton_base
    return module.DictResult() if kind == "dict" else module.PandasDataFrameResult()


def build_side(side: str, modules: Sequence[types.ModuleType], config: Mapping[str, Any],
               result: str = "dict") -> Built:
    """A driver over ``modules`` (already ported to ``side``) and ``config``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            driver = (_builder(side).with_modules(*modules).with_config(dict(config))
                      .with_adapters(result_builder(side, result)).build())
    except Exception as error:  # a refused build is a result to compare
        return Built(side, error=error, modules=tuple(modules))
    return Built(side, driver=driver, modules=tuple(modules))


def load_side(side: str, module_names: Sequence[str], source_root: str,
              drop: Mapping[str, Collection[str]] | None = None,
              relocate: Mapping[str, str] | None = None) -> tuple[types.ModuleType, ...]:
    """Fresh copies of ``module_names`` ported from ``source_root`` to ``side``, without the
    definitions ``drop`` names per module, with the imports ``relocate`` moves (see
    :func:`tests.compat.twin_import.porting`)."""
    loaded = load_ported(*module_names, source_root=source_root, target_root=side, drop=drop,
                         relocate=relocate)
    return (loaded,) if isinstance(loaded, types.ModuleType) else tuple(loaded)


@dataclass
class Twins:
    """The same module set built under both frameworks."""

    dataflow: Built
    hamilton: Built

    def side(self, name: str) -> Built:
        return self.dataflow if name == "dataflow" else self.hamilton

    @property
    def both_built(self) -> bool:
        return self.dataflow.error is None and self.hamilton.error is None


def build_twins(module_names: Sequence[str], config: Mapping[str, Any] | None = None, *,
                source_root: str = "dataflow", drop: Mapping[str, Collection[str]] | None = None,
                relocate: Mapping[str, str] | None = None, result: str = "dict") -> Twins:
    """``module_names`` loaded fresh for each framework (ported from ``source_root``, without
    the definitions in ``drop``) and built with ``config``."""
    config = dict(config or {})
    built = {}
    for side in SIDES:
        try:
            modules = load_side(side, module_names, source_root, drop, relocate)
        except Exception as error:  # an import the other framework lacks is a build failure
            built[side] = Built(side, error=error)
            continue
        built[side] = build_side(side, modules, config, result)
    return Twins(built["dataflow"], built["hamilton"])


def build_difference(twins: Twins) -> list[str]:
    """Empty when both built or both refused; otherwise which side refused, and why."""
    df, ham = twins.dataflow.error, twins.hamilton.error
    if (df is None) == (ham is None):
        return []
    side, error = ("dataflow", df) if df is not None else ("hamilton", ham)
    return [f"only {side} refuses to build: {type(error).__name__}: {error}"]


# -- structure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeView:
    """The comparable fields of a node (Hamilton's ``HamiltonNode`` / our ``Variable``)."""

    name: str
    type: str
    tags: Mapping[str, Any]
    is_external_input: bool
    required_dependencies: frozenset[str]
    optional_dependencies: frozenset[str]
    documentation: str


def type_text(annotation: Any) -> str:
    """A framework-neutral spelling of a type: ported-module prefixes removed, the framework's
    own classes (``hamilton.data_quality.base.ValidationResult``) named ``<framework>.…``."""
    text = strip_prefix(repr(annotation))
    return re.sub(r"\b(dataflow|hamilton)\.", "<framework>.", text)


def _tag_value(value: Any) -> Any:
    if isinstance(value, str):
        return strip_prefix(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_tag_value(v) for v in value)
    return value


def node_views(driver: Any) -> dict[str, NodeView]:
    """Every node of a built driver, by name (works on both frameworks' drivers)."""
    views = {}
    for variable in driver.list_available_variables():
        views[variable.name] = NodeView(
            name=variable.name,
            type=type_text(variable.type),
            tags={k: _tag_value(v) for k, v in dict(variable.tags).items()},
            is_external_input=bool(variable.is_external_input),
            required_dependencies=frozenset(variable.required_dependencies),
            optional_dependencies=frozenset(variable.optional_dependencies),
            documentation=variable.documentation or "",
        )
    return views


@dataclass
class Comparison:
    """Differences found, and the intended differences that excused others."""

    differences: list[str] = field(default_factory=list)
    excused: set[str] = field(default_factory=set)

    def extend(self, other: Comparison) -> None:
        self.differences.extend(other.differences)
        self.excused |= other.excused


def compare_node(name: str, ours_all: Mapping[str, NodeView],
                 theirs_all: Mapping[str, NodeView], metadata: bool = True) -> Comparison:
    """The differences of node ``name`` between the two sides' views (a node missing on one
    side included); tags and documentation too unless ``metadata`` is false."""
    result = Comparison()
    dataflow, hamilton = ours_all.get(name), theirs_all.get(name)
    if dataflow is None or hamilton is None:
        if dataflow is None and hamilton is None:
            result.differences.append(f"{name}: on neither side (the test asked for a node "
                                      "that does not exist)")
            return result
        side = "dataflow" if hamilton is None else "hamilton"
        excuse = intended.missing_node(name, side, ours_all, theirs_all)
        if excuse is not None:
            result.excused.add(excuse)
        else:
            result.differences.append(f"{name}: only {side} has this node")
        return result
    for attribute in ("type", "is_external_input", "required_dependencies",
                      "optional_dependencies"):
        ours, theirs = getattr(dataflow, attribute), getattr(hamilton, attribute)
        if ours == theirs:
            continue
        excuse = intended.field_of_node_difference(name, attribute, ours_all, theirs_all)
        if excuse is not None:
            result.excused.add(excuse)
            continue
        if isinstance(ours, frozenset):
            ours, theirs = sorted(ours), sorted(theirs)
        result.differences.append(f"{name}.{attribute}: dataflow {ours!r} != hamilton "
                                  f"{theirs!r}")
    if not metadata:
        return result
    for key in sorted(set(dataflow.tags) | set(hamilton.tags)):
        ours = dataflow.tags.get(key, intended.ABSENT)
        theirs = hamilton.tags.get(key, intended.ABSENT)
        if ours == theirs:
            continue
        excuse = intended.tag_difference(name, key, ours, theirs)
        if excuse is not None:
            result.excused.add(excuse)
        else:
            result.differences.append(
                f"{name}.tags[{key!r}]: dataflow {_absent_or_repr(ours)} != hamilton "
                f"{_absent_or_repr(theirs)}")
    if dataflow.documentation != hamilton.documentation:
        excuse = intended.documentation_difference(dataflow, hamilton)
        if excuse is not None:
            result.excused.add(excuse)
        else:
            result.differences.append(f"{name}.documentation: dataflow "
                                      f"{dataflow.documentation!r} != hamilton "
                                      f"{hamilton.documentation!r}")
    return result


def _absent_or_repr(value: Any) -> str:
    return "(absent)" if value is intended.ABSENT else repr(value)


def compare_structure(twins: Twins, metadata: bool = True) -> Comparison:
    """Every node of either side compared (requires both sides built); without ``metadata``,
    tags and documentation are left out."""
    ours, theirs = node_views(twins.dataflow.driver), node_views(twins.hamilton.driver)
    result = Comparison()
    for name in sorted(set(ours) | set(theirs)):
        result.extend(compare_node(name, ours, theirs, metadata))
    return result


# -- values -----------------------------------------------------------------------------------


def value_differences(ours: Any, theirs: Any, where: str = "value",
                      excused: set[str] | None = None) -> list[str]:
    """How two computed values differ: exact dtype, index, names and values for pandas and
    numpy objects; exact type and equality (NaN equal to NaN) for everything else. Fields of
    objects that an intended difference excuses are skipped, and its id added to ``excused``."""
    excused = set() if excused is None else excused
    if isinstance(theirs, pd.DataFrame) or isinstance(ours, pd.DataFrame):
        return _pandas_difference(pd.testing.assert_frame_equal, ours, theirs, where,
                                  pd.DataFrame)
    if isinstance(theirs, pd.Series) or isinstance(ours, pd.Series):
        return _pandas_difference(pd.testing.assert_series_equal, ours, theirs, where, pd.Series)
    if isinstance(theirs, pd.Index) or isinstance(ours, pd.Index):
        return _pandas_difference(pd.testing.assert_index_equal, ours, theirs, where, pd.Index)
    if type(ours).__name__ != type(theirs).__name__:
        return [f"{where}: dataflow gives {type(ours).__name__} {ours!r}, hamilton gives "
                f"{type(theirs).__name__} {theirs!r}"]
    if isinstance(theirs, np.ndarray):
        if ours.dtype != theirs.dtype or ours.shape != theirs.shape or not np.array_equal(
                ours, theirs, equal_nan=ours.dtype.kind in "fc"):
            return [f"{where}: dataflow {ours!r} != hamilton {theirs!r}"]
        return []
    if isinstance(theirs, Mapping):
        if list(ours) != list(theirs):
            return [f"{where}: keys dataflow {list(ours)} != hamilton {list(theirs)}"]
        return [d for key in theirs for d in value_differences(ours[key], theirs[key],
                                                               f"{where}[{key!r}]", excused)]
    if isinstance(theirs, (list, tuple)):
        if len(ours) != len(theirs):
            return [f"{where}: length dataflow {len(ours)} != hamilton {len(theirs)}"]
        return [d for i, (a, b) in enumerate(zip(ours, theirs))
                for d in value_differences(a, b, f"{where}[{i}]", excused)]
    if isinstance(theirs, float) and math.isnan(theirs) and math.isnan(ours):
        return []
    if _plain(theirs):
        return [] if ours == theirs else [f"{where}: dataflow {ours!r} != hamilton {theirs!r}"]
    # objects of the frameworks' own classes (ValidationResult) or of the module's classes
    ours_fields, theirs_fields = getattr(ours, "__dict__", None), getattr(theirs, "__dict__", None)
    if ours_fields is None or theirs_fields is None:
        return [] if ours == theirs else [f"{where}: dataflow {ours!r} != hamilton {theirs!r}"]
    differences = []
    for key in sorted(set(ours_fields) | set(theirs_fields)):
        if key not in ours_fields or key not in theirs_fields:
            differences.append(f"{where}.{key}: only on one side")
            continue
        found = value_differences(ours_fields[key], theirs_fields[key], f"{where}.{key}",
                                  excused)
        excuse = (intended.field_difference(type(theirs).__name__, key, ours_fields[key],
                                            theirs_fields[key]) if found else None)
        if excuse is not None:
            excused.add(excuse)
        else:
            differences.extend(found)
    return differences


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, complex, str, bytes,
                                               np.generic, type))


def _pandas_difference(check: Callable[..., None], ours: Any, theirs: Any, where: str,
                       kind: type) -> list[str]:
    if not isinstance(ours, kind) or not isinstance(theirs, kind):
        return [f"{where}: dataflow gives {type(ours).__name__}, hamilton gives "
                f"{type(theirs).__name__}"]
    try:
        check(ours, theirs, check_exact=True)
    except AssertionError as mismatch:
        return [f"{where}: {mismatch}"]
    return []


# -- running ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a request gave on one side: a value or an error."""

    value: Any = None
    error: BaseException | None = None

    def describe(self) -> str:
        if self.error is not None:
            return f"raises {type(self.error).__name__}: {self.error}"
        return f"returns {self.value!r}"


@dataclass(frozen=True)
class Request:
    """One ``execute`` call: outputs, inputs and overrides (made fresh per side by factories,
    since a function may modify a value it is given)."""

    outputs: tuple[str, ...]
    inputs: Callable[[], dict[str, Any]] = dict
    overrides: Callable[[], dict[str, Any]] = dict

    def run(self, driver: Any) -> Outcome:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = driver.execute(list(self.outputs), inputs=self.inputs(),
                                       overrides=self.overrides())
        except Exception as error:  # errors are compared too
            return Outcome(error=error)
        return Outcome(value=value)


def outcome_differences(ours: Outcome, theirs: Outcome, where: str,
                        hamilton_views: Mapping[str, NodeView] | None = None,
                        outputs: Sequence[str] = ()) -> Comparison:
    """Raised on one side only, or different values. When both raise, the messages may differ.
    ``hamilton_views`` and ``outputs`` let an intended difference about the request excuse a
    difference."""
    result = Comparison()
    if ours.error is not None or theirs.error is not None:
        if ours.error is not None and theirs.error is not None:
            return result
        excuse = intended.outcome_difference(outputs, hamilton_views or {}, ours.error,
                                             theirs.value)
        if excuse is not None:
            result.excused.add(excuse)
        else:
            result.differences.append(f"{where}: dataflow {ours.describe()[:600]}; hamilton "
                                      f"{theirs.describe()[:600]}")
        return result
    result.differences.extend(value_differences(ours.value, theirs.value, where,
                                                result.excused))
    return result


def run_both(twins: Twins, request: Request) -> tuple[Outcome, Outcome]:
    return request.run(twins.dataflow.driver), request.run(twins.hamilton.driver)


def request_differences(twins: Twins, request: Request) -> Comparison:
    """Run ``request`` on both sides and compare the outcomes."""
    ours, theirs = run_both(twins, request)
    return outcome_differences(ours, theirs, f"execute({list(request.outputs)})",
                               node_views(twins.hamilton.driver), request.outputs)


def upstream_inputs(views: Mapping[str, NodeView], outputs: Iterable[str]) -> set[str]:
    """External inputs (and config) that ``outputs`` depend on, transitively."""
    seen: set[str] = set()
    stack = [o for o in outputs if o in views]
    found = set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        view = views[name]
        if view.is_external_input:
            found.add(name)
        stack.extend(d for d in view.required_dependencies | view.optional_dependencies
                     if d in views)
    return found


def inputs_for(twins: Twins, outputs: Sequence[str],
               available: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """A factory of the inputs ``outputs`` need on either side, taken from ``available``."""
    needed = upstream_inputs(node_views(twins.dataflow.driver), outputs) | upstream_inputs(
        node_views(twins.hamilton.driver), outputs)

    def make() -> dict[str, Any]:
        return {k: v for k, v in available().items() if k in needed}

    return make


def twins_from_source(source: str, path: Any, config: Mapping[str, Any] | None = None, *,
                      source_root: str = "hamilton", result: str = "dict") -> Twins:
    """``source`` written to ``path`` (a real file, so error messages can point at it),
    imported once per framework (ported from ``source_root``) and built with ``config``."""
    from pathlib import Path

    from tests.compat.twin_import import load_source

    path = Path(path)
    path.write_text(source)
    built = {}
    for side in SIDES:
        try:
            module = load_source(source, str(path), source_root=source_root, target_root=side,
                                 stem=path.stem)
        except Exception as error:  # an import the other framework lacks
            built[side] = Built(side, error=error)
            continue
        built[side] = build_side(side, [module], config or {}, result)
    return Twins(built["dataflow"], built["hamilton"])
