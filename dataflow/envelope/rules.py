"""Deployment rules: which model a service serves at which path, stored in the registry.

A rule is a tag query plus the tags a model must also have (``require``): the service behind
``dataflow models serve`` serves, at the rule's path, the newest model that matches both, and
swaps a newer one in when it is saved or tagged.

>>> import tempfile
>>> from dataflow import envelope
>>> registry = envelope.Registry(tempfile.mkdtemp())
>>> rule = envelope.deploy("client_ltv", query="canonical_name=client_ltv",
...                        require={"passes_tests": "true"}, registry=registry)
>>> rule.path, rule.require
('/client_ltv', {'passes_tests': 'true'})
>>> [rule.name for rule in envelope.rules(registry=registry)]
['client_ltv']
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from dataflow.envelope import tables as t
from dataflow.envelope.query import Query, check_key, format_query, query_from
from dataflow.errors import DataflowError, close_names

if TYPE_CHECKING:
    from dataflow.envelope.registry import ModelRecord, Registry

RESERVED_PATHS = ("/health", "/rules", "/docs", "/redoc", "/openapi.json")
"""Paths the service itself answers on; a rule cannot take them (or a path under them)."""
_PATH = re.compile(r"(/[A-Za-z0-9_.\-]+)+")


class RuleError(DataflowError):
    """A deployment rule is malformed, or names no rule that exists."""


@dataclass(frozen=True)
class Rule:
    """A deployment rule: serve, at ``path``, the newest model matching ``query`` that also has
    the ``require`` tags."""

    name: str
    query: str
    require: dict[str, str]
    path: str
    updated_at: dt.datetime | None = field(default=None, compare=False, repr=False)

    @property
    def selection(self) -> Query:
        """The query and the required tags, as one query."""
        return query_from(self.query) & query_from(self.require)

    def select(self, registry: Registry) -> ModelRecord | None:
        """The model this rule serves now (``None`` when no model matches)."""
        found = registry.find(self.selection, latest=True)
        return found[0] if found else None

    def why_nothing(self, registry: Registry) -> str:
        """Why no model is served: nothing matches the query, or the newest match lacks the
        required tags."""
        found = registry.find(self.query, latest=True)
        if not found:
            return (f"rule {self.name!r}: no model matches the query {self.query!r}; save one "
                    "with those tags.")
        newest = found[0]
        lacking = {key: newest.tags.get(key) for key, value in self.require.items()
                   if newest.tags.get(key) != value}
        shown = ", ".join(f"{key}={value!r}" for key, value in lacking.items())
        return (f"rule {self.name!r}: no model matching {self.query!r} has the required tags "
                f"{self.require}; the newest match, model {newest.id}, has {shown}. Tag a "
                "model that meets them (e.g. registry.add_tags(id, "
                + ", ".join(f"{key}={value!r}" for key, value in self.require.items()) + ")).")

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.query, "require": dict(self.require),
                "path": self.path}


def _registry(registry: Registry | None) -> Registry:
    from dataflow.envelope.model import _default_registry

    return registry if registry is not None else _default_registry()


def _check_path(path: str, name: str) -> str:
    where = f"deploy({name!r}, path={path!r})"
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise RuleError(f"{where}: a path is '/' then segments of letters, digits, '_', '.' "
                        "and '-', separated by '/', e.g. '/client_ltv'.")
    for reserved in RESERVED_PATHS:
        if path == reserved or path.startswith(reserved + "/"):
            raise RuleError(f"{where}: {reserved!r} is the service's own; reserved: "
                            f"{', '.join(RESERVED_PATHS)}.")
    if path.endswith("/metadata"):
        raise RuleError(f"{where}: a path cannot end in '/metadata' (the service answers "
                        "PATH/metadata with the served model's description).")
    return path


def deploy(rule_name: str, query: str | Query | Mapping[str, Any] | None = None,
           require: Mapping[str, str] | None = None, path: str | None = None,
           registry: Registry | None = None) -> Rule:
    """Store (or replace, by name) a deployment rule: ``dataflow models serve`` then serves, at
    ``path`` (default ``/<rule_name>``), the newest model matching ``query`` that also has the
    ``require`` tags, swapping newer ones in as they are saved or tagged."""
    check_key(rule_name, "deploy(rule_name)")
    selected = query_from(query)
    require = dict(require or {})
    query_from(require)  # tag names and string values, checked
    if not selected.clauses and not require:
        raise RuleError(f"deploy({rule_name!r}): give a query (e.g. "
                        "'canonical_name=client_ltv'); a rule without one would serve whichever "
                        "model was saved last.")
    path = _check_path(path if path is not None else f"/{rule_name}", rule_name)
    registry = _registry(registry)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    rule = Rule(rule_name, format_query(selected), dict(sorted(require.items())), path,
                now.replace(tzinfo=dt.timezone.utc))
    with registry._write(f"deploy rule {rule_name!r}") as connection:
        taken = connection.execute(select(t.rules.c.name).where(
            t.rules.c.path == path, t.rules.c.name != rule_name)).scalar()
        if taken is not None:
            raise RuleError(f"deploy({rule_name!r}, path={path!r}): the rule {taken!r} serves "
                            "that path already; choose another path or undeploy it first.")
        connection.execute(delete(t.rules).where(t.rules.c.name == rule_name))
        connection.execute(insert(t.rules).values(
            name=rule_name, query=rule.query, require=json.dumps(rule.require), path=path,
            updated_at=now))
    return rule


def rules(registry: Registry | None = None) -> list[Rule]:
    """Every deployment rule in the registry, by name."""
    registry = _registry(registry)
    try:
        with registry._read() as connection:
            rows = connection.execute(select(t.rules).order_by(t.rules.c.name)).all()
    except (OperationalError, ProgrammingError):
        if registry.read_only and not _has_rules_table(registry):
            return []  # a registry from before rules, which this process cannot add them to
        raise
    return [Rule(row.name, row.query, json.loads(row.require), row.path,
                 row.updated_at.replace(tzinfo=dt.timezone.utc)) for row in rows]


def _has_rules_table(registry: Registry) -> bool:
    with registry._read() as connection:
        return bool(inspect(connection).has_table(t.rules.name))


def get_rule(rule_name: str, registry: Registry | None = None) -> Rule:
    """One deployment rule, by name (:class:`RuleError`, with did-you-mean, if there is none)."""
    known = rules(registry)
    for rule in known:
        if rule.name == rule_name:
            return rule
    hint = close_names(rule_name, [rule.name for rule in known])
    raise RuleError(f"no deployment rule {rule_name!r}"
                    + (f" (did you mean {' or '.join(map(repr, hint))}?)" if hint else
                       f"; the rules are: {', '.join(r.name for r in known) or 'none'}") + ".")


def undeploy(rule_name: str, registry: Registry | None = None) -> None:
    """Remove a deployment rule (a running service stops serving its path)."""
    registry = _registry(registry)
    get_rule(rule_name, registry)
    with registry._write(f"undeploy rule {rule_name!r}") as connection:
        connection.execute(delete(t.rules).where(t.rules.c.name == rule_name))


__all__ = ["Rule", "RuleError", "deploy", "get_rule", "rules", "undeploy"]
