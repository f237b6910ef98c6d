"""``check_output(model=...)`` and ``plugins.h_pydantic.check_output()``: pydantic models check
model instances and dicts strictly, list every field error at once, never change the value;
compared with Hamilton 1.90 on the same functions."""

from __future__ import annotations

import pydantic
import pytest

from dataflow import ad_hoc_utils, driver
from dataflow.data_quality import DataValidationError, ValidationResultsCollector
from dataflow.errors import DataflowError
from dataflow.function_modifiers import check_output
from plugins import h_pydantic


class Quote(pydantic.BaseModel):
    units: int
    price: float
    region: str


class Order(pydantic.BaseModel):
    quote: Quote
    note: str = pydantic.Field(alias="comment")


def _run(*functions, outputs):  # type: ignore[no-untyped-def]
    collector = ValidationResultsCollector()
    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(*functions))
          .with_adapters(collector).build())
    return dr.execute(outputs), collector


def _hamilton_run(*functions, outputs):  # type: ignore[no-untyped-def]
    from hamilton import ad_hoc_utils as hamilton_utils
    from hamilton import driver as hamilton_driver

    module = hamilton_utils.create_temporary_module(*functions)
    return hamilton_driver.Builder().with_modules(module).build().execute(outputs)


def _hamilton_functions():  # type: ignore[no-untyped-def]
    from hamilton.function_modifiers import check_output as hamilton_check
    from hamilton.plugins import h_pydantic as hamilton_pydantic

    @hamilton_pydantic.check_output()
    def good() -> Quote:
        return Quote(units=1, price=2.0, region="eu")

    @hamilton_check(model=Quote)
    def as_dict() -> dict:
        return {"units": "1", "price": 2.0}

    @hamilton_pydantic.check_output()
    def constructed() -> Quote:
        return Quote.model_construct(units="1", price=2.0, region=None)

    return good, as_dict, constructed


def _our_functions():  # type: ignore[no-untyped-def]
    @h_pydantic.check_output()
    def good() -> Quote:
        return Quote(units=1, price=2.0, region="eu")

    @check_output(model=Quote)
    def as_dict() -> dict:
        return {"units": "1", "price": 2.0}

    @h_pydantic.check_output()
    def constructed() -> Quote:
        return Quote.model_construct(units="1", price=2.0, region=None)

    return good, as_dict, constructed


VALIDATORS = ["good_pydantic_validator", "as_dict_pydantic_validator",
              "constructed_pydantic_validator"]


def test_node_names_and_verdicts_match_hamiltons_except_for_constructed_instances() -> None:
    theirs = _hamilton_run(*_hamilton_functions(), outputs=VALIDATORS)
    ours, _ = _run(*_our_functions(), outputs=VALIDATORS)
    assert ours["good_pydantic_validator"].passes is theirs["good_pydantic_validator"].passes
    assert ours["as_dict_pydantic_validator"].passes is False
    assert theirs["as_dict_pydantic_validator"].passes is False
    # pydantic-instances-checked-field-by-field
    assert theirs["constructed_pydantic_validator"].passes is True
    assert ours["constructed_pydantic_validator"].passes is False


def test_every_field_error_is_listed_at_once_with_the_node() -> None:
    @check_output(model=Quote, importance="fail")
    def quote() -> dict:
        return {"units": "1", "price": 2.0}

    with pytest.raises(DataValidationError) as caught:
        _run(quote, outputs=["quote"])
    message = str(caught.value)
    assert "node 'quote', 'quote_pydantic_validator': 2 problem(s)" in message
    assert "units: Input should be a valid integer (got '1')" in message  # strict: no coercion
    assert "region: Field required" in message
    problems = caught.value.failures[0].result.diagnostics["problems"]
    assert [p["field"] for p in problems] == ["units", "region"]


def test_an_instance_is_checked_field_by_field() -> None:
    @h_pydantic.check_output(importance="fail")
    def quote() -> Quote:
        quote = Quote(units=1, price=2.0, region="eu")
        quote.units = "many"  # type: ignore[assignment]  # no validate_assignment
        return quote

    with pytest.raises(DataValidationError, match=r"units: Input should be a valid integer"):
        _run(quote, outputs=["quote"])


def test_nested_models_and_aliases_are_checked() -> None:
    @h_pydantic.check_output(importance="fail")
    def order() -> Order:
        return Order(quote=Quote(units=1, price=2.0, region="eu"), comment="ok")

    @check_output(model=Order, importance="fail")
    def bad_order() -> dict:
        return {"quote": {"units": 1, "price": "2", "region": "eu"}, "comment": "x"}

    out, collector = _run(order, outputs=["order"])
    assert out["order"].note == "ok" and collector.results["order_pydantic_validator"].passes
    with pytest.raises(DataValidationError, match=r"quote\.price: Input should be a valid"):
        _run(bad_order, outputs=["bad_order"])


def test_the_value_flows_on_unchanged() -> None:
    returned = {"units": 1, "price": 2.0, "region": "eu"}
    seen = {}

    @check_output(model=Quote, importance="fail")
    def quote() -> dict:
        return returned

    def downstream(quote: dict) -> int:
        seen["quote"] = quote
        return len(quote)

    out, collector = _run(quote, downstream, outputs=["downstream"])
    assert collector.results["quote_pydantic_validator"].passes
    assert seen["quote"] is returned and returned == {"units": 1, "price": 2.0, "region": "eu"}


def test_a_value_of_another_type_fails_without_raising_inside_the_validator() -> None:
    @check_output(model=Quote)
    def quote() -> dict:
        return ["not", "a", "dict"]  # type: ignore[return-value]

    _, collector = _run(quote, outputs=["quote"])
    result = collector.results["quote_pydantic_validator"]
    assert not result.passes and "got list" in result.message


def test_h_pydantic_on_a_non_model_annotation_is_refused_at_build() -> None:
    @h_pydantic.check_output()
    def plain() -> dict:
        return {}

    with pytest.raises(DataflowError, match=r"node 'plain' is annotated dict, not a pydantic "
                                            r"model"):
        _run(plain, outputs=["plain"])


def test_model_must_be_a_pydantic_model_and_applies_to_models_and_dicts() -> None:
    @check_output(model=dict)
    def quote() -> dict:
        return {}

    @check_output(model=Quote)
    def count() -> int:
        return 1

    with pytest.raises(DataflowError, match=r"model= takes a pydantic BaseModel subclass"):
        _run(quote, outputs=["quote"])
    with pytest.raises(DataflowError, match=r"model= does not apply to node 'count'"):
        _run(count, outputs=["count"])
