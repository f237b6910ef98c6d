"""One minimal reproducer per finding: the smallest Hamilton module, config and request that
show dataflow differing from Apache Hamilton 1.90 where it should not.

Each test is a strict xfail expecting :class:`tests.compat.findings.KnownFinding`: it raises
that while the bug is there, fails for real on any other difference, and passes (so strict
xfail fails the run) once the bug is fixed — then remove the marker and the finding's entry.
The module text is written to a temporary file and imported under both roots, as a user's
ported file would be.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from tests.compat.differential import (
    Request,
    build_difference,
    build_twins,
    compare_structure,
    node_views,
    request_differences,
    run_both,
    twins_from_source,
)
from tests.compat.findings import open_findings, settle, xfail


@dataclass(frozen=True)
class Reproducer:
    """Hamilton module ``source`` + ``config`` + the request ``outputs`` with ``inputs``."""

    finding: str
    source: str
    outputs: tuple[str, ...] = ()
    inputs: Callable[[], dict[str, Any]] = dict
    config: dict[str, Any] = field(default_factory=dict)
    build_refused_by_both: bool = False
    """Hamilton refuses this module: dataflow must refuse it too."""
    also: tuple[str, ...] = ()
    """Other findings the module cannot help showing."""

    def differences(self, tmp_path: Any) -> list[str]:
        source = textwrap.dedent(self.source)
        twins = twins_from_source(source, tmp_path / "reproducer.py", self.config)
        if self.build_refused_by_both:
            assert twins.hamilton.error is not None, "Hamilton builds this module"
            return ([] if twins.dataflow.error is not None
                    else ["dataflow builds; the case expects both to refuse"])
        differences = build_difference(twins)
        if twins.both_built:
            differences += compare_structure(twins).differences
            if self.outputs:
                request = Request(self.outputs, self.inputs)
                differences += request_differences(twins, request).differences
        return differences


REPRODUCERS = (
    Reproducer("F-config-named-like-function", """
        def horizon() -> int:
            return 7

        def lagged(horizon: int) -> int:
            return horizon * 10
        """, outputs=("lagged",), config={"horizon": 3}),
    Reproducer("F-input-requested-without-consumer", """
        def a(x: int) -> int:
            return x
        """, outputs=("unused",), inputs=lambda: {"x": 1, "unused": 2}),
    Reproducer("F-optional-input-requested", """
        def with_default(x: int, y: int = 5) -> int:
            return x + y
        """, outputs=("with_default", "y"), inputs=lambda: {"x": 1}),
    Reproducer("F-none-for-none-default", """
        def with_none_default(x: int, z: int = None) -> int:
            return x if z is None else x + z
        """, outputs=("with_none_default",), inputs=lambda: {"x": 1, "z": None}),
    Reproducer("F-none-for-none-default", """
        def with_none_default(x: int, z: int = None) -> int:
            return x if z is None else x + z
        """, outputs=("with_none_default",), inputs=lambda: {"x": 1}, config={"z": None}),
    Reproducer("F-non-identifier-columns", """
        import pandas as pd
        from hamilton.function_modifiers import extract_columns

        @extract_columns("Tax Rate", "2023")
        def table(raw: pd.DataFrame) -> pd.DataFrame:
            return raw
        """, outputs=("Tax Rate",),
        inputs=lambda: {"raw": pd.DataFrame({"Tax Rate": [0.1], "2023": [1]})}),
    Reproducer("F-non-identifier-columns", """
        from hamilton.function_modifiers import extract_fields

        @extract_fields({"Field A": int})
        def fields(n: int) -> dict:
            return {"Field A": n}
        """, outputs=("Field A",), inputs=lambda: {"n": 1}),
    Reproducer("F-mutate-twice-same-name", """
        from hamilton.function_modifiers import mutate

        def spend() -> float:
            return 1.0

        @mutate(spend)
        def _adjust(s: float) -> float:
            return s + 1

        @mutate(spend)
        def _adjust(s: float) -> float:
            return s * 10
        """, outputs=("spend",)),
    Reproducer("F-int-to-float-edge", """
        def count() -> int:
            return 3

        def half(count: float) -> float:
            return count / 2
        """, build_refused_by_both=True),
    Reproducer("F-no-return-annotation", """
        def unannotated(x: int):
            return x
        """, build_refused_by_both=True),
    Reproducer("F-module-level-lambda", """
        doubled = lambda x: x * 2
        """, build_refused_by_both=True),
    Reproducer("F-schema-output-non-dataframe", """
        from hamilton.function_modifiers import schema

        @schema.output(("c", "int"))
        def tagged(x: int) -> int:
            return x
        """, build_refused_by_both=True),
    Reproducer("F-parameterize-values-plain-keys", """
        from hamilton.function_modifiers import parameterize_values

        @parameterize_values(parameter="k", assigned_output={"times_2": 2})
        def times(x: int, k: int) -> int:
            return x * k
        """, build_refused_by_both=True),
    Reproducer("F-config-tag", """
        from hamilton.function_modifiers import config

        @config.when(region="eu")
        def tax__eu(x: float) -> float:
            return x * 0.2
        """, config={"region": "eu"}),
    Reproducer("F-subdag-tags (the @subdag part, fixed)", """
        from hamilton.function_modifiers import source, subdag

        def inner(raw: int) -> int:
            return raw * 2

        @subdag(inner, inputs={"raw": source("seed")})
        def outer(inner: int) -> int:
            return inner + 1
        """),
    Reproducer("F-step-named-empty-name", """
        from hamilton.function_modifiers import pipe_output, step, value

        def _add(v: int, amount: int) -> int:
            return v + amount

        @pipe_output(step(_add, amount=value(1)).named(name="", namespace="ns"))
        def out(x: int) -> int:
            return x
        """, outputs=("out",), inputs=lambda: {"x": 1}),
    Reproducer("F-step-when-none", """
        from hamilton.function_modifiers import pipe_output, step, value

        def _add(v: int, amount: int) -> int:
            return v + amount

        @pipe_output(step(_add, amount=value(100)).when(a=None))
        def piped(x: int) -> int:
            return x
        """, outputs=("piped",), inputs=lambda: {"x": 1}),
    Reproducer("F-step-naming-after-named", """
        from hamilton.function_modifiers import pipe_output, step, value

        def _scale(v: float, factor: float) -> float:
            return v * factor

        @pipe_output(step(_scale, factor=value(2.0)).named("first"),
                     step(_scale, factor=value(3.0)))
        def out(x: float) -> float:
            return x
        """, outputs=("out.with_scale_1",), inputs=lambda: {"x": 1.0}),
    Reproducer("F-hamilton-submodule-paths", """
        from hamilton.function_modifiers.configuration import config

        @config.when(flavour="a")
        def chosen__a(x: int) -> int:
            return x
        """, config={"flavour": "a"}),
    Reproducer("F-with-columns-non-series-node", """
        import pandas as pd
        from hamilton.plugins.h_pandas import with_columns

        def total(spend: pd.Series) -> float:
            return float(spend.sum())

        def doubled(spend: pd.Series) -> pd.Series:
            return spend * 2

        @with_columns(total, doubled, columns_to_pass=["spend"], namespace="ns")
        def enriched(raw_df: pd.DataFrame) -> pd.DataFrame:
            return raw_df
        """, outputs=("ns.total", "enriched"),
        inputs=lambda: {"raw_df": pd.DataFrame({"spend": [1.0, 2.0]})}),
    Reproducer("F-with-columns-append-deps", """
        import pandas as pd
        from hamilton.plugins.h_pandas import with_columns

        def doubled(spend: pd.Series) -> pd.Series:
            return spend * 2

        @with_columns(doubled, columns_to_pass=["spend"], namespace="ns")
        def enriched(raw_df: pd.DataFrame) -> pd.DataFrame:
            return raw_df
        """, outputs=("enriched",),
        inputs=lambda: {"raw_df": pd.DataFrame({"spend": [1.0, 2.0]})}),
    Reproducer("F-temporary-module-tag", """
        from hamilton.ad_hoc_utils import create_temporary_module
        from hamilton.function_modifiers import subdag

        def doubled(x: int) -> int:
            return x * 2

        inner = create_temporary_module(doubled, module_name="inner_functions")

        @subdag(inner)
        def outer(doubled: int) -> int:
            return doubled + 1
        """),
    Reproducer("F-validator-diagnostics", """
        from hamilton.function_modifiers import check_output

        @check_output(values_in=["a", "b"], importance="warn")
        def label(raw_label: str) -> str:
            return raw_label
        """, outputs=("label_values_in_validator",), inputs=lambda: {"raw_label": "a"}),
)


@pytest.mark.parametrize("reproducer", [
    pytest.param(r, id=f"{r.finding}-{i}",
                 marks=[xfail(*found)] if (found := open_findings(r.finding, *r.also)) else [])
    for i, r in enumerate(REPRODUCERS)])
def test_reproducer(reproducer: Reproducer, tmp_path: Any) -> None:
    """Open findings are strict xfails; a fixed finding's reproducer stays as a regression
    test that dataflow now agrees with Hamilton."""
    settle(reproducer.differences(tmp_path), open_findings(reproducer.finding, *reproducer.also))


def test_override_typo_is_refused(tmp_path: Any) -> None:
    """Intended difference override-typos-refused: Hamilton ignores ``overrides={'demnad':
    ...}``; dataflow must refuse it and suggest ``demand``."""
    twins = twins_from_source(textwrap.dedent("""
        def demand(x: int) -> int:
            return x + 1

        def total(demand: int) -> int:
            return demand * 2
        """), tmp_path / "typo.py")
    request = Request(("total",), lambda: {"x": 1}, lambda: {"demnad": 100})
    ours, theirs = run_both(twins, request)
    assert theirs.error is None and theirs.value == {"total": 4}, theirs.describe()
    assert ours.error is not None, f"dataflow returns {ours.value!r} for a misspelt override"
    assert "demand" in str(ours.error), f"no did-you-mean in: {ours.error}"


def test_decorating_an_imported_function_keeps_its_node() -> None:
    """Intended difference decorator-does-not-mutate-shared-function (Hamilton's #1281):
    ``b = parameterize(b={"x": value(10)})(base.a)`` in one module must leave ``base.a``'s
    node ``a`` in a driver built with both modules. Hamilton loses it."""
    twins = build_twins(["tests.compat.resources.shared_function_base",
                         "tests.compat.resources.shared_function_user"],
                        source_root="hamilton")
    assert twins.both_built, build_difference(twins)
    assert "a" not in node_views(twins.hamilton.driver), "Hamilton keeps `a`: #1281 is fixed"
    assert "a" in node_views(twins.dataflow.driver), "dataflow lost node 'a' (#1281)"
    request = Request(("a", "b"), lambda: {"x": 1})
    outcome = request.run(twins.dataflow.driver)
    assert outcome.error is None and outcome.value == {"a": 2, "b": 11}, outcome.describe()


def test_input_checked_against_the_consumers_that_run(tmp_path: Any) -> None:
    """Intended difference input-types-per-consumer: Hamilton checks ``x`` against one
    graph-wide type (the narrowest, ``int``) and refuses ``x="text"`` even for a request that
    runs only ``as_text``; dataflow checks against the consumers each request runs."""
    twins = twins_from_source(textwrap.dedent("""
        def as_int(x: int) -> int:
            return x

        def as_text(x: object) -> str:
            return str(x)
        """), tmp_path / "two_types.py")
    assert twins.both_built, build_difference(twins)
    theirs = Request(("as_text",), lambda: {"x": "text"}).run(twins.hamilton.driver)
    assert theirs.error is not None, "Hamilton now checks per consumer: drop the difference"
    driver = twins.dataflow.driver
    refused = Request(("as_int",), lambda: {"x": "text"}).run(driver)
    assert refused.error is not None and "as_int" in str(refused.error), refused.describe()
    assert Request(("as_int",), lambda: {"x": 1}).run(driver).value == {"as_int": 1}
    outcome = Request(("as_text",), lambda: {"x": "text"}).run(driver)
    assert outcome.error is None and outcome.value == {"as_text": "text"}, outcome.describe()
