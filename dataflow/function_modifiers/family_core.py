"""Exports of the config, expansion, delegation and metadata decorators."""

from dataflow.function_modifiers.choose_by_config import (
    ResolveAt,
    config,
    dataflow_exclude,
    hamilton_exclude,
    resolve,
    resolve_from_config,
)
from dataflow.function_modifiers.columns import extract_columns, extract_fields, unpack_fields
from dataflow.function_modifiers.delegation import does
from dataflow.function_modifiers.expanders import (
    ParameterizedExtract,
    inject,
    parameterize,
    parameterize_extract_columns,
    parameterize_sources,
    parameterize_values,
)
from dataflow.function_modifiers.metadata import cache, schema, tag, tag_outputs

__all__: list[str] = [
    "ParameterizedExtract",
    "ResolveAt",
    "cache",
    "config",
    "dataflow_exclude",
    "does",
    "extract_columns",
    "extract_fields",
    "hamilton_exclude",
    "inject",
    "parameterize",
    "parameterize_extract_columns",
    "parameterize_sources",
    "parameterize_values",
    "resolve",
    "resolve_from_config",
    "schema",
    "tag",
    "tag_outputs",
    "unpack_fields",
]
