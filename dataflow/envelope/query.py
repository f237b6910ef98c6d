"""Tag queries: which models a rule, a dashboard or a batch job means.

A query is a conjunction of clauses; a clause names a tag and the values it may have (one value,
or several: OR inside a clause, AND across clauses). Two forms describe the same thing:

* keywords, in Python: ``registry.find(canonical_name="client_ltv", region=["US", "CA"])``;
* a string, on the command line: ``"canonical_name=client_ltv region in (US,CA)"``.

A value that holds a space, a comma, a parenthesis, a quote, ``=`` or nothing at all is written in
double quotes (``note="a, b"``; a backslash escapes ``"`` and ``\\`` inside them).

>>> q = parse_query("canonical_name=client_ltv region in (US,CA) passes_tests=true")
>>> q.clauses[1]
Clause(key='region', values=('US', 'CA'))
>>> format_query(q)
'canonical_name=client_ltv region in (US,CA) passes_tests=true'
>>> q.matches({"canonical_name": "client_ltv", "region": "CA", "passes_tests": "true"})
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dataflow.errors import DataflowError

KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
"""What a tag key may be: a name (letters, digits, ``_``, ``.``, ``-``; not starting with a
digit, ``.`` or ``-``), so that keys read the same in Python keywords and in the string form."""
BARE_VALUE = re.compile(r"[^\s,()=\"']+")
"""A value written without quotes."""


class QuerySyntaxError(DataflowError):
    """A query string that does not parse; the message shows where."""

    def __init__(self, query: str, position: int, problem: str) -> None:
        self.query = query
        self.position = position
        self.problem = problem
        pointer = " " * position + "^"
        super().__init__(f"bad tag query at character {position + 1}: {problem}\n"
                         f"  {query}\n  {pointer}\n"
                         "A query is clauses separated by spaces: key=value or "
                         "key in (value1,value2); quote values with spaces or commas: "
                         'key="a b".')


@dataclass(frozen=True, slots=True)
class Clause:
    """One tag and the values it may take (any of them)."""

    key: str
    values: tuple[str, ...]

    def matches(self, tags: Mapping[str, str]) -> bool:
        return self.key in tags and tags[self.key] in self.values


@dataclass(frozen=True, slots=True)
class Query:
    """A conjunction of clauses; the empty query matches every model."""

    clauses: tuple[Clause, ...] = ()

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Whether a model with these tags is selected (the reference semantics the database
        query must agree with)."""
        return all(clause.matches(tags) for clause in self.clauses)

    def __and__(self, other: Query) -> Query:
        return Query(self.clauses + other.clauses)

    def __str__(self) -> str:
        return format_query(self)


def format_value(value: str) -> str:
    """``value`` as the string form writes it: bare when it can be, else double-quoted."""
    if BARE_VALUE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_query(query: Query) -> str:
    """The string form of ``query`` (:func:`parse_query` reads it back to an equal query)."""
    parts = []
    for clause in query.clauses:
        if len(clause.values) == 1:
            parts.append(f"{clause.key}={format_value(clause.values[0])}")
        else:
            parts.append(f"{clause.key} in ({','.join(map(format_value, clause.values))})")
    return " ".join(parts)


class _Reader:
    """A cursor over a query string; every failure names the character it stopped at."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def fail(self, problem: str, at: int | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(self.text, self.at if at is None else at, problem)

    def skip_space(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def done(self) -> bool:
        self.skip_space()
        return self.at >= len(self.text)

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def key(self) -> str:
        match = KEY.match(self.text, self.at)
        if not match:
            found = self.text[self.at:].split(None, 1)[0] if self.text[self.at:].strip() else ""
            raise self.fail(f"expected a tag name, found {found!r}")
        self.at = match.end()
        return match.group()

    def value(self) -> str:
        self.skip_space()
        if self.peek() == '"':
            start = self.at
            self.at += 1
            out = []
            while self.at < len(self.text):
                char = self.text[self.at]
                if char == "\\" and self.at + 1 < len(self.text):
                    out.append(self.text[self.at + 1])
                    self.at += 2
                elif char == '"':
                    self.at += 1
                    return "".join(out)
                else:
                    out.append(char)
                    self.at += 1
            raise self.fail("this quoted value is never closed (a missing '\"')", at=start)
        match = BARE_VALUE.match(self.text, self.at)
        if not match:
            shown = self.peek() or "the end of the query"
            raise self.fail(f"expected a value, found {shown!r}")
        self.at = match.end()
        return match.group()

    def clause(self) -> Clause:
        key_start = self.at
        key = self.key()
        after_key = self.at
        self.skip_space()
        if self.peek() == "=":
            self.at += 1
            return Clause(key, (self.value(),))
        if self.text.startswith("in", self.at) and self.at > after_key:
            keyword_end = self.at + 2
            self.at = keyword_end
            self.skip_space()
            if self.peek() != "(":
                raise self.fail("expected '(' after 'in', as in: key in (a,b)")
            self.at += 1
            values = [self.value()]
            while True:
                self.skip_space()
                if self.peek() == ",":
                    self.at += 1
                    values.append(self.value())
                elif self.peek() == ")":
                    self.at += 1
                    return Clause(key, tuple(values))
                else:
                    raise self.fail("expected ',' or ')' in the list of values")
        shown = self.peek() or "the end of the query"
        raise self.fail(f"expected '=' or 'in' after the tag name {key!r}, found {shown!r}",
                        at=key_start)


def parse_query(text: str) -> Query:
    """The query a string describes; :class:`QuerySyntaxError` points at the offending part.

    >>> try:
    ...     parse_query("region=US oops")
    ... except QuerySyntaxError as error:
    ...     print(error.position, error.problem)
    10 expected '=' or 'in' after the tag name 'oops', found 'the end of the query'
    """
    reader = _Reader(text)
    clauses = []
    while not reader.done():
        clause = reader.clause()
        if reader.at < len(reader.text) and not reader.text[reader.at].isspace():
            raise reader.fail("expected a space before the next clause")
        clauses.append(clause)
    return Query(tuple(clauses))


TagValues = str | Iterable[str]


def a_type(value: Any) -> str:
    """``"an int"``, ``"a str"``: the type of ``value`` with its article, for messages."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def check_key(key: str, where: str) -> None:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise DataflowError(
            f"{where}: {key!r} cannot be a tag name: a tag name starts with a letter or '_' and "
            "holds letters, digits, '_', '.' and '-' only.")


def query_from(query: str | Query | Mapping[str, TagValues] | None = None,
               **tags: TagValues) -> Query:
    """One :class:`Query` from what ``find`` accepts: a string, a query, a mapping of tag to
    value(s), keyword tags, or several of those (all must hold)."""
    result = Query()
    if isinstance(query, str):
        result = parse_query(query)
    elif isinstance(query, Query):
        result = query
    elif query is not None:
        result = _from_mapping(dict(query))
    return result & _from_mapping(tags)


def _from_mapping(tags: Mapping[str, TagValues]) -> Query:
    clauses = []
    for key, wanted in tags.items():
        check_key(key, "tag query")
        if isinstance(wanted, str):
            values: tuple[Any, ...] = (wanted,)
        elif isinstance(wanted, Iterable) and not isinstance(wanted, (bytes, Mapping)):
            values = tuple(wanted)
        else:
            values = (wanted,)
        bad = [v for v in values if not isinstance(v, str)]
        if bad:
            suggestion = str(bad[0]).lower() if isinstance(bad[0], bool) else str(bad[0])
            raise DataflowError(
                f"tag query {key}={wanted!r}: tags are strings and {bad[0]!r} is "
                f"{a_type(bad[0])}; write {key}={suggestion!r}.")
        if not values:
            raise DataflowError(f"tag query {key}=[]: no value is given; an empty list would "
                                "select nothing. Give at least one value.")
        clauses.append(Clause(key, values))
    return Query(tuple(clauses))
