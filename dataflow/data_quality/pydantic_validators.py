"""``@check_output(model=...)``: a pydantic (v2) model checks a node's value.

Imported only when a ``model=`` check is declared (``dataflow[pydantic]``). The value may be an
instance of the model or a dict of its fields (as in Hamilton). Validation is strict (no
coercion: ``"1"`` is not an ``int``) and never changes the value: pydantic builds a new object
that is thrown away. An instance is checked field by field, so an instance made with
``model_construct`` or changed after construction is checked too (pydantic itself accepts any
instance of the model as is).
"""

from __future__ import annotations

from typing import Any

import pydantic

from dataflow.data_quality.base import BaseDefaultValidator, ValidationResult, runtime_class

__all__ = ["PydanticModelValidator"]


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(map(str, loc)) or "(the value)"


class PydanticModelValidator(BaseDefaultValidator):
    """Validates a model instance or a dict against a pydantic model, listing every field error
    at once (field path, error, input)."""

    def __init__(self, model: Any, importance: str) -> None:
        super().__init__(importance)
        if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            raise ValueError(f"model= takes a pydantic BaseModel subclass; got {model!r}")
        self.model = model

    @classmethod
    def arg(cls) -> str:
        return "model"

    @classmethod
    def name(cls) -> str:
        return "pydantic_validator"

    @classmethod
    def applies_to(cls, datatype: Any) -> bool:
        runtime = runtime_class(datatype)
        return runtime is not None and issubclass(runtime, (pydantic.BaseModel, dict))

    def description(self) -> str:
        return f"The value is a valid {self.model.__name__} (strict)."

    def validate(self, dataset: Any) -> ValidationResult:
        data = dataset
        if isinstance(dataset, self.model):  # its fields, so they are checked (not just type)
            data = {info.alias or name: getattr(dataset, name)
                    for name, info in type(dataset).model_fields.items()}
        elif isinstance(dataset, pydantic.BaseModel) or not isinstance(dataset, dict):
            return ValidationResult(
                False, f"1 problem(s): expected a {self.model.__name__} or a dict of its "
                       f"fields, got {type(dataset).__name__}.",
                {"model_errors": [], "problems": [{"field": None, "error": "wrong type",
                                                   "input": type(dataset).__name__}]})
        try:
            self.model.model_validate(data, strict=True)
        except pydantic.ValidationError as error:
            errors = error.errors(include_url=False)
            problems = [{"field": _location(e["loc"]), "error": e["msg"],
                         "input": e.get("input")} for e in errors]
            return ValidationResult(
                False, f"{len(problems)} problem(s): " + "; ".join(
                    f"{p['field']}: {p['error']}" + (
                        "" if e["type"] == "missing" else f" (got {p['input']!r})")
                    for p, e in zip(problems, errors)) + ".",
                {"model_errors": errors, "problems": problems})
        return ValidationResult(True, f"The value is a valid {self.model.__name__}.", {})


VALIDATORS: tuple[type[BaseDefaultValidator], ...] = (PydanticModelValidator,)
TYPES = {PydanticModelValidator: "pydantic models, dict"}
