"""does: success through real drivers, misuse (non-empty body, bad mappings) as located errors."""

from __future__ import annotations

import pytest

from dataflow.errors import DecoratorError
from dataflow.function_modifiers import does
from dataflow.marks import INSTRUCTIONS_ATTRIBUTE
from dataflow.node import DECORATOR_TAG
from tests.function_modifiers.helpers import build, build_error, location


def _sum_all(**values: int) -> int:
    return sum(values.values())


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator


@does(_sum_all)
def budget(marketing: int, sales: int) -> int:
    """Marketing plus sales."""


@does(_ratio, numerator="clicks", denominator="views")
def click_rate(clicks: float, views: float) -> float:
    ...


@does(_ratio)
def plain_ratio(numerator: float, denominator: float = 2.0) -> float:
    pass


def test_does_computes_with_replacing_function_and_keeps_declaration():
    dr = build(budget, click_rate, plain_ratio)
    assert dr.execute(["budget", "click_rate", "plain_ratio"],
                      inputs={"marketing": 2, "sales": 3, "clicks": 1.0, "views": 4.0,
                              "numerator": 3.0}) == {
        "budget": 5, "click_rate": 0.25, "plain_ratio": 1.5}
    node = dr.graph.nodes["click_rate"]
    assert [(d.name, d.type) for d in node.dependencies] == [("clicks", float), ("views", float)]
    assert node.type is float and node.tags[DECORATOR_TAG] == "does"
    assert dr.graph.nodes["budget"].doc == "Marketing plus sales."
    assert node.origin.location == location(click_rate)
    assert node.originating_functions == (click_rate,)
    assert not hasattr(_ratio, INSTRUCTIONS_ATTRIBUTE)  # the helper is never touched


@does(_sum_all)
def has_body(a: int) -> int:
    """Doc."""
    return a * 2


@does(_ratio, numerator="not_a_param")
def bad_mapping(clicks: float, denominator: float) -> float:
    pass


@does(_ratio)
def extra_param(numerator: float, denominator: float, extra: int) -> float:
    pass


@does(_ratio)
def missing_param(numerator: float) -> float:
    pass


@does(_ratio, nope="numerator")
def unknown_target(numerator: float, denominator: float) -> float:
    pass


def test_does_misuse_is_located():
    message = build_error(DecoratorError, "does", has_body)
    assert "empty body" in message and "_sum_all" in message
    assert "not_a_param" in build_error(DecoratorError, "does", bad_mapping)
    assert "'extra'" in build_error(DecoratorError, "does", extra_param)
    assert "'denominator'" in build_error(DecoratorError, "does", missing_param)
    assert "'nope'" in build_error(DecoratorError, "does", unknown_target)
    with pytest.raises(TypeError, match="function that computes"):
        does(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a str"):
        does(_ratio, numerator=1)  # type: ignore[arg-type]


def test_empty_body_check_reads_bytecode_so_exec_built_functions_are_checked():
    from dataflow.function_modifiers.delegation import body_is_empty

    namespace: dict = {}
    exec("def a(x):\n    '''doc'''\n\ndef b(x):\n    return x\n"
         "async def c(x):\n    ...\ndef d(x):\n    x\n", namespace)
    assert body_is_empty(namespace["a"]) and body_is_empty(namespace["c"])
    assert not body_is_empty(namespace["b"]) and not body_is_empty(namespace["d"])


@pytest.mark.parametrize(("source", "empty"), [
    ("async def f(x):\n    '''doc'''\n", True),
    ("async def f(x):\n    pass\n", True),
    ("async def f(x: int) -> int:\n    ...\n", True),
    ("async def f(x):\n    '''doc'''\n    pass\n", True),
    ("def f(x, *, y=1):\n    '''doc'''\n    ...\n", True),
    ("async def f(x):\n    return x\n", False),
    ("async def f(x):\n    await x\n", False),
    ("async def f(x):\n    x\n", False),
    ("def f(x):\n    yield\n", False),
    ("async def f(x):\n    yield x\n", False),
    ("def f(x):\n    return None\n", True),  # compiles like an empty body on every Python
])
def test_empty_body_check_holds_for_sync_and_async_on_this_python(source, empty):
    """Runs on every interpreter of the CI matrix: the check compares with a reference compiled
    by the running Python, so it does not depend on one version's bytecode."""
    from dataflow.function_modifiers.delegation import body_is_empty

    namespace: dict = {}
    exec(source, namespace)
    assert body_is_empty(namespace["f"]) is empty


def test_does_on_async_def_builds_and_runs():
    import asyncio

    async def _fetch(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    @does(_fetch)
    async def fetched(a: int, b: int) -> int:
        """Fetched total."""

    dr = build(fetched)
    assert dr.graph.nodes["fetched"].is_async
    assert dr.execute(["fetched"], inputs={"a": 1, "b": 2}) == {"fetched": 3}
