"""Hypothesis strategies that write random dataflow modules as source text.

A module is a sequence of *units*, each appending one or a few functions to the source: a
plain function, ``@parameterize``, ``@extract_columns``, ``@extract_fields``, a
``@config.when`` / ``when_in`` pair, ``@pipe_output`` and ``@pipe_input`` with ``step``
(optionally ``.when`` / ``.named``), ``@mutate`` of an earlier plain function and ``@subdag``.
Values are ``pd.Series`` over one 4-row index or ``float`` scalars; bodies are small
arithmetic, so both frameworks can only disagree about the graph, never about numerics.
Every unit reads only names defined before it, so modules are acyclic by construction.

The source imports from ``dataflow``; the differential test ports it to ``hamilton`` by
changing the import root, exactly as for hand-written modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

AVOIDED_FINDINGS: dict[str, str] = {}
"""Known findings the generator steers clear of (each has a reproducer in
test_differential_findings.py), so that hypothesis keeps finding new ones; drop an entry when
its finding is fixed."""

AVOIDED_DIFFERENCES = {
    "pipe-input-step-reads-piped-parameter": "no @pipe_input step argument is source() of the "
                                             "parameter being piped",
}
"""Intended differences (Hamilton bugs) the generator steers clear of: the comparison could
only report them."""

SERIES, SCALAR = "series", "scalar"
ANNOTATION = {SERIES: "pd.Series", SCALAR: "float"}
CONSTANTS = (0.5, 2.0, -1.0, 3.0, 1.5)
CONFIG_KEY = "mode"

HEADER = '''"""A generated module."""

import pandas as pd

from dataflow.function_modifiers import (
    apply_to,
    config,
    extract_columns,
    extract_fields,
    mutate,
    parameterize,
    pipe_input,
    pipe_output,
    source,
    step,
    subdag,
    value,
)


def _scale_series(v: pd.Series, factor: float) -> pd.Series:
    return v * factor


def _shift_series(v: pd.Series, by: float) -> pd.Series:
    return v + by


def _scale_scalar(v: float, factor: float) -> float:
    return v * factor


def _shift_scalar(v: float, by: float) -> float:
    return v + by
'''


@dataclass
class ModuleText:
    """The module being written: its source, and the nodes later units may read."""

    units: list[str] = field(default_factory=list)
    available: dict[str, str] = field(default_factory=dict)
    """node name -> SERIES or SCALAR"""
    plain: list[str] = field(default_factory=list)
    """plain functions (targets for @mutate)"""
    kinds: list[str] = field(default_factory=list)
    """which unit kinds were written (for hypothesis.event / coverage of the generator)"""

    @property
    def source(self) -> str:
        return HEADER + "".join("\n\n" + unit for unit in self.units) + "\n"

    def of_kind(self, kind: str) -> list[str]:
        return [name for name, k in self.available.items() if k == kind]


@dataclass(frozen=True)
class GeneratedModule:
    source: str
    config: dict[str, Any]
    kinds: tuple[str, ...]


def _expression(draw: Any, deps: list[str], kinds: dict[str, str]) -> str:
    """A small arithmetic expression over ``deps`` (a constant when there are none)."""
    if not deps:
        return repr(draw(st.sampled_from(CONSTANTS)))
    terms = []
    for dep in deps:
        op = draw(st.sampled_from(["{d}", "{d} * {c}", "{d} + {c}"] + (
            ["{d}.shift(1)", "{d}.cumsum()"] if kinds[dep] == SERIES else [])))
        terms.append(op.format(d=dep, c=draw(st.sampled_from(CONSTANTS))))
    return " + ".join(terms)


def _kind_of(deps: list[str], kinds: dict[str, str]) -> str:
    return SERIES if any(kinds[d] == SERIES for d in deps) else SCALAR


def _signature(deps: list[str], kinds: dict[str, str], extra: str = "") -> str:
    params = [f"{d}: {ANNOTATION[kinds[d]]}" for d in deps]
    if extra:
        params.append(extra)
    return ", ".join(params)


def _deps(draw: Any, text: ModuleText, min_size: int = 0, max_size: int = 2) -> list[str]:
    names = sorted(text.available)
    if len(names) < min_size:
        return []
    return draw(st.lists(st.sampled_from(names), min_size=min_size, max_size=max_size,
                         unique=True))


def _series_body(draw: Any, deps: list[str], kinds: dict[str, str], kind: str) -> str:
    expression = _expression(draw, deps, kinds)
    if kind == SERIES and not any(kinds[d] == SERIES for d in deps):
        return f"pd.Series([1.0, 2.0, 3.0, 4.0]) + {expression}"
    return expression


# -- units -------------------------------------------------------------------------------------


def plain(draw: Any, text: ModuleText, i: int) -> None:
    deps = _deps(draw, text)
    kind = _kind_of(deps, text.available) if deps else draw(st.sampled_from([SERIES, SCALAR]))
    name = f"f{i}"
    body = _series_body(draw, deps, text.available, kind)
    text.units.append(f"def {name}({_signature(deps, text.available)}) -> {ANNOTATION[kind]}:\n"
                      f"    return {body}")
    text.available[name] = kind
    text.plain.append(name)


def parameterized(draw: Any, text: ModuleText, i: int) -> None:
    deps = _deps(draw, text, max_size=1)
    kind = _kind_of(deps, text.available) if deps else SCALAR
    scalars = text.of_kind(SCALAR)
    outputs = {}
    for suffix in ("a", "b"):
        if scalars and draw(st.booleans()):
            outputs[f"f{i}_{suffix}"] = f'{{"k": source("{draw(st.sampled_from(scalars))}")}}'
        else:
            outputs[f"f{i}_{suffix}"] = f'{{"k": value({draw(st.sampled_from(CONSTANTS))})}}'
    arguments = ", ".join(f"{name}={spec}" for name, spec in outputs.items())
    expression = _expression(draw, deps, text.available)
    text.units.append(
        f"@parameterize({arguments})\n"
        f"def f{i}({_signature(deps, text.available, 'k: float')}) -> {ANNOTATION[kind]}:\n"
        f"    return {expression} + k")
    text.available.update(dict.fromkeys(outputs, kind))


def columns(draw: Any, text: ModuleText, i: int) -> None:
    series = text.of_kind(SERIES)
    if not series:
        return plain(draw, text, i)
    dep = draw(st.sampled_from(series))
    names = [f"f{i}_c{j}" for j in range(draw(st.integers(1, 3)))]
    body = ", ".join(f'"{n}": {_expression(draw, [dep], text.available)}' for n in names)
    quoted = ", ".join(f'"{n}"' for n in names)
    text.units.append(f"@extract_columns({quoted})\n"
                      f"def f{i}({dep}: pd.Series) -> pd.DataFrame:\n"
                      f"    return pd.DataFrame({{{body}}})")
    text.available.update(dict.fromkeys(names, SERIES))
    return None


def fields(draw: Any, text: ModuleText, i: int) -> None:
    scalars = text.of_kind(SCALAR)
    deps = draw(st.lists(st.sampled_from(scalars), max_size=1)) if scalars else []
    names = [f"f{i}_x", f"f{i}_y"]
    types = ", ".join(f'"{n}": float' for n in names)
    body = ", ".join(f'"{n}": {_expression(draw, deps, text.available)}' for n in names)
    text.units.append(f"@extract_fields({{{types}}})\n"
                      f"def f{i}({_signature(deps, text.available)}) -> dict:\n"
                      f"    return {{{body}}}")
    text.available.update(dict.fromkeys(names, SCALAR))


def chosen_by_config(draw: Any, text: ModuleText, i: int) -> None:
    deps = _deps(draw, text)
    kind = _kind_of(deps, text.available) if deps else draw(st.sampled_from([SERIES, SCALAR]))
    chooser, opposite = draw(st.sampled_from([
        (f'config.when({CONFIG_KEY}="x")', f'config.when_not({CONFIG_KEY}="x")'),
        (f'config.when_in({CONFIG_KEY}=["x", "y"])',
         f'config.when_not_in({CONFIG_KEY}=["x", "y"])'),
    ]))
    for suffix, decorator in (("on", chooser), ("off", opposite)):
        body = _series_body(draw, deps, text.available, kind)
        text.units.append(
            f"@{decorator}\n"
            f"def f{i}__{suffix}({_signature(deps, text.available)}) -> {ANNOTATION[kind]}:\n"
            f"    return {body}")
    text.available[f"f{i}"] = kind


def _step(draw: Any, text: ModuleText, kind: str, j: int, named: bool,
          piped: str = "") -> str:
    scalars = [n for n in text.of_kind(SCALAR) if n != piped]
    helper = draw(st.sampled_from(["scale", "shift"]))
    argument = "factor" if helper == "scale" else "by"
    if scalars and draw(st.booleans()):
        bound = f'source("{draw(st.sampled_from(scalars))}")'
    else:
        bound = f"value({draw(st.sampled_from(CONSTANTS))})"
    call = f"step(_{helper}_{kind}, {argument}={bound})"
    if draw(st.integers(0, 3)) == 0:
        call += f'.when({CONFIG_KEY}="{draw(st.sampled_from(["x", "y"]))}")'
    if named:
        call += f'.named("s{j}")'
    return call


def _steps(draw: Any, text: ModuleText, kind: str, piped: str = "") -> str:
    """1-2 steps, each named or not; no step argument reads ``piped``, the parameter
    @pipe_input pipes (see AVOIDED_DIFFERENCES)."""
    return ", ".join(_step(draw, text, kind, j, draw(st.integers(0, 3)) == 0, piped)
                     for j in range(draw(st.integers(1, 2))))


def piped_output(draw: Any, text: ModuleText, i: int) -> None:
    deps = _deps(draw, text)
    kind = _kind_of(deps, text.available) if deps else draw(st.sampled_from([SERIES, SCALAR]))
    steps = _steps(draw, text, kind)
    body = _series_body(draw, deps, text.available, kind)
    text.units.append(f"@pipe_output({steps})\n"
                      f"def f{i}({_signature(deps, text.available)}) -> {ANNOTATION[kind]}:\n"
                      f"    return {body}")
    text.available[f"f{i}"] = kind


def piped_input(draw: Any, text: ModuleText, i: int) -> None:
    deps = _deps(draw, text, min_size=1)
    if not deps:
        return plain(draw, text, i)
    first = text.available[deps[0]]
    steps = _steps(draw, text, first, piped=deps[0])
    kind = _kind_of(deps, text.available)
    text.units.append(f"@pipe_input({steps})\n"
                      f"def f{i}({_signature(deps, text.available)}) -> {ANNOTATION[kind]}:\n"
                      f"    return {_expression(draw, deps, text.available)}")
    text.available[f"f{i}"] = kind
    return None


def mutated(draw: Any, text: ModuleText, i: int) -> None:
    if not text.plain:
        return plain(draw, text, i)
    target = draw(st.sampled_from(text.plain))
    kind = text.available[target]
    factor = draw(st.sampled_from(CONSTANTS))
    if draw(st.booleans()):
        when = draw(st.sampled_from(["x", "y"]))
        target = f'apply_to({target}).when({CONFIG_KEY}="{when}")'
    text.units.append(f"@mutate({target}, factor=value({factor}))\n"
                      f"def _mutate_{i}(v: {ANNOTATION[kind]}, factor: float) -> "
                      f"{ANNOTATION[kind]}:\n"
                      f"    return v * factor + 1.0")
    return None


def subdagged(draw: Any, text: ModuleText, i: int) -> None:
    """A public inner function (so it is a node of the module too, reading its own external
    input) run as a subdag fed from an earlier node or a value."""
    names = sorted(text.available)
    fed_from = draw(st.sampled_from(names)) if names and draw(st.booleans()) else None
    kind = text.available[fed_from] if fed_from else SCALAR
    feed = (f'source("{fed_from}")' if fed_from
            else f"value({draw(st.sampled_from(CONSTANTS))})")
    inner, parameter = f"s{i}_inner", f"s{i}_p"
    kinds = {parameter: kind}
    text.units.append(
        f"def {inner}({parameter}: {ANNOTATION[kind]}) -> {ANNOTATION[kind]}:\n"
        f"    return {_expression(draw, [parameter], kinds)}\n\n\n"
        f'@subdag({inner}, inputs={{"{parameter}": {feed}}})\n'
        f"def s{i}({inner}: {ANNOTATION[kind]}) -> {ANNOTATION[kind]}:\n"
        f"    return {inner} + 0.5")
    text.available[inner] = kind
    text.available[f"s{i}"] = kind


UNITS = {
    "plain": plain,
    "parameterize": parameterized,
    "extract_columns": columns,
    "extract_fields": fields,
    "config": chosen_by_config,
    "pipe_output": piped_output,
    "pipe_input": piped_input,
    "mutate": mutated,
    "subdag": subdagged,
}


MARKERS = {"plain": "\ndef f", "config": "@config.when", "parameterize": "@parameterize(",
           "extract_columns": "@extract_columns(", "extract_fields": "@extract_fields(",
           "pipe_output": "@pipe_output(", "pipe_input": "@pipe_input(", "mutate": "@mutate(",
           "subdag": "@subdag("}
"""What each unit kind writes into the source (to check a forced kind was really written)."""


@st.composite
def modules(draw: Any, max_units: int = 6,
            kinds: tuple[str, ...] | None = None) -> GeneratedModule:
    """A random module (source text importing from ``dataflow``) and a config for it; with
    ``kinds``, exactly those units in that order."""
    text = ModuleText()
    text.available.update({"in_0": SERIES, "in_1": SCALAR})
    if draw(st.booleans()):
        text.available["in_2"] = SERIES
    if kinds is None:
        kinds = tuple(draw(st.lists(st.sampled_from(sorted(UNITS)), min_size=1,
                                    max_size=max_units)))
    for i, kind in enumerate(kinds):
        text.kinds.append(kind)
        UNITS[kind](draw, text, i)
    mode = draw(st.sampled_from([None, "x", "y"]))
    return GeneratedModule(text.source, {} if mode is None else {CONFIG_KEY: mode},
                           tuple(text.kinds))
