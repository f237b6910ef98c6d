"""The lifecycle API: base classes for adapters (hooks, validators, result builders) and
ready-made adapters, under Hamilton's ``hamilton.lifecycle`` names.

``api`` holds the base classes, ``default`` the ready-made adapters; both are importable from
here, as in Hamilton. When each kind is called: docs/execution.md.
"""

from dataflow.lifecycle.api import (
    AdaptedNode,
    EdgeConnectionHook,
    GraphAdapter,
    GraphConstructionHook,
    GraphExecutionHook,
    LegacyResultMixin,
    LifecycleAdapter,
    NodeExecutionHook,
    NodeExecutionMethod,
    ResultBuilder,
    StaticValidator,
    TaskExecutionHook,
    TaskGroupingHook,
    TaskReturnHook,
    TaskSubmissionHook,
    ValidationException,
)
from dataflow.lifecycle.default import (
    FunctionInputOutputTypeChecker,
    GracefulErrorAdapter,
    NoEdgeAndInputTypeChecking,
    PDBDebugger,
    PrintLn,
    SlowDownYouMoveTooFast,
    accept_error_sentinels,
)

PrintLnHook = PrintLn
"""Hamilton's older name for :class:`PrintLn`."""

__all__ = [
    "AdaptedNode",
    "EdgeConnectionHook",
    "FunctionInputOutputTypeChecker",
    "GracefulErrorAdapter",
    "GraphAdapter",
    "GraphConstructionHook",
    "GraphExecutionHook",
    "LegacyResultMixin",
    "LifecycleAdapter",
    "NoEdgeAndInputTypeChecking",
    "NodeExecutionHook",
    "NodeExecutionMethod",
    "PDBDebugger",
    "PrintLn",
    "PrintLnHook",
    "ResultBuilder",
    "SlowDownYouMoveTooFast",
    "StaticValidator",
    "TaskExecutionHook",
    "TaskGroupingHook",
    "TaskReturnHook",
    "TaskSubmissionHook",
    "ValidationException",
    "accept_error_sentinels",
]
