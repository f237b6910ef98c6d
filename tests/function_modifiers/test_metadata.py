"""tag / tag_outputs / schema.output / cache: tags land on the right nodes; misuse is refused."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow.errors import DecoratorError
from dataflow.function_modifiers import (
    cache,
    extract_columns,
    extract_fields,
    schema,
    tag,
    tag_outputs,
)
from dataflow.function_modifiers.metadata import SCHEMA_TAG
from dataflow.node import MODULE_TAG
from tests.function_modifiers.helpers import build, build_error


@tag(owner="growth", labels=["pii", "daily"])
def signups(raw: int) -> int:
    return raw


def test_tag_adds_tags_and_filters_variables():
    dr = build(signups)
    node = dr.graph.nodes["signups"]
    assert node.tags["owner"] == "growth" and node.tags["labels"] == ["pii", "daily"]
    assert node.tags[MODULE_TAG] == dr.graph_modules[0].__name__  # the temporary module
    assert [v.name for v in dr.list_available_variables(tag_filter={"owner": "growth"})] == [
        "signups"]
    assert dr.execute(["signups"], inputs={"raw": 4}) == {"signups": 4}


@tag(kind="column")
@tag(kind="frame", target_="frame_all")
@tag(everyone="yes", target_=...)
@extract_columns("c1", "c2")
def frame_all() -> pd.DataFrame:
    return pd.DataFrame({"c1": [1], "c2": [2]})


def test_tag_targets_final_all_and_named():
    nodes = build(frame_all).graph.nodes
    assert nodes["c1"].tags["kind"] == "column" and nodes["c2"].tags["kind"] == "column"
    assert nodes["frame_all"].tags["kind"] == "frame"
    assert all(nodes[n].tags["everyone"] == "yes" for n in ("c1", "c2", "frame_all"))


@tag_outputs(low={"unit": "int"}, high={"unit": "int", "extreme": "yes"})
@extract_fields({"low": int, "high": int})
def bounds(values: list[int]) -> dict:
    return {"low": min(values), "high": max(values)}


def test_tag_outputs_per_node():
    nodes = build(bounds).graph.nodes
    assert nodes["low"].tags["unit"] == "int" and "extreme" not in nodes["low"].tags
    assert nodes["high"].tags["extreme"] == "yes"
    assert "unit" not in nodes["bounds"].tags


@schema.output(("spend", "float"), ("signups", "int"))
@cache(behavior="disable", format="parquet")
def table() -> pd.DataFrame:
    return pd.DataFrame({"spend": [1.0], "signups": [1]})


def test_schema_and_cache_are_tags():
    dr = build(table)
    tags = dr.graph.nodes["table"].tags
    assert tags[SCHEMA_TAG] == "spend=float,signups=int"
    assert tags["cache.behavior"] == "disable" and tags["cache.format"] == "parquet"
    assert dr.execute(["table"])["table"]["spend"].tolist() == [1.0]


@tag(owner="x", target_="nope")
def bad_target(raw: int) -> int:
    return raw


@tag_outputs(missing={"k": "v"})
def bad_outputs(raw: int) -> int:
    return raw


def test_unknown_target_is_a_located_build_error():
    message = build_error(DecoratorError, "tag", bad_target)
    assert "'nope'" in message and "'bad_target'" in message
    assert "'missing'" in build_error(DecoratorError, "tag_outputs", bad_outputs)


def test_reserved_and_non_string_tags_are_refused():
    for key in ("dataflow.decorator", "hamilton.x", "module"):
        with pytest.raises(ValueError, match="reserved"):
            tag(**{key: "v"})
    assert tag(bypass_reserved_namespaces_=True, **{"hamilton.x": "v"}).tags
    with pytest.raises(ValueError, match="reserved"):
        tag(bypass_reserved_namespaces_=True, **{"dataflow.x": "v"})
    with pytest.raises(TypeError, match="str or a list of str"):
        tag(count=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str or a list of str"):
        tag_outputs(a={"k": [1]})
    with pytest.raises(TypeError, match="target_"):
        tag(k="v", target_=3)
    with pytest.raises(ValueError, match="behavior"):
        cache(behavior="sometimes")
    with pytest.raises(TypeError, match="name, type"):
        schema.output(("a",))  # type: ignore[arg-type]


@schema.output(("a", "int"))
def not_a_frame(raw: int) -> int:
    return raw


@schema.output(("c1", "int"))
@extract_columns("c1")
def columns_only(raw: int) -> pd.DataFrame:
    return pd.DataFrame({"c1": [raw]})


@schema.output(("c1", "int"), target_="framed")
@extract_columns("c1")
def framed(raw: int) -> pd.DataFrame:
    return pd.DataFrame({"c1": [raw]})


def test_schema_output_needs_a_dataframe_node_as_in_hamilton():
    message = build_error(DecoratorError, "schema.output", not_a_frame)
    assert "'not_a_frame' is annotated int" in message and "pd.DataFrame" in message
    message = build_error(DecoratorError, "schema.output", columns_only)
    assert "'c1' is annotated Series" in message and "target_=" in message
    assert build(framed).graph.nodes["framed"].tags[SCHEMA_TAG] == "c1=int"
    assert SCHEMA_TAG == "hamilton.internal.schema_output"
