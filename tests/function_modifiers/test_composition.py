"""Stacked decorators compared with hand-written equivalents: the same node names, types,
dependencies, user tags and executed values."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataflow.data_quality import DataValidationError
from dataflow.function_modifiers import (
    check_output,
    config,
    does,
    extract_columns,
    extract_fields,
    inject,
    mutate,
    parameterize,
    pipe_output,
    source,
    step,
    subdag,
    tag,
    tag_outputs,
    unpack_fields,
    value,
)
from dataflow.node import DECORATOR_TAG, MODULE_TAG
from dataflow.resolve import CONFIG_TAG
from tests.function_modifiers.helpers import build

INTERNAL = (MODULE_TAG, DECORATOR_TAG, CONFIG_TAG)


def shape(dr, names) -> dict[str, Any]:
    """What must match: type, dependencies (name, type, optional) and user tags per node."""
    nodes = dr.graph.nodes
    return {name: (nodes[name].type,
                   sorted((d.name, repr(d.type), d.optional) for d in nodes[name].dependencies),
                   {k: v for k, v in nodes[name].tags.items() if k not in INTERNAL})
            for name in names}


def simple(values: dict) -> dict:
    return {k: v.tolist() if isinstance(v, (pd.Series, pd.DataFrame)) else v
            for k, v in values.items()}


def assert_equivalent(decorated, hand_written, outputs, inputs, config=None):
    dr_dec, dr_hand = build(*decorated, config=config), build(*hand_written, config=config)
    function_nodes = {n for n, node in dr_dec.graph.nodes.items() if not node.is_external}
    hand_nodes = {n for n, node in dr_hand.graph.nodes.items() if not node.is_external}
    assert function_nodes == hand_nodes
    assert shape(dr_dec, function_nodes) == shape(dr_hand, function_nodes)
    assert simple(dr_dec.execute(outputs, inputs=inputs)) == simple(
        dr_hand.execute(outputs, inputs=inputs))
    return dr_dec


# -- parameterize + extract_columns ---------------------------------------------------------------

@extract_columns("left", "right")
@parameterize(split_frame={"n": source("seed"), "k": value(3)})
def frame_maker(n: int, k: int) -> pd.DataFrame:
    return pd.DataFrame({"left": [n], "right": [n * k]})


def split_frame(seed: int) -> pd.DataFrame:
    return pd.DataFrame({"left": [seed], "right": [seed * 3]})


def left(split_frame: pd.DataFrame) -> pd.Series:
    return split_frame["left"]


def right(split_frame: pd.DataFrame) -> pd.Series:
    return split_frame["right"]


def test_parameterize_then_extract_columns():
    dr = assert_equivalent([frame_maker], [split_frame, left, right], ["left", "right"],
                           {"seed": 2})
    assert dr.graph.nodes["left"].tags[DECORATOR_TAG] == "extract_columns"


@extract_columns("left", "right")
@parameterize(one={"k": value(1)}, two={"k": value(2)})
def two_frames(k: int) -> pd.DataFrame:
    return pd.DataFrame({"left": [k], "right": [k]})


def test_parameterize_into_many_then_extract_columns_is_a_collision_error():
    from dataflow.errors import DecoratorError

    with pytest.raises(DecoratorError, match="collide.*parameterize_extract_columns"):
        build(two_frames)


# -- inject + parameterize ------------------------------------------------------------------------

@parameterize(scaled_a={"v": source("a")}, scaled_b={"v": source("b")})
@inject(factor=value(10))
def scaled(v: int, factor: int, offset: int) -> int:
    return v * factor + offset


def scaled_a(a: int, offset: int) -> int:
    return a * 10 + offset


def scaled_b(b: int, offset: int) -> int:
    return b * 10 + offset


def test_inject_and_parameterize():
    assert_equivalent([scaled], [scaled_a, scaled_b], ["scaled_a", "scaled_b"],
                      {"a": 1, "b": 2, "offset": 3})


# -- does + extract_columns, does + parameterize --------------------------------------------------

def _frame_of(**columns: int) -> pd.DataFrame:
    return pd.DataFrame({k: [v] for k, v in columns.items()})


@extract_columns("col_p", "col_q")
@does(_frame_of, col_p="p", col_q="q")
def pq_frame(p: int, q: int) -> pd.DataFrame:
    """Frame of p and q."""


def pq_frame_hand(p: int, q: int) -> pd.DataFrame:
    return pd.DataFrame({"col_p": [p], "col_q": [q]})


def col_p(pq_frame: pd.DataFrame) -> pd.Series:
    return pq_frame["col_p"]


def col_q(pq_frame: pd.DataFrame) -> pd.Series:
    return pq_frame["col_q"]


def test_does_and_extract_columns():
    pq_frame_hand.__name__ = "pq_frame"
    assert_equivalent([pq_frame], [pq_frame_hand, col_p, col_q], ["col_p", "col_q"],
                      {"p": 1, "q": 2})


def _add(x: int, y: int) -> int:
    return x + y


@parameterize(add_one={"y": value(1)}, add_two={"y": value(2)})
@does(_add)
def adder(x: int, y: int) -> int:
    pass


def add_one(x: int) -> int:
    return x + 1


def add_two(x: int) -> int:
    return x + 2


def test_does_and_parameterize():
    assert_equivalent([adder], [add_one, add_two], ["add_one", "add_two"], {"x": 5})


# -- tag with target_ + expanders -----------------------------------------------------------------

@tag(team="ds", target_=["t_a", "t_b"])
@tag(level="frame", target_="tagged_frame")
@extract_columns("t_a", "t_b")
def tagged_frame(seed: int) -> pd.DataFrame:
    return pd.DataFrame({"t_a": [seed], "t_b": [seed + 1]})


def test_tag_targets_on_extract_columns():
    nodes = build(tagged_frame).graph.nodes
    assert nodes["t_a"].tags["team"] == "ds" and nodes["t_b"].tags["team"] == "ds"
    assert "team" not in nodes["tagged_frame"].tags
    assert nodes["tagged_frame"].tags["level"] == "frame"


@tag(kind="param", target_=...)
@parameterize(pa={"v": value(1)}, pb={"v": value(2)})
def tagged_param(v: int) -> int:
    return v


@tag(kind="param")
def pa() -> int:
    return 1


@tag(kind="param")
def pb() -> int:
    return 2


def test_tag_all_parameterized_outputs():
    assert_equivalent([tagged_param], [pa, pb], ["pa", "pb"], {})


# -- config.when + parameterize / extract_columns -------------------------------------------------

@config.when(kind="fast")
@parameterize(speed_low={"v": value(1)}, speed_high={"v": value(9)})
def speed__fast(v: int) -> int:
    return v * 100


@config.when(kind="slow")
@parameterize(speed_low={"v": value(1)}, speed_high={"v": value(9)})
def speed__slow(v: int) -> int:
    return v


def speed_low() -> int:
    return 100


def speed_high() -> int:
    return 900


def test_config_when_and_parameterize():
    assert_equivalent([speed__fast, speed__slow], [speed_low, speed_high],
                      ["speed_low", "speed_high"], {}, config={"kind": "fast"})
    dr = build(speed__fast, speed__slow, config={"kind": "slow"})
    assert dr.execute(["speed_high"]) == {"speed_high": 9}


# -- extract_fields + tag_outputs, unpack_fields + inject -----------------------------------------

@tag_outputs(ef_a={"unit": "m"}, ef_b={"unit": "s"})
@extract_fields({"ef_a": int, "ef_b": int})
def ef(seed: int) -> dict:
    return {"ef_a": seed, "ef_b": seed * 2}


def ef_hand(seed: int) -> dict:
    return {"ef_a": seed, "ef_b": seed * 2}


@tag(unit="m")
def ef_a(ef: dict) -> int:
    return ef["ef_a"]


@tag(unit="s")
def ef_b(ef: dict) -> int:
    return ef["ef_b"]


def test_extract_fields_and_tag_outputs():
    ef_hand.__name__ = "ef"
    assert_equivalent([ef], [ef_hand, ef_a, ef_b], ["ef_a", "ef_b"], {"seed": 4})


@unpack_fields("u_first", "u_second")
@inject(base_value=source("seed"))
def unpacked(base_value: int) -> tuple[int, int]:
    return base_value, base_value + 1


def test_inject_and_unpack_fields():
    dr = build(unpacked)
    assert dr.execute(["u_first", "u_second"], inputs={"seed": 1}) == {"u_first": 1,
                                                                      "u_second": 2}
    assert [d.name for d in dr.graph.nodes["unpacked"].dependencies] == ["seed"]


# -- with part-2 decorators (pipe_output, check_output) -------------------------------------------

def _double(v: int) -> int:
    return v * 2


@pipe_output(step(_double))
@parameterize(po_a={"v": source("a")})
def piped(v: int) -> int:
    return v + 1


def test_parameterize_then_pipe_output():
    dr = build(piped)
    assert dr.execute(["po_a"], inputs={"a": 1}) == {"po_a": 4}


@check_output(range=(0, 10), importance="fail")
@parameterize(checked_a={"v": source("a")})
def checked(v: int) -> int:
    return v


def test_parameterize_then_check_output():
    dr = build(checked)
    assert dr.execute(["checked_a"], inputs={"a": 3}) == {"checked_a": 3}
    with pytest.raises(DataValidationError):
        dr.execute(["checked_a"], inputs={"a": 30})


@parameterize(m_a={"v": value(1)}, m_b={"v": value(2)})
def mutated(v: int) -> int:
    return v * 10


@mutate(mutated)
def _plus_one(x: int) -> int:
    return x + 1


def test_mutate_applies_to_every_parameterized_output():
    dr = build(mutated, _plus_one)
    assert dr.execute(["m_a", "m_b"]) == {"m_a": 11, "m_b": 21}
    assert {"m_a.raw", "m_b.raw"} <= set(dr.graph.nodes)
    assert mutated(3) == 30 and _plus_one(1) == 2


@extract_columns("sa", "sb")
def inner_frame(seed: int) -> pd.DataFrame:
    return pd.DataFrame({"sa": [seed], "sb": [seed * 2]})


@subdag(inner_frame, inputs={"seed": source("outer_seed")})
def from_sub(sa: pd.Series, sb: pd.Series) -> int:
    return int(sa.sum() + sb.sum())


def test_subdag_of_an_extract_columns_function():
    dr = build(from_sub)
    assert dr.execute(["from_sub"], inputs={"outer_seed": 2}) == {"from_sub": 6}
    sa = dr.graph.nodes["from_sub.sa"]
    assert sa.tags[DECORATOR_TAG] == "subdag"  # the subdag namespace owns the column node
    assert [d.name for d in sa.dependencies] == ["from_sub.inner_frame"]


# -- hypothesis: inject + parameterize equals hand-written -----------------------------------------

names = st.from_regex(r"o[a-z0-9]{0,6}", fullmatch=True)
bindings = st.sampled_from(["up1", "up2"]).map(source) | st.integers(-5, 5).map(value)


@given(st.dictionaries(names, bindings, min_size=1, max_size=5), st.integers(-9, 9),
       st.integers(-9, 9), st.integers(-9, 9))
def test_inject_plus_parameterize_matches_direct_evaluation(spec, injected, up1, up2):
    def combine(a: int, b: int) -> int:
        return a * 100 + b

    decorated = parameterize(**{out: {"a": binding} for out, binding in spec.items()})(
        inject(b=value(injected))(combine))
    dr = build(decorated)
    upstream = {"up1": up1, "up2": up2}
    expected = {out: (upstream[b.source] if hasattr(b, "source") else b.value) * 100 + injected
                for out, b in spec.items()}
    assert dr.execute(list(spec), inputs=upstream) == expected
