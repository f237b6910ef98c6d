"""Types with a meaning for the graph (Hamilton's ``hamilton.htypes``).

* ``Parallelizable[T]`` as a function's return annotation makes it an *expanding* node: it
  returns (or yields) an iterable of ``T``, and the nodes between it and a ``Collect[T]``
  parameter run once per item (a *fan-out block*).
* ``Collect[T]`` as a parameter annotation makes its function a *collecting* node: the
  parameter receives the list of the values the block computed for that parameter's node, one
  per item, in item order.
* ``column[pd.Series, int]`` is ``Annotated``: a Series whose values are ``int``.

Rules, refused shapes and executors: docs/execution.md, "Dynamic fan-out".

>>> from dataflow import ad_hoc_utils, driver
>>> def letters(word: str) -> Parallelizable[str]:
...     yield from word
>>> def shout(letters: str) -> str:
...     return letters.upper()
>>> def joined(shout: Collect[str]) -> str:
...     return "".join(shout)
>>> dr = (driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
...       .with_modules(ad_hoc_utils.create_temporary_module(letters, shout, joined)).build())
>>> dr.execute(["joined"], inputs={"word": "abc"})
{'joined': 'ABC'}
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Annotated, Any, Protocol, TypeVar

__all__ = ["Collect", "Parallelizable", "column", "is_collect_type", "is_parallelizable_type"]

ParallelizableElement = TypeVar("ParallelizableElement", covariant=True)
CollectElement = TypeVar("CollectElement", covariant=True)


class Parallelizable(Iterable[ParallelizableElement], Protocol[ParallelizableElement]):
    """Return annotation of an expanding node: each item of what it returns starts one run of
    the nodes downstream of it, up to the ``Collect`` that gathers them."""


class Collect(Iterable[CollectElement], Protocol[CollectElement]):
    """Parameter annotation of a collecting node: the parameter gets the list of the per-item
    values of the node it names, in item order (``[]`` when there were no items)."""


column = Annotated
"""``column[pd.Series, int]``: a Series of ``int`` (an annotation only; the Series is the
type the graph checks)."""


def is_parallelizable_type(annotation: Any) -> bool:
    """Whether ``annotation`` is ``Parallelizable[...]`` (or bare ``Parallelizable``)."""
    return (annotation is Parallelizable
            or getattr(annotation, "__origin__", None) is Parallelizable)


def is_collect_type(annotation: Any) -> bool:
    """Whether ``annotation`` is ``Collect[...]`` (or bare ``Collect``)."""
    return annotation is Collect or getattr(annotation, "__origin__", None) is Collect


def element_type(annotation: Any) -> Any:
    """``T`` of ``Parallelizable[T]`` / ``Collect[T]`` (``Any`` when bare)."""
    args = typing.get_args(annotation)
    return args[0] if args else Any
