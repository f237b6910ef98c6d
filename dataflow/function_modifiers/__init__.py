"""Every decorator a Hamilton user writes, under Hamilton's names and import paths.

Decorators never wrap the call: each records an instruction that the resolve stage
(:mod:`dataflow.resolve`) applies in a fixed order. See ``docs/decorators.md``.

The submodules follow Hamilton's: ``configuration`` (config), ``delayed`` (resolve),
``expanders`` (parameterize, extract_*, inject...), ``macros`` (does, pipe*, step, mutate),
``recursive`` (subdag), ``metadata`` (tag, schema, cache), ``validation`` (check_output),
``dependencies`` (source, value, group...), ``adapters`` (load_from, save_to, dataloader,
datasaver) and ``base`` (the machinery and its errors). As in
Hamilton, the attribute ``function_modifiers.configuration`` is the ``configuration(key)``
parameter source; ``from dataflow.function_modifiers.configuration import config`` imports the
submodule.
"""

from dataflow.data_quality.base import HAMILTON_DQ_TAGS as _DQ_TAGS
from dataflow.function_modifiers.adapters import dataloader, datasaver, load_from, save_to
from dataflow.function_modifiers.base import (
    InvalidDecoratorException,
    MissingConfigParametersException,
)
from dataflow.function_modifiers.configuration import config, dataflow_exclude, hamilton_exclude
from dataflow.function_modifiers.delayed import ResolveAt, resolve, resolve_from_config
from dataflow.function_modifiers.dependencies import (
    ConfigDependency,
    GroupedDependency,
    GroupedDictDependency,
    GroupedListDependency,
    LiteralDependency,
    ParametrizedDependency,
    SingleDependency,
    UpstreamDependency,
    configuration,
    group,
    source,
    value,
)
from dataflow.function_modifiers.expanders import (
    ParameterizedExtract,
    extract_columns,
    extract_fields,
    inject,
    parameterize,
    parameterize_extract_columns,
    parameterize_sources,
    parameterize_values,
    parameterized_inputs,
    parametrized,
    parametrized_input,
    unpack_fields,
)
from dataflow.function_modifiers.macros import (
    Applicable,
    apply_to,
    does,
    mutate,
    pipe,
    pipe_input,
    pipe_output,
    step,
)
from dataflow.function_modifiers.metadata import cache, schema, tag, tag_outputs
from dataflow.function_modifiers.pandas_columns import with_columns
from dataflow.function_modifiers.recursive import parameterized_subdag, subdag
from dataflow.function_modifiers.validation import check_output, check_output_custom

IS_DATA_VALIDATOR_TAG, DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG = _DQ_TAGS
"""Hamilton's names of the tags ``@check_output`` puts on validator nodes."""
