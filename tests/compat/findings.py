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
    Finding("F-config-tag",
            "@config.when/when_not/when_in nodes lack Hamilton's tag hamilton.config=<keys>",
            r"\.tags\['hamilton\.config'\]: dataflow \(absent\)"),
    Finding("F-subdag-tags",
            "nodes made by @subdag/@parameterized_subdag/@with_columns lack "
            "hamilton.non_final_node=True; their source()/value() input nodes (and "
            "with_columns' _append and passed-through columns) carry a module tag Hamilton "
            "does not give; with_columns nodes are tagged with the decorated function's module "
            "instead of the module the column function comes from",
            r"\.tags\['(hamilton\.non_final_node|module)'\]: dataflow "),
    Finding("F-with-columns-append-deps",
            "@with_columns: the <fn>._append node does not depend on the passed-through "
            "columns (Hamilton's does)",
            r"\._append\.required_dependencies"),
    Finding("F-with-columns-non-series-node",
            "@with_columns: a function of the column module that returns a scalar "
            "(total_spend -> float) defines no node; Hamilton keeps it as "
            "<namespace>.total_spend, which can be requested",
            r"only hamilton has this node|dataflow raises UnknownOutputError"),
    Finding("F-parameterize-values-plain-keys",
            "@parameterize_values(assigned_output={'name': v}) builds; Hamilton refuses keys "
            "that are not (name, doc) tuples",
            r"only hamilton refuses to build: InvalidDecoratorException: assigned_output key"
            r"|^dataflow builds; the case expects both to refuse$"),
    Finding("F-schema-output-non-dataframe",
            "@schema.output on a function returning int builds; Hamilton refuses a "
            "non-DataFrame node",
            r"only hamilton refuses to build: InvalidDecoratorException: Node \w+ has type"
            r"|^dataflow builds; the case expects both to refuse$"),
    Finding("F-non-identifier-columns",
            "@extract_columns/@extract_fields refuse names that are not identifiers "
            "('Tax Rate', '2023'); Hamilton builds them and they can be requested",
            r"only dataflow refuses to build: TypeError: @extract_(columns|fields)"),
    Finding("F-mutate-twice-same-name",
            "two @mutate functions of the same name (the later def replaces the earlier) "
            "apply once; Hamilton applies both",
            r"with_adjust_1|\['spend(\.with_adjust)?'\]: "),
    Finding("F-no-return-annotation",
            "a function without a return annotation builds; Hamilton refuses it",
            r"^dataflow builds; the case expects both to refuse$"),
    Finding("F-module-level-lambda",
            "a module-level lambda silently defines no node; Hamilton refuses to build "
            "(the issue asks for a clear build error)",
            r"^dataflow builds; the case expects both to refuse$"),
    Finding("F-step-named-empty-name",
            "step(...).named(name='', namespace='ns') is refused (TypeError); Hamilton "
            "accepts it (the step node is named from the namespace)",
            r"only dataflow refuses to build: TypeError: step\(\.\.\.\)\.named\(\)"),
    Finding("F-step-when-none",
            "step(f).when(a=None) with `a` absent from the config does not apply the step; "
            "@config.when(a=None) and Hamilton treat the absent key as None (step applied)",
            r"piped"),
    Finding("F-step-naming-after-named",
            "an unnamed step after a .named() step of the same function is called "
            "<node>.with_<fn>; Hamilton counts the named one and calls it <node>.with_<fn>_1",
            r"with_scale_1|with_scale: only dataflow"),
    Finding("F-hamilton-submodule-paths",
            "Hamilton's submodule import paths (function_modifiers.configuration, "
            ".expanders, .dependencies, .metadata, ...) do not exist",
            r"only dataflow refuses to build: ModuleNotFoundError: No module named "
            r"'dataflow\.function_modifiers\.\w+'"),
    Finding("F-subdag-inputs-typo-ignored",
            "a misspelt key in @subdag(inputs=...) is silently ignored (the issue asks for a "
            "did-you-mean error, an intended difference from Hamilton)",
            r"^dataflow builds, but subdag-input-typos-refused says it refuses$"),
    Finding("F-missing-public-names",
            "Hamilton names real modules and scripts import are missing: "
            "function_modifiers.parametrized_input / InvalidDecoratorException, "
            "base.DefaultAdapter / ResultMixin, the settings module, the function_modifiers "
            "submodules configuration, recursive, macros, validation, adapters, base "
            "(expanders, metadata, dependencies exist), Driver.validate_inputs",
            r"dataflow lacks"),
    Finding("F-decorator-mutates-shared-function",
            "decorating a function imported from another module (b = parameterize(...)(base.a))"
            " removes base's node `a` from a driver built with both modules (Hamilton #1281)",
            r"dataflow lacks node 'a'"),
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
    ("fm_core_mode_a", "structure"): ("F-config-tag",),
    ("fm_core_mode_other", "structure"): ("F-config-tag",),
    ("fm_core_async", "structure"): ("F-config-tag",),
    ("fm_subdag_configured_eu", "structure"): ("F-config-tag",),
    ("fm_subdag_configured_us", "structure"): ("F-config-tag",),
    ("compat_hamilton_style_eu", "structure"): ("F-config-tag",),
    ("compat_hamilton_style_us", "structure"): ("F-config-tag",),
    ("fm_subdag", "structure"): ("F-subdag-tags",),
    ("fm_subdag_nested", "structure"): ("F-subdag-tags",),
    ("fm_reuse_columns", "structure"): ("F-subdag-tags", "F-with-columns-append-deps",
                                        "F-with-columns-non-series-node"),
    ("fm_reuse_columns", "request:all_cols.total_spend"): ("F-with-columns-non-series-node",),
    ("fm_reuse_columns", "all"): ("F-with-columns-non-series-node",),
    ("fm_reuse_columns", "frame"): ("F-with-columns-non-series-node",),
    ("fm_reuse_async", "structure"): ("F-subdag-tags", "F-with-columns-append-deps"),
    ("res_odd_column_names", "build"): ("F-non-identifier-columns",),
    **{("res_mutate_twice", a): ("F-mutate-twice-same-name",) for a in (
        "structure", "request:spend", "request:spend.with_adjust",
        "request:spend.with_adjust_1", "all", "frame")},
    ("res_no_return_annotation", "build"): ("F-no-return-annotation",),
    ("res_module_lambda", "build"): ("F-module-level-lambda",),
    ("res_pipe_naming", "build"): ("F-step-named-empty-name",),
    ("res_config_none_absent", "structure"): ("F-config-tag", "F-step-when-none"),
    **{("res_config_none_absent", a): ("F-step-when-none",) for a in (
        "request:piped", "request:piped.raw", "request:piped.with_add", "all", "frame")},
    ("res_config_none_given", "structure"): ("F-config-tag",),
    ("res_config_none_other", "structure"): ("F-config-tag",),
    ("res_submodule_paths", "build"): ("F-hamilton-submodule-paths",),
    ("res_subdag_inputs_typo", "build"): ("F-subdag-inputs-typo-ignored",),
    ("res_subdag_inputs_typo", "structure"): ("F-subdag-tags",),
}


def case_findings(case_id: str, aspect: str) -> tuple[str, ...]:
    return CASE_FINDINGS.get((case_id, aspect), ())
