"""The public, read-only description of a node that driver queries return."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dataflow.node import Node, NodeRole, Origin


@dataclass(frozen=True)
class Variable:
    """A node as users see it: ``list_available_variables`` and lineage queries return these.

    Field names follow Hamilton's ``HamiltonNode``.
    """

    name: str
    type: Any
    tags: Mapping[str, Any] = field(default_factory=dict)
    is_external_input: bool = False
    originating_functions: tuple[Callable[..., Any], ...] | None = None
    documentation: str = ""
    required_dependencies: frozenset[str] = frozenset()
    optional_dependencies: frozenset[str] = frozenset()
    role: str = NodeRole.FUNCTION.value
    origin: Origin | None = None

    @classmethod
    def from_node(cls, node: Node) -> Variable:
        return cls(
            name=node.name,
            type=node.type,
            tags=dict(node.tags),
            is_external_input=node.role is not NodeRole.FUNCTION,
            originating_functions=node.originating_functions or None,
            documentation=node.doc,
            required_dependencies=frozenset(node.required_dependencies),
            optional_dependencies=frozenset(node.optional_dependencies),
            role=node.role.value,
            origin=node.origin,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "tags": dict(self.tags),
            "is_external_input": self.is_external_input,
            "documentation": self.documentation,
            "required_dependencies": sorted(self.required_dependencies),
            "optional_dependencies": sorted(self.optional_dependencies),
            "role": self.role,
            "origin": None if self.origin is None else str(self.origin),
        }


def check_tag_filter(tag_filter: Mapping[str, Any] | None) -> None:
    """Refuse a tag filter Hamilton refuses: each value is a string, a non-empty list of
    strings, or ``None`` (any value)."""
    if tag_filter is None:
        return
    from dataflow.errors import RequestError

    for key, wanted in tag_filter.items():
        if wanted is None or isinstance(wanted, str):
            continue
        if isinstance(wanted, (list, tuple, set, frozenset)) and wanted and all(
                isinstance(item, str) for item in wanted):
            continue
        raise RequestError(
            f"tag_filter[{key!r}] is {wanted!r}: a tag query value must be a string, a non-empty "
            "list of strings, or None (any value). Tag values are compared as strings, as in "
            "Hamilton."
        )


def matches_tag_filter(tags: Mapping[str, Any], tag_filter: Mapping[str, Any] | None) -> bool:
    """Hamilton's tag filter: every key must match (AND); a list value matches any of its
    items (OR); ``None`` matches any node that has the key.

    >>> matches_tag_filter({"team": "growth", "pii": "no"}, {"team": ["growth", "ads"]})
    True
    """
    if not tag_filter:
        return True
    for key, wanted in tag_filter.items():
        if key not in tags:
            return False
        if wanted is None:
            continue
        have = tags[key]
        options = wanted if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        have_values = have if isinstance(have, (list, tuple)) else [have]
        if not any(h in options for h in have_values):
            return False
    return True
