"""pydantic integration (Hamilton's ``hamilton.plugins.h_pydantic``): ``@check_output()`` that
validates the value against the pydantic model of the return annotation (``-> MyModel``).

``@check_output(model=MyModel)`` from ``dataflow.function_modifiers`` names the model instead
(for a function returning a dict). Validation is strict and never changes the value; see
``docs/decorators/data_quality.md``.

>>> import pydantic
>>> class Quote(pydantic.BaseModel):
...     units: int
>>> @check_output(importance="fail")
... def quote() -> Quote:
...     return Quote(units=3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic

from dataflow.data_quality.base import DataValidator, ValidationImportance, runtime_class
from dataflow.data_quality.pydantic_validators import PydanticModelValidator
from dataflow.function_modifiers.targets import check_target
from dataflow.function_modifiers.validation import CheckOutputInstruction
from dataflow.instructions import ResolveContext, record
from dataflow.node import Node, type_name

__all__ = ["check_output"]


@dataclass(frozen=True)
class _AnnotatedModel:
    importance: str

    def __call__(self, context: ResolveContext, node: Node) -> list[DataValidator]:
        model = runtime_class(node.type)
        if model is None or not issubclass(model, pydantic.BaseModel):
            raise context.error(
                "check_output", f"node {node.name!r} is annotated {type_name(node.type)}, not a "
                "pydantic model; annotate the return `-> MyModel` (a pydantic.BaseModel "
                "subclass), or use dataflow.function_modifiers.check_output(model=MyModel).")
        return [PydanticModelValidator(model, self.importance)]


class check_output:
    """Validate the node's value (a model instance, or a dict of its fields) against the
    pydantic model of its return annotation, strictly. ``importance``: ``"warn"`` (default) or
    ``"fail"``; ``target`` as ``target_`` of ``dataflow.function_modifiers.check_output``."""

    def __init__(self, importance: str = "warn", target: Any = None) -> None:
        ValidationImportance.from_string(importance)
        self.importance = importance
        self.target = check_target("check_output", target)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return record(fn, CheckOutputInstruction(
            "check_output", _AnnotatedModel(self.importance), self.target))
