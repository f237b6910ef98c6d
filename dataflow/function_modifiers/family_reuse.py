"""Exports of the reuse (pipe, mutate, subdag, with_columns) and data-quality decorators."""

from dataflow.function_modifiers.checks import check_output, check_output_custom
from dataflow.function_modifiers.mutations import apply_to, mutate
from dataflow.function_modifiers.pandas_columns import with_columns
from dataflow.function_modifiers.pipes import (
    Applicable,
    pipe,
    pipe_input,
    pipe_output,
    step,
)
from dataflow.function_modifiers.subdags import parameterized_subdag, subdag

__all__: list[str] = [
    "Applicable",
    "apply_to",
    "check_output",
    "check_output_custom",
    "mutate",
    "parameterized_subdag",
    "pipe",
    "pipe_input",
    "pipe_output",
    "step",
    "subdag",
    "with_columns",
]
