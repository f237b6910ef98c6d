"""JSON export of the nodes an execution touches (Hamilton's ``export_execution``)."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from dataflow.graph import Graph
from dataflow.node import MODULE_TAG, Node, type_name
from dataflow.plan import Plan


def node_record(node: Node) -> dict[str, Any]:
    """A JSON-ready description of one node.

    Keys: ``name``, ``type``, ``role``, ``tags``, ``dependencies`` (all, in parameter order),
    ``required_dependencies``, ``optional_dependencies``, ``module``, ``function``, ``file``,
    ``line``, ``docstring``.
    """
    origin = node.origin
    return {
        "name": node.name,
        "type": type_name(node.type),
        "role": node.role.value,
        "tags": {str(k): _jsonable(v) for k, v in node.tags.items()},
        "dependencies": [d.name for d in node.dependencies],
        "required_dependencies": list(node.required_dependencies),
        "optional_dependencies": list(node.optional_dependencies),
        "module": node.tags.get(MODULE_TAG),
        "function": origin.function if origin else None,
        "file": origin.file if origin else None,
        "line": origin.line if origin else None,
        "docstring": node.doc,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)


def execution_json(graph: Graph, plan: Plan, overrides: Collection[str] = ()) -> str:
    """The nodes a plan runs or reads, sorted by name, as a JSON string.

    ``{"outputs": [...], "nodes": [record, ...]}``; each record also says ``"runs"`` (computed
    by this execution) or ``"supplied"`` (an input, override or config value it reads).
    """
    run = {step.name for step in plan.steps}
    names = run | set(plan.provided_used) | set(plan.config_used) | set(plan.outputs)
    records = []
    for name in sorted(names):
        record = node_record(graph.nodes[name])
        record["execution"] = ("override" if name in overrides else
                               "runs" if name in run else "supplied")
        records.append(record)
    return json.dumps({"outputs": list(plan.outputs), "nodes": records}, indent=2)
