"""``@check_output`` and ``@check_output_custom``: validate a node's value when it is computed
(Hamilton's ``function_modifiers.validation``).

A checked node ``n`` becomes ``n_raw`` (the function), one validator node per validator
(``n_<validator name>``, e.g. ``n_range_validator``, whose value is a
:class:`~dataflow.data_quality.ValidationResult`) and ``n`` itself, which waits for every
validator, logs failed ``warn`` checks, raises one
:class:`~dataflow.data_quality.DataValidationError` listing every failed ``fail`` check, and
otherwise passes the very same object on (checks never copy or change the value).
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataflow.data_quality.base import (
    DQ_CONTAINS_RESULTS_TAG,
    DQ_SOURCE_NODE_TAG,
    HAMILTON_DQ_TAGS,
    DataValidationError,
    DataValidator,
    ValidationFailure,
    ValidationImportance,
    ValidationResult,
    logger,
)
from dataflow.data_quality.default_validators import (
    VALIDATOR_KEYWORDS,
    types_for,
    validator_class_for,
)
from dataflow.errors import did_you_mean
from dataflow.function_modifiers.targets import select_targets
from dataflow.instructions import (
    DecoratorUsageError,
    ResolveContext,
    TransformInstruction,
    record,
)
from dataflow.node import DECORATOR_TAG, MODULE_TAG, Dependency, Node, origin_of, type_name

__all__ = ["check_output", "check_output_custom"]


@dataclass(frozen=True, slots=True)
class RunValidator:
    """The callable of a validator node: ``validator.validate(value)`` (picklable)."""

    validator: DataValidator
    source: str

    def __call__(self, **kwargs: Any) -> ValidationResult:
        result = self.validator.validate(kwargs[self.source])
        if not isinstance(result, ValidationResult):
            raise TypeError(
                f"{type(self.validator).__name__}.validate returned {result!r}; a validator "
                "must return a ValidationResult(passes, message, diagnostics).")
        return result


@dataclass(frozen=True, slots=True)
class ValidationGate:
    """The callable of a checked node: returns the raw value once every validator ran, after
    logging ``warn`` failures and raising one error for all ``fail`` failures."""

    node_name: str
    source: str
    validators: tuple[tuple[str, ValidationImportance], ...]

    def __call__(self, **kwargs: Any) -> Any:
        failures = []
        for validator_node, importance in self.validators:
            result: ValidationResult = kwargs[validator_node]
            if not result.passes:
                failures.append(ValidationFailure(self.node_name, validator_node, importance,
                                                  result))
        for failure in failures:
            if failure.importance is ValidationImportance.WARN:
                logger.warning("Data validation warning: %s", failure.describe())
        fatal = [f for f in failures if f.importance is ValidationImportance.FAIL]
        if fatal:
            raise DataValidationError(fatal)
        return kwargs[self.source]

    def with_names(self, renamed: Mapping[str, str]) -> ValidationGate:
        """The same gate after its node and inputs were renamed (subdag namespacing)."""
        return ValidationGate(
            renamed.get(self.node_name, self.node_name), renamed.get(self.source, self.source),
            tuple((renamed.get(v, v), importance) for v, importance in self.validators))


class CheckOutputInstruction(TransformInstruction):
    decorator_name = "check_output"

    def __init__(self, decorator_name: str, make_validators: Callable[..., list[DataValidator]],
                 target: Any) -> None:
        self.decorator_name = decorator_name
        self.make_validators = make_validators
        self.target = target

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        targets = {n.name for n in select_targets(nodes, self.target, context,
                                                  self.decorator_name)}
        taken = {n.name for n in nodes}
        cache: dict[Any, list[DataValidator]] = {}
        result: list[Node] = []
        for node in nodes:
            if node.name not in targets:
                result.append(node)
                continue
            key = (node.type, node.name) if getattr(self.make_validators, "per_node",
                                                    False) else node.type
            try:
                validators = cache[key]
            except (KeyError, TypeError):
                validators = self.make_validators(context, node)
                with contextlib.suppress(TypeError):  # an unhashable annotation: no memo
                    cache[key] = validators
            if not validators:  # e.g. a column the schema does not describe
                result.append(node)
                continue
            result.extend(self._check(context, node, validators, taken))
        return result

    def _check(self, context: ResolveContext, node: Node, validators: list[DataValidator],
               taken: set[str]) -> list[Node]:
        tags = {MODULE_TAG: node.tags.get(MODULE_TAG, ""), DECORATOR_TAG: self.decorator_name}
        gate = node.fn if isinstance(node.fn, ValidationGate) else None
        out: list[Node] = []
        if gate is None:
            raw_name = f"{node.name}_raw"
            if raw_name in taken:
                raise context.error(self, f"node {raw_name!r} already exists; rename it.")
            taken.add(raw_name)
            raw = node.with_changes(name=raw_name, tags=tags)
            out.append(raw)
            raw_dep = Dependency(raw_name, node.type)
            existing: tuple[tuple[str, ValidationImportance], ...] = ()
        else:  # a second check_output on the same node joins the first one's gate
            raw_dep = next(d for d in node.dependencies if d.name == gate.source)
            existing = gate.validators
        added = []
        for validator in validators:
            name = f"{node.name}_{validator.name()}"
            if name in taken:
                raise context.error(
                    self, f"node {node.name!r} gets validator {validator.name()!r} twice; "
                    "each validator name may check a node once.")
            taken.add(name)
            out.append(Node(
                name=name, type=ValidationResult, fn=RunValidator(validator, raw_dep.name),
                dependencies=(raw_dep,),
                tags=types.MappingProxyType({
                    **tags, DQ_CONTAINS_RESULTS_TAG: True, DQ_SOURCE_NODE_TAG: node.name,
                    HAMILTON_DQ_TAGS[0]: True, HAMILTON_DQ_TAGS[1]: node.name}),
                doc=validator.description(), origin=node.origin,
                originating_functions=node.originating_functions,
            ))
            added.append((name, validator.importance))
        all_validators = (*existing, *added)
        out.append(node.with_changes(
            fn=ValidationGate(node.name, raw_dep.name, tuple(all_validators)),
            dependencies=(raw_dep, *(Dependency(v, ValidationResult) for v, _ in all_validators)),
            is_async=False,
        ))
        return out


class check_output:
    """Validate the node's value with default validators chosen by keyword and by the node's
    annotated type: ``data_type``, ``range``, ``values_in``, ``max_fraction_nans``,
    ``allow_nans``, ``max_standard_dev``, ``mean_in_range``, ``allow_none``, ``contains``,
    ``does_not_contain``.

    ``importance="warn"`` (default) logs failures; ``"fail"`` raises one
    :class:`~dataflow.data_quality.DataValidationError`. ``target_`` picks output nodes of a
    function with several (e.g. one column of ``extract_columns``).

    >>> import pandas as pd
    >>> @check_output(range=(0, 1), importance="fail")
    ... def share(x: pd.Series) -> pd.Series:
    ...     return x / x.sum()
    """

    def __init__(self, importance: str = "warn", target_: Any = None,
                 **default_validator_kwargs: Any) -> None:
        ValidationImportance.from_string(importance)
        if not default_validator_kwargs:
            raise DecoratorUsageError(
                "@check_output needs at least one validator keyword, e.g. "
                "@check_output(range=(0, 1)).")
        self.importance = importance
        self.target = target_
        self.kwargs = default_validator_kwargs

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        unknown = [k for k in self.kwargs if k not in VALIDATOR_KEYWORDS]
        if unknown:
            raise DecoratorUsageError(
                f"@check_output on {origin_of(fn)}: unknown validator keyword(s) "
                f"{', '.join(repr(u) for u in unknown)}."
                f"{did_you_mean(unknown[0], VALIDATOR_KEYWORDS)}"
                f" Available: {', '.join(VALIDATOR_KEYWORDS)}.")
        return record(fn, CheckOutputInstruction(
            "check_output", _DefaultValidators(self.kwargs, self.importance), self.target))


@dataclass(frozen=True)
class _DefaultValidators:
    kwargs: Mapping[str, Any]
    importance: str

    @property
    def per_node(self) -> bool:
        """Whether the validators depend on the node's name, not only its type (a pandera
        schema on a column node checks that column)."""
        return "schema" in self.kwargs

    def __call__(self, context: ResolveContext, node: Node) -> list[DataValidator]:
        validators: list[DataValidator] = []
        for keyword, argument in self.kwargs.items():
            try:
                cls = validator_class_for(keyword, node.type)
            except ImportError as error:
                raise context.error("check_output", str(error)) from None
            if cls is None:
                raise context.error(
                    "check_output",
                    f"{keyword}= does not apply to node {node.name!r} of type "
                    f"{type_name(node.type)}; it applies to {' / '.join(types_for(keyword))}. "
                    "Annotate the function's return type accordingly, or drop the check.")
            for_node = getattr(cls, "for_node", None)  # a validator shaped by the node
            try:
                if for_node is not None:
                    validator = for_node(argument, self.importance, node.name, node.type)
                    if validator is not None:
                        validators.append(validator)
                else:
                    validators.append(cls(argument, self.importance))  # type: ignore[call-arg]
            except (TypeError, ValueError) as error:
                raise context.error("check_output", f"{keyword}={argument!r}: {error}") from None
        return validators


@dataclass(frozen=True)
class _CustomValidators:
    validators: Sequence[DataValidator]

    def __call__(self, context: ResolveContext, node: Node) -> list[DataValidator]:
        for validator in self.validators:
            if not validator.applies_to(node.type):
                raise context.error(
                    "check_output_custom",
                    f"validator {validator.name()!r} ({type(validator).__name__}) does not apply "
                    f"to node {node.name!r} of type {type_name(node.type)} (its applies_to "
                    "returned False).")
        return list(self.validators)


class check_output_custom:
    """Validate the node's value with your own :class:`~dataflow.data_quality.DataValidator`
    instances (each carries its own importance and name)."""

    def __init__(self, *validators: DataValidator, target_: Any = None) -> None:
        if not validators:
            raise DecoratorUsageError(
                "@check_output_custom needs at least one DataValidator instance.")
        for validator in validators:
            if not isinstance(validator, DataValidator):
                raise DecoratorUsageError(
                    f"@check_output_custom takes DataValidator instances; got {validator!r}. "
                    "Subclass dataflow.data_quality.DataValidator.")
        self.validators = validators
        self.target = target_

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return record(fn, CheckOutputInstruction(
            "check_output_custom", _CustomValidators(tuple(self.validators)), self.target))
