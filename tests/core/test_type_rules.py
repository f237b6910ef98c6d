# ruff: noqa: UP006, UP007, UP035, UP045  (the old typing spellings are what is under test)
"""Edge type compatibility and input value checks."""

from __future__ import annotations

import collections.abc
import typing
from typing import Annotated, Any, List, Optional, TypeVar, Union

import numpy as np
import pandas as pd
import pytest

from dataflow.type_rules import edge_accepts, value_matches

T = TypeVar("T")
Number = TypeVar("Number", bound=float)


class Base:
    pass


class Child(Base):
    pass


@pytest.mark.parametrize(
    ("produced", "required", "expected"),
    [
        (int, int, True),
        (Child, Base, True),
        (Base, Child, False),
        (str, int, False),
        (int, float, False),  # Hamilton refuses the int -> float edge too
        (float, int, False),
        (Any, int, True),
        (int, Any, True),
        (int, Optional[int], True),
        (Optional[int], int, True),  # produced union: one member matching is enough
        (str, Optional[int], False),
        (Union[int, str], Union[str, int, bytes], True),
        (list[int], List[int], True),  # noqa: UP006
        (List[int], list, True),  # noqa: UP006
        (list, list[int], True),
        (list[int], list[str], False),
        (list[int], collections.abc.Sequence[int], True),
        (dict[str, int], dict[str, float], False),  # as Hamilton: int is not a float
        (dict[str, bool], dict[str, int], True),
        (dict[str, int], dict[str, str], False),
        (Annotated[pd.Series, int], pd.Series, True),
        (pd.Series, Annotated[pd.Series, "units"], True),
        (pd.DataFrame, pd.Series, False),
        (pd.Series, T, True),
        (float, Number, True),
        (int, Number, False),  # bound=float; int is not a float (as for plain edges)
        (str, Number, False),
        (typing.Literal["a"], str, True),
        (int | None, int, True),
        (tuple[int, ...], tuple[int, ...], True),
    ],
)
def test_edge_accepts(produced, required, expected):
    assert edge_accepts(produced, required) is expected


def test_edge_accepts_is_memoised_per_pair():
    edge_accepts(Child, Base)
    from dataflow.type_rules import _edge_accepts_cached

    hits = _edge_accepts_cached.cache_info().hits
    edge_accepts(Child, Base)
    assert _edge_accepts_cached.cache_info().hits == hits + 1


@pytest.mark.parametrize(
    ("value", "annotation", "expected"),
    [
        (1, int, True),
        ("1", int, False),
        (np.int64(3), int, True),
        (1, float, True),
        (2.5, int, False),
        (None, Optional[int], True),
        (None, int, False),
        ([1, 2], list[int], True),
        ((1, 2), list[int], False),
        (pd.Series([1.0]), pd.Series, True),
        (pd.DataFrame(), pd.Series, False),
        ("x", typing.Literal["x", "y"], True),
        ("z", typing.Literal["x", "y"], False),
        (len, collections.abc.Callable[[str], int], True),
        (3, Any, True),
        (3, T, True),
    ],
)
def test_value_matches(value, annotation, expected):
    assert value_matches(value, annotation) is expected
