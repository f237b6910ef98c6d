"""Model envelope: save a model as a function with string tags; get a registry and metrics.

``dataflow.envelope`` is the optional extra ``dataflow[envelope]`` (SQLAlchemy, fsspec,
cloudpickle); ``import dataflow`` does not import it.

>>> from dataflow import envelope
>>> envelope.parse_query("region in (US,CA)")
Query(clauses=(Clause(key='region', values=('US', 'CA')),))
"""

from dataflow.envelope.artifacts import ArtifactError, ArtifactStore
from dataflow.envelope.batch import BatchInputError, BatchRun, Table, batch_predict
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
    RegistryReadOnlyError,
    RegistryVersionError,
)
from dataflow.envelope.rules import Rule, RuleError, deploy, get_rule, rules, undeploy

__all__ = [
    "RESERVED_TAGS",
    "ArtifactError",
    "ArtifactStore",
    "BatchInputError",
    "BatchRun",
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
    "RegistryReadOnlyError",
    "RegistryVersionError",
    "Rule",
    "RuleError",
    "Table",
    "batch_predict",
    "deploy",
    "export_service",
    "format_query",
    "get_rule",
    "log_metrics",
    "parse_query",
    "rules",
    "save_model",
    "undeploy",
]


def export_service(rule_name: str, directory: str, registry: Registry | None = None) -> str:
    """Write a deployable directory for a deployment rule (see
    :func:`dataflow.envelope.service.export_service`; needs the ``serve`` extra: FastAPI)."""
    from dataflow.envelope.service import export_service as export

    return str(export(rule_name, directory, registry))
