"""pandera integration (Hamilton's ``hamilton.plugins.h_pandera``): ``@check_output()`` that
takes its schema from the return annotation, ``-> pandera.typing.DataFrame[Schema]`` (pandas'
or ``pandera.typing.polars``').

``@check_output(schema=...)`` from ``dataflow.function_modifiers`` takes a schema object
directly; both validate as described in ``docs/decorators/data_quality.md`` (every problem at
once, the value never changed).

>>> import pandera.pandas as pa
>>> from pandera.typing import DataFrame, Series
>>> class Sales(pa.DataFrameModel):
...     units: Series[int] = pa.Field(ge=0)
>>> @check_output(importance="fail")
... def sales() -> DataFrame[Sales]:
...     ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflow.data_quality.base import DataValidator, ValidationImportance
from dataflow.data_quality.pandera_validators import PanderaSchemaValidator, schema_from_annotation
from dataflow.function_modifiers.targets import check_target
from dataflow.function_modifiers.validation import CheckOutputInstruction
from dataflow.instructions import ResolveContext, record
from dataflow.node import Node, type_name

__all__ = ["check_output"]


@dataclass(frozen=True)
class _AnnotatedSchema:
    importance: str
    per_node = True

    def __call__(self, context: ResolveContext, node: Node) -> list[DataValidator]:
        schema = (schema_from_annotation(node.type)
                  or schema_from_annotation(context.signature.hints.get("return")))
        if schema is None:
            raise context.error(
                "check_output", f"node {node.name!r} is annotated {type_name(node.type)}, not a "
                "pandera DataFrame[Schema] whose Schema is a pandera.DataFrameModel; annotate "
                "the return `-> DataFrame[Schema]`, or pass the schema: "
                "dataflow.function_modifiers.check_output(schema=...).")
        try:
            validator = PanderaSchemaValidator.for_node(schema, self.importance, node.name,
                                                        node.type)
        except ValueError as error:
            raise context.error("check_output", str(error)) from None
        return [] if validator is None else [validator]


class check_output:
    """Validate the node's value against the pandera ``DataFrameModel`` of its return annotation
    (``-> DataFrame[Schema]``). ``importance``: ``"warn"`` (default) or ``"fail"``; ``target``
    as ``target_`` of ``dataflow.function_modifiers.check_output``."""

    def __init__(self, importance: str = "warn", target: Any = None) -> None:
        ValidationImportance.from_string(importance)
        self.importance = importance
        self.target = check_target("check_output", target)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return record(fn, CheckOutputInstruction(
            "check_output", _AnnotatedSchema(self.importance), self.target))
