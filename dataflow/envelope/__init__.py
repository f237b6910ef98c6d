"""Model envelope: save a model as a function with string tags; get a registry and metrics.

``dataflow.envelope`` is the optional extra ``dataflow[envelope]`` (SQLAlchemy, fsspec,
cloudpickle); ``import dataflow`` does not import it.

>>> from dataflow import envelope
>>> envelope.parse_query("region in (US,CA)")
Query(clauses=(Clause(key='region', values=('US', 'CA')),))
"""

from dataflow.envelope.artifacts import ArtifactError, ArtifactStore
from dataflow.envelope.model import (
    Envelope,
    InputSchemaError,
    LoadedModel,
    ModelRefusedError,
    log_metrics,
    save_model,
)
from dataflow.envelope.query import Clause, Query, QuerySyntaxError, format_query, parse_query
from dataflow.envelope.registry import (
    RESERVED_TAGS,
    ModelNotFoundError,
    ModelRecord,
    Registry,
    RegistryVersionError,
)

__all__ = [
    "RESERVED_TAGS",
    "ArtifactError",
    "ArtifactStore",
    "Clause",
    "Envelope",
    "InputSchemaError",
    "LoadedModel",
    "ModelNotFoundError",
    "ModelRecord",
    "ModelRefusedError",
    "Query",
    "QuerySyntaxError",
    "Registry",
    "RegistryVersionError",
    "format_query",
    "log_metrics",
    "parse_query",
    "save_model",
]
