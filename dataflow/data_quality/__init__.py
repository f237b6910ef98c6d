"""Data quality: validators that ``@check_output`` runs on a node's value.

See ``docs/decorators/data_quality.md``. The classes follow Hamilton's
``hamilton.data_quality`` names so custom validators port by changing the import root.
"""

from dataflow.data_quality.base import (
    DQ_CONTAINS_RESULTS_TAG,
    DQ_SOURCE_NODE_TAG,
    BaseDefaultValidator,
    DataValidationError,
    DataValidator,
    ValidationFailure,
    ValidationImportance,
    ValidationResult,
    ValidationResultsCollector,
)

__all__ = [
    "DQ_CONTAINS_RESULTS_TAG",
    "DQ_SOURCE_NODE_TAG",
    "BaseDefaultValidator",
    "DataValidationError",
    "DataValidator",
    "ValidationFailure",
    "ValidationImportance",
    "ValidationResult",
    "ValidationResultsCollector",
]
