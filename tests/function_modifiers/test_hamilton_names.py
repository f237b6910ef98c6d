"""Every public name of ``hamilton.function_modifiers`` that dataflow has the feature for is
importable from the same path, top level and submodule alike (a Hamilton module ports by
changing the import root), and Hamilton's deprecated names and errors behave as there."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

import pytest

import dataflow.function_modifiers as dfm
from dataflow.errors import DecoratorError
from tests.function_modifiers.helpers import build

hfm = pytest.importorskip("hamilton.function_modifiers")

SUBMODULES = ["adapters", "base", "configuration", "delayed", "dependencies", "expanders", "macros",
              "metadata", "recursive", "validation"]

NOT_PROVIDED = {
    # features dataflow does not have
    "dynamic_transform", "model",
    # Hamilton's module-level logging objects, not API
    "logger", "logging",
}


def test_every_public_name_of_hamiltons_package_is_here_but_the_listed_ones():
    public = {n for n in dir(hfm) if not n.startswith("_")}
    assert {n for n in public if not hasattr(dfm, n)} == NOT_PROVIDED


def _hamilton_homes() -> list[tuple[str, str]]:
    """``(submodule, name)`` for every name of Hamilton's package defined in a submodule."""
    homes = []
    for name in sorted(dir(hfm)):
        item = getattr(hfm, name)
        module = getattr(item, "__module__", None) or ""
        if not name.startswith("_") and not inspect.ismodule(item) and name not in NOT_PROVIDED \
                and module.startswith("hamilton.function_modifiers."):
            homes.append((module.rsplit(".", 1)[1], name))
    return homes


@pytest.mark.parametrize(("submodule", "name"), _hamilton_homes())
def test_each_name_imports_from_hamiltons_submodule_path(submodule, name):
    module = importlib.import_module(f"dataflow.function_modifiers.{submodule}")
    assert getattr(module, name) is getattr(dfm, name)


@pytest.mark.parametrize(("submodule", "name"), [
    ("configuration", "config"), ("configuration", "hamilton_exclude"),
    ("dependencies", "SingleDependency"), ("dependencies", "GroupedDependency"),
    ("dependencies", "ConfigDependency"), ("base", "InvalidDecoratorException"),
    ("base", "MissingConfigParametersException"), ("macros", "SingleTargetError"),
    ("recursive", "SubdagParams")])
def test_names_that_live_only_in_hamiltons_submodules(submodule, name):
    getattr(importlib.import_module(f"dataflow.function_modifiers.{submodule}"), name)
    getattr(importlib.import_module(f"hamilton.function_modifiers.{submodule}"), name)


def test_configuration_attribute_is_the_parameter_source_as_in_hamilton():
    assert dfm.configuration("k") == dfm.ConfigDependency("k")
    assert callable(hfm.configuration) and not inspect.ismodule(hfm.configuration)


def test_decorator_errors_are_catchable_as_invalid_decorator_exception():
    from dataflow.function_modifiers.base import InvalidDecoratorException

    with pytest.raises(InvalidDecoratorException):
        dfm.extract_columns()  # misuse found when decorating
    with pytest.raises(TypeError):  # and still a TypeError, as before
        dfm.extract_columns()

    @dfm.extract_columns("a")
    def not_a_frame() -> int:
        return 1

    with pytest.raises(InvalidDecoratorException) as caught:  # misuse found when building
        build(not_a_frame)
    assert isinstance(caught.value, DecoratorError) and isinstance(caught.value, ValueError)


def test_missing_config_is_hamiltons_missing_config_parameters_exception():
    @dfm.resolve(when=dfm.ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda cols: dfm.tag(x=cols))
    def needs_config() -> int:
        return 1

    with pytest.raises(dfm.MissingConfigParametersException, match="'cols'"):
        build(needs_config)


@pytest.mark.parametrize(("make", "equivalent"), [
    (lambda: dfm.parametrized_input("v", {"base": ("from_base", "doc a"),
                                          "x": ("from_x", "doc b")}),
     lambda: dfm.parameterize_sources(from_base={"v": "base"}, from_x={"v": "x"})),
    (lambda: dfm.parameterized_inputs(from_base={"v": "base"}, from_x={"v": "x"}),
     lambda: dfm.parameterize_sources(from_base={"v": "base"}, from_x={"v": "x"})),
    (lambda: dfm.parametrized("v", {("from_base", "doc a"): 2, ("from_x", "doc b"): 3}),
     lambda: dfm.parameterize_values("v", {("from_base", "doc a"): 2, ("from_x", "doc b"): 3})),
], ids=["parametrized_input", "parameterized_inputs", "parametrized"])
def test_deprecated_names_warn_and_expand_like_their_replacement(make, equivalent):
    def base(x: int) -> int:
        return x + 1

    def square() -> Callable[..., int]:
        def square(v: int) -> int:
            return v * v

        return square

    with pytest.warns(FutureWarning, match="deprecated") as warned:
        old = make()
    assert warned[0].filename == __file__  # points at the user's line
    new = equivalent()
    results = [build(base, decorator(square())).execute(["from_base", "from_x"], inputs={"x": 2})
               for decorator in (old, new)]
    assert results[0] == results[1]


def test_parametrized_input_refuses_what_hamilton_refuses():
    with pytest.warns(FutureWarning), pytest.raises(DecoratorError, match="output name"):
        dfm.parametrized_input("v", {"base": "from_base"})  # type: ignore[dict-item]


def test_data_validator_tag_names_are_hamiltons():
    assert dfm.IS_DATA_VALIDATOR_TAG == hfm.IS_DATA_VALIDATOR_TAG
    assert dfm.DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG == hfm.DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG
