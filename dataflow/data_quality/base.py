"""The validator interface, its result, and how results reach the caller.

A :class:`DataValidator` looks at one value and returns a :class:`ValidationResult`. Each
validator that ``@check_output`` attaches becomes its own node (``<node>_<validator name>``),
so its result can be requested like any other output, and :class:`ValidationResultsCollector`
(an adapter) gathers every result of a run.
"""

from __future__ import annotations

import abc
import enum
import logging
import threading
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dataflow.lifecycle import GraphExecutionHook, NodeExecutionHook

logger = logging.getLogger("dataflow.data_quality")

DQ_CONTAINS_RESULTS_TAG = "dataflow.data_quality.contains_dq_results"
"""Tag set (to ``True``) on every validator node; its value is a :class:`ValidationResult`."""
DQ_SOURCE_NODE_TAG = "dataflow.data_quality.source_node"
"""Tag on every validator node naming the node it checks."""
HAMILTON_DQ_TAGS = (
    "hamilton.data_quality.contains_dq_results",
    "hamilton.data_quality.source_node",
)
"""Hamilton's names for the two tags above, also set so ported tag filters keep working."""


class ValidationImportance(enum.Enum):
    """What a failing check does: ``WARN`` logs, ``FAIL`` raises :class:`DataValidationError`."""

    WARN = "warn"
    FAIL = "fail"

    @staticmethod
    def from_string(name: str) -> ValidationImportance:
        try:
            return ValidationImportance(name)
        except ValueError:
            raise ValueError(
                f"importance must be 'warn' or 'fail'; got {name!r}.") from None


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of one validator on one value."""

    passes: bool
    message: str
    diagnostics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ValidationFailure:
    """One failed check: which node, which validator, how important, and its result."""

    node_name: str
    validator_node: str
    importance: ValidationImportance
    result: ValidationResult

    def describe(self) -> str:
        return (f"node {self.node_name!r}, {self.validator_node!r}: {self.result.message} "
                f"diagnostics={self.result.diagnostics}")


class DataValidationError(Exception):
    """Raised after every validator of a node ran, when at least one with importance ``fail``
    did not pass. :attr:`failures` holds each failure (node, validator, result)."""

    def __init__(self, failures: list[ValidationFailure]) -> None:
        self.failures = failures
        lines = "\n".join(f"  - {f.describe()}" for f in failures)
        super().__init__(f"{len(failures)} data validation check(s) failed:\n{lines}")

    def __reduce__(self) -> Any:  # keep the failures when sent between processes
        return (type(self), (self.failures,), self.__dict__)


class DataValidator(abc.ABC):
    """A check on a node's value. Subclass it for ``@check_output_custom``.

    ``applies_to`` says whether the validator can check values of the node's annotated type;
    ``name`` names the validator node (``<node>_<name>``) and must be unique per node.
    """

    def __init__(self, importance: str) -> None:
        self._importance = ValidationImportance.from_string(importance)

    @property
    def importance(self) -> ValidationImportance:
        return self._importance

    @abc.abstractmethod
    def applies_to(self, datatype: type[type]) -> bool: ...

    @abc.abstractmethod
    def description(self) -> str: ...

    @classmethod
    @abc.abstractmethod
    def name(cls) -> str: ...

    @abc.abstractmethod
    def validate(self, dataset: Any) -> ValidationResult: ...


class BaseDefaultValidator(DataValidator, abc.ABC):
    """A validator ``@check_output`` finds by its keyword (:meth:`arg`) and the node's type."""

    @classmethod
    @abc.abstractmethod
    def applies_to(cls, datatype: type[type]) -> bool: ...  # type: ignore[override]

    @classmethod
    @abc.abstractmethod
    def arg(cls) -> str:
        """The ``check_output`` keyword that selects this validator (``"range"``, ...)."""

    @classmethod
    def name(cls) -> str:
        return f"{cls.arg()}_validator"


def runtime_class(annotation: Any) -> type | None:
    """The class behind an annotation (``Annotated`` and generics unwrapped), or ``None``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = annotation.__origin__
    origin = typing.get_origin(annotation)
    candidate = origin if origin is not None else annotation
    return candidate if isinstance(candidate, type) else None


_RunResults = tuple[dict[str, "ValidationResult"], dict[str, str]]
"""One run's validator results by node, and the node each validator checks."""


class ValidationResultsCollector(GraphExecutionHook, NodeExecutionHook):
    """Collects the :class:`ValidationResult` of every validator node that runs, per run.

    Pass it to ``Builder().with_adapters(collector)``; after ``execute`` (also after one that
    raised :class:`DataValidationError`), :attr:`results` maps each validator node that ran in
    the calling thread's last run to its result, and :meth:`failures` lists the failed ones.
    Results belong to a run: threads sharing one driver each see their own run's results, however
    many runs other threads make meanwhile. :meth:`results_of` reads a run by its id; the
    :data:`KEEP_RUNS` most recent finished runs stay readable that way (runs in progress always
    do).

    >>> collector = ValidationResultsCollector()
    >>> collector.results
    {}
    """

    KEEP_RUNS = 64
    """How many finished runs stay readable through :meth:`results_of` (oldest dropped first)."""

    def __init__(self) -> None:
        self._runs: dict[str, _RunResults] = {}
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._last = threading.local()

    def run_before_graph_execution(self, *, run_id: str = "", **future_kwargs: Any) -> None:
        run: _RunResults = ({}, {})
        with self._lock:
            self._runs[run_id] = run
            self._active.add(run_id)
        self._last.run = run  # this thread's last run, held here so it is never dropped

    def run_after_graph_execution(self, *, run_id: str = "", **future_kwargs: Any) -> None:
        with self._lock:
            self._active.discard(run_id)
            finished = [r for r in self._runs if r not in self._active]
            for old in finished[:max(0, len(finished) - self.KEEP_RUNS)]:
                del self._runs[old]

    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        return None

    def run_after_node_execution(
        self, *, node_name: str, node_tags: Mapping[str, Any], result: Any,
        success: bool, run_id: str = "", **future_kwargs: Any,
    ) -> None:
        if success and node_tags.get(DQ_CONTAINS_RESULTS_TAG):
            run = self._runs.get(run_id)
            if run is not None:
                run[0][node_name] = result
                run[1][node_name] = node_tags.get(DQ_SOURCE_NODE_TAG, "")

    @property
    def run_ids(self) -> list[str]:
        """Ids of the runs whose results are kept, oldest first."""
        return list(self._runs)

    def results_of(self, run_id: str) -> dict[str, ValidationResult]:
        """The results of the run ``run_id`` (empty when it is unknown or was dropped)."""
        return dict(self._runs.get(run_id, ({}, {}))[0])

    def _this_thread_s_run(self) -> _RunResults:
        return getattr(self._last, "run", ({}, {}))  # type: ignore[no-any-return]

    @property
    def results(self) -> dict[str, ValidationResult]:
        """The results of the last run this thread started through the driver."""
        return dict(self._this_thread_s_run()[0])

    @property
    def sources(self) -> dict[str, str]:
        """Validator node → the node it checks, for this thread's last run."""
        return dict(self._this_thread_s_run()[1])

    def failures(self) -> dict[str, ValidationResult]:
        """The results that did not pass, by validator node (this thread's last run)."""
        return {name: r for name, r in self.results.items() if not r.passes}

    def results_for(self, node_name: str) -> dict[str, ValidationResult]:
        """The results of the validators of one checked node (this thread's last run)."""
        sources = self.sources
        return {v: r for v, r in self.results.items() if sources.get(v) == node_name}
