"""Metadata decorators: ``@tag``, ``@tag_outputs``, ``@schema.output`` and ``@cache``.

They add tags (a read-only mapping on every node) and never change what is computed. Tag
values are strings or lists of strings, as in Hamilton; keys under ``dataflow.`` /
``hamilton.`` and the ``module`` key are written by the framework and refused here.

>>> @tag(owner="growth", pii="false")
... def signups(raw: dict) -> int:
...     return raw["signups"]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dataflow.function_modifiers.extractors import frame_column_type
from dataflow.function_modifiers.targets import check_target, select_targets
from dataflow.instructions import (
    DecoratorUsageError,
    MetadataInstruction,
    ResolveContext,
    record,
)
from dataflow.node import RESERVED_TAG_KEYS, RESERVED_TAG_PREFIXES, Node, type_name

__all__ = ["cache", "ray_remote_options", "schema", "tag", "tag_outputs"]

SCHEMA_TAG = "hamilton.internal.schema_output"
"""Tag ``@schema.output`` writes: ``"name=type,name=type"`` (under Hamilton's key, so code and
tools reading Hamilton's tag keep working)."""
CACHE_BEHAVIOR_TAG = "cache.behavior"
CACHE_FORMAT_TAG = "cache.format"
CACHE_BEHAVIORS = ("default", "recompute", "disable", "ignore")


def _check_tags(decorator: str, tags: Mapping[str, Any], allow_hamilton: bool = False) -> None:
    for key, item in tags.items():
        if not isinstance(key, str) or not key:
            raise DecoratorUsageError(
                f"@{decorator}: tag keys are non-empty strings; got {key!r}")
        prefixes = tuple(p for p in RESERVED_TAG_PREFIXES
                         if not (allow_hamilton and p == "hamilton."))
        if key in RESERVED_TAG_KEYS or key.startswith(prefixes):
            raise DecoratorUsageError(
                f"@{decorator}: tag {key!r} is reserved (keys starting with "
                f"{', '.join(RESERVED_TAG_PREFIXES)} and {RESERVED_TAG_KEYS} are "
                "written by dataflow). Choose another key, e.g. "
                f"'{key.split('.')[-1]}_tag'.")
        if isinstance(item, str):
            continue
        if isinstance(item, list) and all(isinstance(x, str) for x in item):
            continue
        raise DecoratorUsageError(
            f"@{decorator}: tag {key!r} has value {item!r}; tag values must be a str or a list "
            f"of str (as in Hamilton). Convert it, e.g. {key}={str(item)!r}.")


class TagInstruction(MetadataInstruction):
    """``METADATA``: add ``tags`` to the nodes ``target`` selects."""

    decorator_name = "tag"

    def __init__(self, tags: Mapping[str, Any], target: Any, label: str = "tag") -> None:
        self.tags = dict(tags)
        self.target = target
        self.decorator_name = label

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        chosen = {id(n) for n in select_targets(nodes, self.target, context, self.decorator_name)}
        return [n.with_changes(tags={**n.tags, **self.tags}) if id(n) in chosen else n
                for n in nodes]


class tag:
    """Attach string tags to the function's nodes.

    ``target_`` picks the nodes: ``None`` (default) the final ones (e.g. the columns of
    ``@extract_columns``, not the frame), ``...`` all of them, or node name(s).
    ``bypass_reserved_namespaces_`` allows ``hamilton.*`` keys (for ported code); ``dataflow.*``
    and ``module`` stay reserved.
    """

    def __init__(self, *, target_: Any = None, bypass_reserved_namespaces_: bool = False,
                 **tags: str | list[str]) -> None:
        if not tags:
            raise DecoratorUsageError(
                "@tag needs at least one key=value tag")
        _check_tags("tag", tags, bypass_reserved_namespaces_)
        self.tags = tags
        self.target = check_target("tag", target_)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@tag decorates a function; got {fn!r}")
        return record(fn, TagInstruction(self.tags, self.target))


class tag_outputs:
    """Different tags per generated node: ``@tag_outputs(a={"k": "v"}, b={"k": "w"})``.
    Every named node must exist."""

    def __init__(self, **tag_mapping: Mapping[str, str | list[str]]) -> None:
        if not tag_mapping:
            raise DecoratorUsageError(
                "@tag_outputs needs node=tags pairs, e.g. "
                "@tag_outputs(spend={'unit': 'usd'})")
        for node_name, tags in tag_mapping.items():
            if not isinstance(tags, Mapping):
                raise DecoratorUsageError(
                    f"@tag_outputs: {node_name}= takes a dict of tags; got {tags!r}")
            _check_tags("tag_outputs", tags)
        self.mapping = {k: dict(v) for k, v in tag_mapping.items()}

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@tag_outputs decorates a function; got {fn!r}")
        for node_name, tags in self.mapping.items():
            fn = record(fn, TagInstruction(tags, node_name, "tag_outputs"))
        return fn


class SchemaOutput(TagInstruction):
    """``@schema.output``: the schema tag, on nodes that return a DataFrame (pandas or polars),
    as Hamilton requires; anything else is a build error naming the node and its type."""

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        for node in select_targets(nodes, self.target, context, self.decorator_name):
            if frame_column_type(node.type) is None:
                raise context.error(
                    self, f"node {node.name!r} is annotated {type_name(node.type)}; a schema "
                    "describes the columns of a DataFrame, so the node must return one "
                    "(`-> pd.DataFrame`). With several output nodes, pick the frame with "
                    "target_='name'.")
        return super().apply(context, nodes)


class schema:
    """Schema metadata. ``@schema.output(("name", "type"), ...)`` records the columns of the
    frame the function returns as the tag ``hamilton.internal.schema_output``
    (``"a=int,b=float"``, Hamilton's key and format); lineage pictures list it with
    ``show_schema``."""

    @staticmethod
    def output(*fields: tuple[str, str], target_: Any = None) -> Callable[..., Any]:
        if not fields:
            raise DecoratorUsageError(
                "@schema.output needs (name, type) pairs, e.g. "
                "@schema.output(('spend', 'float'))")
        for item in fields:
            if not (isinstance(item, tuple) and len(item) == 2
                    and all(isinstance(x, str) for x in item)):
                raise DecoratorUsageError(
                    f"@schema.output takes (name, type) pairs of strings; got {item!r}")
        text = ",".join(f"{n}={t}" for n, t in fields)
        target = check_target("schema.output", target_)

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            return record(fn, SchemaOutput({SCHEMA_TAG: text}, target, "schema.output"))

        return decorate


CACHE_FORMATS = ("parquet", "series", "npy", "json", "pickle")
"""Result formats of the cache (:mod:`dataflow.caching.stores`)."""


class cache:
    """How a driver built with ``Builder().with_cache(...)`` caches this function's nodes
    (docs/caching.md); without a cache it changes nothing.

    ``behavior``: ``"default"`` (reuse when code and inputs are unchanged), ``"recompute"``
    (always run, store the result), ``"disable"`` (run as without a cache; nodes reading it
    are recomputed) or ``"ignore"`` (run as without a cache; nodes reading it leave it out of
    their keys). The driver's ``with_cache(recompute=[...], ...)`` lists win over it.
    ``format``: the result file format, one of ``parquet`` (pandas DataFrames), ``series``
    (pandas Series of numbers), ``npy`` (numpy arrays), ``json`` (plain JSON values),
    ``pickle``; by default the cache picks by type. Recorded as the tags
    ``cache.behavior`` / ``cache.format``."""

    def __init__(self, *, behavior: str | None = None, format: str | None = None,
                 target_: Any = None) -> None:
        if behavior is None and format is None:
            raise DecoratorUsageError(
                "@cache needs behavior= and/or format=")
        if behavior is not None and behavior not in CACHE_BEHAVIORS:
            raise DecoratorUsageError(
                f"@cache: behavior={behavior!r} is not one of {CACHE_BEHAVIORS}")
        if format is not None and format not in CACHE_FORMATS:
            from dataflow.errors import did_you_mean

            hint = did_you_mean(format, CACHE_FORMATS) if isinstance(format, str) else ""
            raise DecoratorUsageError(
                f"@cache: format={format!r} is not a cache format; use one of "
                f"{CACHE_FORMATS}.{hint}")
        self.tags = {}
        if behavior is not None:
            self.tags[CACHE_BEHAVIOR_TAG] = behavior
        if format is not None:
            self.tags[CACHE_FORMAT_TAG] = format
        self.target = check_target("cache", target_)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise DecoratorUsageError(
                f"@cache decorates a function; got {fn!r}")
        return record(fn, TagInstruction(self.tags, self.target, "cache"))


RAY_REMOTE_TAG_NAMESPACE = "ray_remote"


def ray_remote_options(**options: Any) -> tag:
    """Options of this node's Ray task on ``plugins.h_ray.RayGraphAdapter`` (Hamilton's
    ``@ray_remote_options``), passed to its ``.options(...)``: resources, retries, ...

    >>> @ray_remote_options(num_cpus=2, resources={"big_memory": 1})
    ... def model(features: int) -> int:
    ...     return features

    They are written as tags ``ray_remote.<option>`` with JSON values, as Hamilton writes them.
    """
    if not options:
        raise DecoratorUsageError("@ray_remote_options needs at least one option, e.g. "
                                  "@ray_remote_options(num_cpus=2)")
    import json

    tags: dict[str, str | list[str]] = {}
    for name, value in options.items():
        try:
            tags[f"{RAY_REMOTE_TAG_NAMESPACE}.{name}"] = json.dumps(value)
        except TypeError as error:
            raise DecoratorUsageError(
                f"@ray_remote_options: option {name}={value!r} is not a JSON value (numbers, "
                f"strings, lists and dicts of them): {error}") from None
    return tag(**tags)  # type: ignore[arg-type]  # mypy: ** could fill the bool keywords
