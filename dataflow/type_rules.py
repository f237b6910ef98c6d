"""Which types may flow along an edge, and which values may be given as inputs.

``edge_accepts(produced, required)`` answers "may a node annotated ``produced`` feed a parameter
annotated ``required``?". It is memoised per pair of types, so checking a 10,000-edge graph costs
one dictionary look-up per edge once the few distinct pairs are known.

The rules, most specific first:

* ``Any`` on either side, an unresolved forward reference, or a bare ``TypeVar`` matches.
* ``Annotated[T, ...]`` is ``T`` (so ``htypes.column[pd.Series, int]`` is a ``pd.Series``).
* ``Optional``/``Union`` on the required side: the produced type must match one member.
  On the produced side: at least one member must match (a function annotated ``int | None``
  may feed an ``int`` parameter; the run-time value is the judge).
* Generics compare their origins by subclass (``list[int]``, ``List[int]`` and ``list`` are all
  lists) and then their arguments pairwise when both sides have them.
* Classes compare by subclass. ``int`` does not feed ``float`` (Hamilton refuses that edge too):
  annotate the producer ``float`` or the parameter ``int | float``. Values given as inputs are
  judged more kindly (:func:`value_matches`: an ``int`` or ``numpy.float32`` value is a ``float``),
  because literals in configs and notebooks are written that way.
"""

from __future__ import annotations

import collections.abc
import functools
import numbers
import types
import typing
from typing import Any, TypeVar

from dataflow.htypes import element_type, is_collect_type, is_parallelizable_type

_UNION_TYPES: tuple[Any, ...] = (typing.Union, types.UnionType)
_NUMBER_ABC: dict[type, type] = {
    int: numbers.Integral,
    float: numbers.Real,
    complex: numbers.Complex,
}


def strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = annotation.__origin__
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in _UNION_TYPES


def _matches_anything(annotation: Any) -> bool:
    return (
        annotation is Any
        or isinstance(annotation, (str, typing.ForwardRef))
        or annotation is typing.Callable
    )


def edge_accepts(produced: Any, required: Any) -> bool:
    """True when a value annotated ``produced`` may be passed to a parameter annotated ``required``.

    >>> edge_accepts(list[int], typing.List[int]), edge_accepts(int, float), edge_accepts(str, int)
    (True, False, False)
    """
    try:
        return _edge_accepts_cached(produced, required)
    except TypeError:  # an unhashable annotation: compute without the memo
        return _edge_accepts(produced, required)


@functools.lru_cache(maxsize=4096)
def _edge_accepts_cached(produced: Any, required: Any) -> bool:
    return _edge_accepts(produced, required)


def _edge_accepts(produced: Any, required: Any) -> bool:
    produced = strip_annotated(produced)
    required = strip_annotated(required)
    if is_parallelizable_type(produced):  # each item flows to the block (dataflow.htypes)
        produced = element_type(produced)
    if is_collect_type(required):  # the collected node's per-item values
        required = element_type(required)
    if produced is required or produced == required:
        return True
    if _matches_anything(produced) or _matches_anything(required):
        return True
    if isinstance(required, TypeVar):
        return _typevar_accepts(required, produced)
    if isinstance(produced, TypeVar):
        return True
    if _is_union(required):
        return any(_edge_accepts(produced, member) for member in typing.get_args(required))
    if _is_union(produced):
        return any(_edge_accepts(member, required) for member in typing.get_args(produced))
    if required is None or required is type(None):
        return produced is None or produced is type(None)
    if typing.get_origin(required) is typing.Literal:
        if typing.get_origin(produced) is typing.Literal:
            return set(typing.get_args(produced)) <= set(typing.get_args(required))
        return False
    if typing.get_origin(produced) is typing.Literal:
        runtime = _runtime_class(required) or object
        return all(isinstance(v, runtime) for v in typing.get_args(produced))
    return _classes_accept(produced, required)


def _typevar_accepts(var: Any, produced: Any) -> bool:
    if var.__bound__ is not None:
        return _edge_accepts(produced, var.__bound__)
    if var.__constraints__:
        return any(_edge_accepts(produced, c) for c in var.__constraints__)
    return True


def _runtime_class(annotation: Any) -> type | None:
    """The class a (possibly generic) annotation stands for, or None when it has none."""
    origin = typing.get_origin(annotation)
    candidate = origin if origin is not None else annotation
    if candidate is collections.abc.Callable:
        return None
    return candidate if isinstance(candidate, type) else None


def _classes_accept(produced: Any, required: Any) -> bool:
    produced_class = _runtime_class(produced)
    required_class = _runtime_class(required)
    if produced_class is None or required_class is None:
        return True  # something we cannot reason about (a Protocol alias, NewType, ...): trust it
    if not _subclass(produced_class, required_class):
        return False
    produced_args = typing.get_args(produced)
    required_args = typing.get_args(required)
    if not produced_args or not required_args or len(produced_args) != len(required_args):
        return True
    return all(
        arg_p is Ellipsis or arg_r is Ellipsis or _edge_accepts(arg_p, arg_r)
        for arg_p, arg_r in zip(produced_args, required_args, strict=True)
    )


def _subclass(produced: type, required: type) -> bool:
    try:
        return issubclass(produced, required)
    except TypeError:
        return True


def value_matches(value: Any, annotation: Any) -> bool:
    """True when a run-time ``value`` is acceptable for a parameter annotated ``annotation``.

    Only the outer class is checked (``list[int]`` accepts any list): inspecting contents would
    cost time proportional to the data.
    """
    if type(value) is annotation:  # the common case, checked first: one comparison
        return True
    if type(annotation) is type and annotation not in _NUMBER_ABC:
        return isinstance(value, annotation)
    annotation = strip_annotated(annotation)
    if _matches_anything(annotation) or isinstance(annotation, TypeVar):
        return True
    if _is_union(annotation):
        return any(value_matches(value, member) for member in typing.get_args(annotation))
    if annotation is None or annotation is type(None):
        return value is None
    if typing.get_origin(annotation) is typing.Literal:
        return value in typing.get_args(annotation)
    runtime = _runtime_class(annotation)
    if runtime is None:
        is_callable_annotation = typing.get_origin(annotation) is collections.abc.Callable
        return callable(value) if is_callable_annotation else True
    if runtime in _NUMBER_ABC:  # numpy scalars count: np.int64 is an int here
        return isinstance(value, _NUMBER_ABC[runtime])
    try:
        return isinstance(value, runtime)
    except TypeError:
        return True
