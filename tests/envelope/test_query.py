"""The tag query language: parse/format round trip, errors that point, and ``find`` agreeing
with a brute-force filter over the models' tags (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert

from dataflow.envelope import Clause, Query, QuerySyntaxError, Registry, format_query, parse_query
from dataflow.envelope import tables as t
from dataflow.envelope.query import query_from
from tests.envelope.conftest import (
    BACKENDS,
    _postgres_user,
    drop_postgres_schema,
    postgres_schema_url,
)

keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                 max_size=8)
clauses = st.builds(Clause, keys, st.lists(values, min_size=1, max_size=3).map(tuple))
queries = st.lists(clauses, max_size=4).map(lambda cs: Query(tuple(cs)))


@given(queries)
def test_format_then_parse_gives_the_same_query(query: Query) -> None:
    assert parse_query(format_query(query)) == query


@pytest.mark.parametrize(("text", "expected"), [
    ("", Query()),
    ("  canonical_name=client_ltv  ", Query((Clause("canonical_name", ("client_ltv",)),))),
    ("region in (US, CA)", Query((Clause("region", ("US", "CA")),))),
    ("region in(US,CA) a = b", Query((Clause("region", ("US", "CA")), Clause("a", ("b",))))),
    ('note="a, b (c)" q="say \\"hi\\""', Query((Clause("note", ("a, b (c)",)),
                                                 Clause("q", ('say "hi"',))))),
    ('empty=""', Query((Clause("empty", ("",)),))),
    ("in in (in)", Query((Clause("in", ("in",)),))),
    ("version=1.2.3 date=2024-01-01T00:00", Query((Clause("version", ("1.2.3",)),
                                                   Clause("date", ("2024-01-01T00:00",))))),
])
def test_parse(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


@pytest.mark.parametrize(("text", "position", "problem"), [
    ("region=US oops", 10, "expected '=' or 'in' after the tag name 'oops'"),
    ("region=", 7, "expected a value, found 'the end of the query'"),
    ("region in US", 10, "expected '(' after 'in'"),
    ("region in (US CA)", 14, "expected ',' or ')'"),
    ("region in (US,", 14, "expected a value"),
    ('note="open', 5, "never closed"),
    ("1region=US", 0, "expected a tag name, found '1region=US'"),
    ("a=b=c", 3, "expected a space before the next clause"),
    ("a=(b)", 2, "expected a value, found '('"),
])
def test_errors_point_at_the_offending_part(text: str, position: int, problem: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(text)
    error = raised.value
    assert (error.position, problem in error.problem) == (position, True), str(error)
    lines = str(error).splitlines()
    assert lines[1] == f"  {text}"
    assert lines[2] == "  " + " " * position + "^"


def test_keywords_lists_and_strings_combine() -> None:
    assert query_from("a=1", b=["2", "3"], c="4") == Query((
        Clause("a", ("1",)), Clause("b", ("2", "3")), Clause("c", ("4",))))
    assert query_from({"a": "1"}) == parse_query("a=1")
    with pytest.raises(ValueError, match=r"tag query b=\[\]: no value is given"):
        query_from(b=[])


# --- find equals a brute-force filter -------------------------------------------------------

TAG_KEYS = ("name", "region", "tier")
TAG_VALUES = ("x", "y", "z z")
MODEL_TAGS = [
    {k: v for k, v in zip(TAG_KEYS, combination) if v is not None}
    for combination in itertools.product((*TAG_VALUES, None), repeat=3)
]
"""Every combination of the three keys having one of three values or none: 64 models."""


@pytest.fixture(scope="module", params=BACKENDS)
def populated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Registry]:
    """A registry holding one model per entry of MODEL_TAGS (ids 1..64 in that order)."""
    directory = tmp_path_factory.mktemp("populated")
    schema = None
    if request.param == "sqlite":
        registry = Registry(directory)
    else:
        user, why = _postgres_user()
        if user is None:
            pytest.skip(f"no PostgreSQL at 127.0.0.1:5432 database 'test' ({why})")
        schema, url = postgres_schema_url(user)
        registry = Registry(url, artifacts=directory / "artifacts")
    for tags in MODEL_TAGS:
        registry._insert_model(description="m", tags=tags, artifact="0" * 64, user="u",
                               host="h", details={})
    try:
        yield registry
    finally:
        registry.close()
        if schema is not None:
            drop_postgres_schema(user, schema)


small_clauses = st.builds(
    Clause, st.sampled_from((*TAG_KEYS, "absent")),
    st.lists(st.sampled_from((*TAG_VALUES, "w")), min_size=1, max_size=3).map(tuple))
small_queries = st.lists(small_clauses, max_size=3).map(lambda cs: Query(tuple(cs)))


@given(query=small_queries)
def test_find_selects_what_a_brute_force_filter_selects(populated: Registry,
                                                        query: Query) -> None:
    expected = [i + 1 for i, tags in enumerate(MODEL_TAGS) if query.matches(tags)]
    found = populated.find(query)
    assert sorted(r.id for r in found) == expected
    assert all(r.tags == MODEL_TAGS[r.id - 1] for r in found)
    # the string form selects the same models
    assert [r.id for r in populated.find(format_query(query))] == [r.id for r in found]
    latest = populated.find(query, latest=True)
    assert [r.id for r in latest] == ([max(expected)] if expected else [])


# --- as_of equals a replay of the tag history ------------------------------------------------

START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _history(seed: int = 1) -> list[tuple[int, int, str, str]]:
    """(minute, model id, key, value) events: 30 models created at minutes 0..29 with their
    first tags, then 60 tag changes at later minutes (some at the same minute)."""
    rng = random.Random(seed)
    events = []
    for model in range(1, 31):
        for key in rng.sample(TAG_KEYS, rng.randint(0, 3)):
            events.append((model - 1, model, key, rng.choice(TAG_VALUES)))
    for _ in range(60):
        model = rng.randint(1, 30)
        events.append((rng.randint(model, 40), model, rng.choice(TAG_KEYS),
                       rng.choice(TAG_VALUES)))
    return sorted(events)


HISTORY = _history()


def _tags_at(minute: float) -> dict[int, dict[str, str]]:
    tags: dict[int, dict[str, str]] = {m: {} for m in range(1, 31) if m - 1 <= minute}
    for when, model, key, value in HISTORY:
        if when <= minute:
            tags[model][key] = value
    return tags


@pytest.fixture(scope="module", params=BACKENDS)
def with_history(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Registry]:
    directory = tmp_path_factory.mktemp("history")
    schema = user = None
    if request.param == "sqlite":
        registry = Registry(directory)
    else:
        user, why = _postgres_user()
        if user is None:
            pytest.skip(f"no PostgreSQL at 127.0.0.1:5432 database 'test' ({why})")
        schema, url = postgres_schema_url(user)
        registry = Registry(url, artifacts=directory / "artifacts")
    naive = START.replace(tzinfo=None)
    with registry._write() as connection:
        connection.execute(insert(t.models), [
            {"id": m, "description": "m", "created_at": naive + dt.timedelta(minutes=m - 1),
             "artifact": "0" * 64, "user": "u", "host": "h", "details": "{}"}
            for m in range(1, 31)])
        connection.execute(insert(t.tag_events), [
            {"model_id": model, "key": key, "value": value,
             "set_at": naive + dt.timedelta(minutes=when)}
            for when, model, key, value in HISTORY])
    try:
        yield registry
    finally:
        registry.close()
        if schema is not None:
            drop_postgres_schema(user, schema)


@given(query=small_queries, minute=st.sampled_from([-1, 0, 0.5, 3, 10, 17.5, 29, 35, 40, 50]))
def test_find_as_of_selects_what_a_replay_of_the_history_selects(
        with_history: Registry, query: Query, minute: float) -> None:
    then = _tags_at(minute)
    expected = sorted(m for m, tags in then.items() if query.matches(tags))
    found = with_history.find(query, as_of=START + dt.timedelta(minutes=minute))
    assert sorted(r.id for r in found) == expected
    assert all(r.tags == then[r.id] for r in found)
