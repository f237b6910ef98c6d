"""Code versions: comments, docstrings and whitespace do not count; code and decorator
parameters do; two different functions never share one (Hamilton #1242)."""

from __future__ import annotations

import types
from pathlib import Path

from dataflow import driver
from tests.caching.helpers import load_module


def _versions(tmp_path: Path, source: str) -> dict[str, str]:
    module = load_module(tmp_path, source)
    dr = driver.Builder().with_modules(module).with_cache(path=tmp_path / "c").build()
    return {name: dr.cache.version_code(name) for name, node in dr.graph.nodes.items()
            if node.fn is not None}


def test_comments_docstrings_and_whitespace_do_not_count(tmp_path: Path) -> None:
    plain = _versions(tmp_path, "def a(x: int) -> int:\n    return x + 1\n")
    dressed = _versions(tmp_path, 'def a(x: int) -> int:\n    """Add one."""\n\n'
                                  "    # the increment\n    return   x+1   # here\n")
    assert plain["a"] == dressed["a"]
    changed = _versions(tmp_path, "def a(x: int) -> int:\n    return x + 2\n")
    assert changed["a"] != plain["a"]


def test_two_functions_with_the_same_body_never_share_a_version(tmp_path: Path) -> None:
    versions = _versions(tmp_path, "def a(x: int) -> int:\n    return x\n\n"
                                   "def b(x: int) -> int:\n    return x\n")
    assert versions["a"] != versions["b"]


def test_decorator_parameters_count(tmp_path: Path) -> None:
    source = ("from dataflow.function_modifiers import parameterize, value\n"
              "K = {K}\n"
              "@parameterize(p1={{'k': value(K)}}, p2={{'k': value(2)}})\n"
              "def p(k: int) -> int:\n    return k\n")
    one = _versions(tmp_path, source.format(K=1))
    three = _versions(tmp_path, source.format(K=3))
    assert one["p1"] != one["p2"]
    assert one["p1"] != three["p1"]  # the value comes from a module constant, not the source


def test_functions_without_source_still_get_a_version() -> None:
    from dataflow.caching.code_version import code_version

    namespace: dict[str, object] = {}
    exec("def f(x):\n    return x + 1\n", namespace)  # no file: no source to read
    g: dict[str, object] = {}
    exec("def f(x):\n    return x + 2\n", g)
    f1, f2 = namespace["f"], g["f"]
    assert isinstance(f1, types.FunctionType) and isinstance(f2, types.FunctionType)
    assert code_version("f", f1, (f1,)) != code_version("f", f2, (f2,))
