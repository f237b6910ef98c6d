"""The decorator machinery under Hamilton's import path ``function_modifiers.base``.

``InvalidDecoratorException`` and ``MissingConfigParametersException`` are Hamilton's names:
catching them catches dataflow's decorator errors. The instruction base classes are dataflow's
own (one per phase, see :mod:`dataflow.instructions`); they are not Hamilton's
``NodeTransformer`` & co., whose methods differ, so a custom Hamilton decorator class needs
porting to them.
"""

from dataflow.function_modifiers.targets import NON_FINAL_TAG, Target, select_targets
from dataflow.instructions import (
    ChooseInstruction,
    CreateInstruction,
    DecoratorUsageError,
    ExpandInstruction,
    InjectInstruction,
    Instruction,
    InvalidDecoratorException,
    MetadataInstruction,
    MissingConfigParametersException,
    NodesInstruction,
    Phase,
    ResolveContext,
    ResolveInstruction,
    TransformInstruction,
    record,
    record_remote,
)

TargetType = Target
"""Hamilton's name for the type of a ``target_`` / ``on_output`` argument."""

__all__ = [
    "NON_FINAL_TAG",
    "ChooseInstruction",
    "CreateInstruction",
    "DecoratorUsageError",
    "ExpandInstruction",
    "InjectInstruction",
    "Instruction",
    "InvalidDecoratorException",
    "MetadataInstruction",
    "MissingConfigParametersException",
    "NodesInstruction",
    "Phase",
    "ResolveContext",
    "ResolveInstruction",
    "Target",
    "TargetType",
    "TransformInstruction",
    "record",
    "record_remote",
    "select_targets",
]
