"""Stages 1 and 2: which functions define nodes, and how signatures become nodes."""

from __future__ import annotations

import dataclasses
import inspect
import typing

import pandas as pd
import pytest

from dataflow import ad_hoc_utils
from dataflow.collect import EXCLUDE_ATTRIBUTE, functions_of
from dataflow.errors import InvalidFunctionError
from dataflow.node import MODULE_TAG, NodeRole
from dataflow.resolve import nodes_from_function
from dataflow.signatures import node_from_signature, plain_node, read_signature
from tests.core import sample_module


def test_collects_public_functions_defined_in_the_module_in_definition_order():
    names = [fn.__name__ for fn in functions_of(sample_module)]
    assert names == [
        "spend", "signups", "spend_per_signup", "spend_mean", "spend_zero_mean", "scaled_spend",
    ]


def test_imported_and_private_functions_are_skipped():
    names = {fn.__name__ for fn in functions_of(sample_module)}
    assert "imported_function" not in names
    assert "_private_helper" not in names


def test_excluded_function_is_skipped():
    def kept() -> int:
        return 1

    def skipped() -> int:
        return 2

    setattr(skipped, EXCLUDE_ATTRIBUTE, True)
    module = ad_hoc_utils.create_temporary_module(kept, skipped)
    assert [fn.__name__ for fn in functions_of(module)] == ["kept"]


def test_signature_becomes_node_with_resolved_future_annotations():
    (node,) = nodes_from_function(sample_module.spend_per_signup, {})
    assert node.name == "spend_per_signup"
    assert node.type is pd.Series  # resolved despite `from __future__ import annotations`
    assert [(d.name, d.type, d.optional) for d in node.dependencies] == [
        ("spend", pd.Series, False), ("signups", pd.Series, False),
    ]
    assert node.doc == "Cost of acquiring one customer."
    assert node.role is NodeRole.FUNCTION
    assert node.tags[MODULE_TAG] == "tests.core.sample_module"
    assert node.origin is not None
    assert node.origin.file.endswith("sample_module.py")
    assert node.origin.line == inspect.getsourcelines(sample_module.spend_per_signup)[1]


def test_parameter_with_default_is_an_optional_dependency():
    (node,) = nodes_from_function(sample_module.scaled_spend, {})
    assert node.required_dependencies == ("spend",)
    assert node.optional_dependencies == ("scale",)


def test_missing_parameter_annotations_mean_any():
    def untyped(a, b=1) -> int:
        return a

    (node,) = nodes_from_function(untyped, {})
    assert [str(d.type) for d in node.dependencies] == ["typing.Any", "typing.Any"]
    assert node.type is int


def _var_positional(*values: int) -> int:
    return sum(values)


def _var_keyword(**values: int) -> int:
    return sum(values.values())


def _positional_only(a: int, /) -> int:
    return a


@pytest.mark.parametrize(
    ("fn", "fragment"),
    [
        (_var_positional, "*values cannot name a dependency"),
        (_var_keyword, "**values cannot name a dependency"),
        (_positional_only, "positional-only parameter 'a'"),
    ],
)
def test_invalid_parameters_are_rejected_with_file_and_line(fn, fragment):
    with pytest.raises(InvalidFunctionError) as caught:
        nodes_from_function(fn, {})
    message = str(caught.value)
    assert fragment in message
    assert f"test_collect_resolve.py:{fn.__code__.co_firstlineno}" in message


def test_unresolvable_annotation_names_the_function():
    module = ad_hoc_utils.module_from_source(
        "from __future__ import annotations\n"
        "def broken(x: NotDefinedAnywhere) -> int:\n"
        "    return 1\n"
    )
    with pytest.raises(InvalidFunctionError) as caught:
        nodes_from_function(module.broken, {})
    assert "broken" in str(caught.value)
    assert "NotDefinedAnywhere" in str(caught.value)


def test_async_function_is_marked():
    async def fetched(url: str) -> str:
        return url

    (node,) = nodes_from_function(fetched, {})
    assert node.is_async


def _plain_cases():
    def annotated(a: int, b: pd.Series, c: float = 1.0, *, d: str = "x", e: list[int]) -> float:
        """Doc
           indented."""
        return 0.0

    def bare(a, b=2) -> typing.Any:
        return a

    async def waits(a: int) -> int:
        return a

    def nothing() -> None:
        return None

    return [annotated, bare, waits, nothing, *functions_of(sample_module)]


@pytest.mark.parametrize("fn", _plain_cases(), ids=lambda fn: fn.__name__)
def test_fast_plain_path_builds_the_same_node_as_the_general_path(fn):
    fast = plain_node(fn)
    general = node_from_signature(fn, read_signature(fn), fn.__name__)
    assert fast is not None
    for field in ("name", "type", "fn", "dependencies", "role", "doc", "origin",
                  "originating_functions", "is_async"):
        assert getattr(fast, field) == getattr(general, field), field
    assert dict(fast.tags) == dict(general.tags) == {MODULE_TAG: fn.__module__}
    # built by the fast constructors, the node and its parts are still frozen and hashable
    for frozen in (fast, fast.origin, *fast.dependencies):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(frozen, dataclasses.fields(frozen)[0].name, "changed")
    assert hash(fast.origin) == hash(general.origin)
    assert {*fast.dependencies} == {*general.dependencies}


def test_fast_plain_path_leaves_unusual_functions_to_the_general_path():
    import functools

    def star(*values: int) -> int:
        return 0

    def undefined(a: NoSuchType) -> int:  # type: ignore[name-defined]  # noqa: F821
        return 0

    @functools.wraps(undefined)
    def wrapper(*args, **kwargs):
        return 0

    def unannotated_return(a: int):
        return a

    for fn in (star, undefined, wrapper, len, unannotated_return):
        assert plain_node(fn) is None


def test_a_public_module_level_lambda_is_refused_naming_module_and_line():
    module = ad_hoc_utils.module_from_source(
        "def kept(x: int) -> int:\n    return x\n\n"
        "feature = lambda x: x + 1\n"
        "_helper = lambda x: x\n",
        module_name="lambda_features",
    )
    with pytest.raises(InvalidFunctionError) as caught:
        functions_of(module)
    message = str(caught.value)
    assert "lambda_features.feature (<lambda_features>:4) is a lambda" in message
    assert "def feature(param: T) -> R" in message
    with pytest.raises(InvalidFunctionError, match="is a lambda"):
        functions_of(ad_hoc_utils.create_temporary_module(lambda x: x))


def test_a_function_without_return_annotation_is_refused_as_in_hamilton():
    def untyped(a: int):
        return a

    with pytest.raises(InvalidFunctionError) as caught:
        nodes_from_function(untyped, {})
    message = str(caught.value)
    assert "'untyped' has no return annotation" in message
    assert f"test_collect_resolve.py:{untyped.__code__.co_firstlineno}" in message
    assert "def untyped(...) -> T:" in message
