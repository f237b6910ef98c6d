"""Findings: differences from Hamilton that are bugs (not in ``intended_differences``).

Each finding has an id, one line saying what is wrong, and a pattern its difference messages
match. Tests that reproduce a finding are marked with :func:`xfail`: strict, and expecting
:class:`KnownFinding`, so

* while the bug is there, the test raises ``KnownFinding`` (xfailed);
* any *other* difference fails the test for real (a plain ``AssertionError``);
* once the bug is fixed the test passes, and strict xfail turns that into a failure, so the
  marker (and the entry below) is removed with the fix.

The minimal reproducers live in ``test_differential_findings.py``; the module suite attaches
findings to cases in :data:`CASE_FINDINGS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pytest


class KnownFinding(AssertionError):
    """Raised by a test when every difference it found is explained by known findings."""


@dataclass(frozen=True)
class Finding:
    id: str
    summary: str
    pattern: str = r"(?!)"
    """A regular expression the difference messages of this finding match (searched)."""

    def matches(self, difference: str) -> bool:
        return re.search(self.pattern, difference, re.DOTALL) is not None


FINDINGS: dict[str, Finding] = {f.id: f for f in (
    # F-missing-public-names is fixed: function_modifiers.adapters.load_from was the last name
    # missing (issue 9's dataflow.io), so every public name the API test checks exists.
)}


def finding(finding_id: str) -> Finding:
    return FINDINGS[finding_id]


def open_findings(*finding_ids: str) -> tuple[str, ...]:
    """The ids among ``finding_ids`` that are still open (fixed ones leave :data:`FINDINGS`)."""
    return tuple(i for i in finding_ids if i in FINDINGS)


def xfail(*finding_ids: str) -> pytest.MarkDecorator:
    """The strict-xfail marker for a test that reproduces ``finding_ids``."""
    reason = "; ".join(f"{i}: {FINDINGS[i].summary}" for i in finding_ids)
    return pytest.mark.xfail(strict=True, raises=KnownFinding, reason=reason)


def settle(differences: Iterable[str], finding_ids: Iterable[str] = ()) -> None:
    """Judge a test's differences against the findings it is known to reproduce.

    No differences and no findings: passes. Differences all explained by the findings, and
    each finding seen: raises :class:`KnownFinding` (the expected failure). An unexplained
    difference, or a listed finding that no longer shows: a plain ``AssertionError``.
    """
    differences = list(differences)
    known = [FINDINGS[i] for i in finding_ids]
    unexplained = [d for d in differences if not any(f.matches(d) for f in known)]
    assert not unexplained, "differences from Hamilton:\n" + "\n".join(unexplained)
    stale = [f.id for f in known if not any(f.matches(d) for d in differences)]
    assert not stale, (f"finding(s) {stale} no longer reproduce here: remove them from "
                       "tests/compat/findings.py and the test's marker")
    if known:
        raise KnownFinding("\n".join(differences))


CASE_FINDINGS: dict[tuple[str, str], tuple[str, ...]] = {
    # (case id, aspect) -> findings; aspects: "build", "structure", "request:<output>"
}


def case_findings(case_id: str, aspect: str) -> tuple[str, ...]:
    return CASE_FINDINGS.get((case_id, aspect), ())
