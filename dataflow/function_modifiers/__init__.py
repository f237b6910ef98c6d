"""Every decorator a Hamilton user writes, under Hamilton's names.

Decorators never wrap the call: each records an instruction that the resolve stage
(:mod:`dataflow.resolve`) applies in a fixed order. See ``docs/decorators.md``.
"""

from dataflow.function_modifiers.dependencies import (
    ConfigDependency,
    GroupedDictDependency,
    GroupedListDependency,
    LiteralDependency,
    ParametrizedDependency,
    UpstreamDependency,
    configuration,
    group,
    source,
    value,
)
from dataflow.function_modifiers.family_core import *  # noqa: F403
from dataflow.function_modifiers.family_reuse import *  # noqa: F403
