"""The fast path of a repeated request: one call from ``execute`` to the plan's code.

A request that a driver has already answered once, with the same outputs, the same input
names and the same override names, needs no name resolution, no plan-cache key of frozensets,
no copy of its mappings and no per-call look-up of what the plan reads: all of that depends on
the request's *shape* only. :func:`fast_request` does that work once per shape and returns a
function of ``(inputs, overrides)`` that builds the start values, checks the inputs' types,
runs the plan and builds the result. The driver keeps these functions next to its plan cache
(:attr:`~dataflow.plan_cache.PlanCache.fast`), which forgets them whenever it forgets a plan.

The fast path never raises a request error of its own: when an input's type is not one it has
already accepted and :func:`~dataflow.type_rules.value_matches` refuses it, it answers
:data:`SLOW`, and the driver takes the full path, which raises the usual error (or lets an
adapter's ``validate_input`` accept the value). A failure inside a node is annotated exactly as
the compiled runner annotates it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dataflow.base import DictResult
from dataflow.execution.compiled import REQUEST_STEPS, compile_request
from dataflow.execution.failures import annotate_failure
from dataflow.execution.runner import PlanRunner
from dataflow.plan import TypedInput
from dataflow.type_rules import _matches_anything, strip_annotated, value_matches

SLOW: Any = object()
"""What a fast request answers when the full path must decide (an input of a new type)."""

Request = Callable[[Mapping[str, Any] | None, Mapping[str, Any] | None], Any]


def accepts_anything(annotation: Any) -> bool:
    """Whether every value (``None`` included) suits a parameter annotated ``annotation``:
    ``Any``, ``object``, a string or forward reference, an unsubscripted ``Callable``... not
    checked on the fast path."""
    annotation = strip_annotated(annotation)
    return annotation is object or _matches_anything(annotation)


class TypeCheck:
    """One :class:`~dataflow.plan.TypedInput` with the classes of values it has accepted.

    A value whose class is in :attr:`accepted` passes with one set look-up. A value of another
    class is checked by :func:`~dataflow.type_rules.value_matches`; its class joins the set when
    the verdict depends on the class alone (a plain class as annotation, and the value's class
    its subclass, or ``None`` accepted by a default)."""

    __slots__ = ("accepted", "cacheable", "name", "typed")

    def __init__(self, typed: TypedInput) -> None:
        self.typed = typed
        self.name = typed.name
        annotation = typed.type
        self.cacheable = type(annotation) is type
        self.accepted: set[type] = {annotation} if self.cacheable else set()

    def accepts(self, value: Any) -> bool:
        """The slow check of a value of a class not yet accepted (cached when it may be)."""
        typed = self.typed
        if value is None:
            if typed.accepts_none or value_matches(None, typed.type):
                self.accepted.add(type(None))
                return True
            return False
        if not value_matches(value, typed.type):
            return False
        cls = type(value)
        if self.cacheable and issubclass(cls, typed.type):
            self.accepted.add(cls)
        return True


def fast_request(runner: PlanRunner, overridden: frozenset[str], config: Mapping[str, Any],
                 builder: Any, touch: Callable[[], None],
                 install: Callable[[Request], None]) -> Request:
    """The function running ``runner``'s plan for a request of one shape: ``overridden`` are
    the override names (the other provided names come from ``inputs``), ``config`` the graph's
    config, ``builder`` the driver's result builder. ``touch()`` marks the plan used in its
    cache; ``install(request)`` replaces this function by a faster one once the plan is
    compiled (so each shape gets the straight path as soon as its code exists)."""
    plan = runner.plan
    config_values = {name: config[name] for name in plan.config_used}
    from_overrides = tuple(name for name in plan.provided_used if name in overridden)
    from_inputs = tuple(name for name in plan.provided_used if name not in overridden)
    absent = plan.absent_outputs
    checks = tuple(TypeCheck(typed) for typed in plan.typed_inputs
                   if not accepts_anything(typed.type))
    build = None if type(builder) is DictResult else builder.build_result
    compiled = runner.runner
    outputs = plan.outputs
    if compiled is not None and len(plan.steps) <= REQUEST_STEPS:
        constants = {f"_c{index}": value for index, value in enumerate(config_values.values())}
        read_of = {name: f"_c{index}" for index, name in enumerate(config_values)}
        read_of.update({name: f"inputs[{name!r}]" for name in from_inputs})
        read_of.update({name: f"overrides[{name!r}]" for name in from_overrides})
        read_of.update({name: "None" for name in absent})
        return compile_request(plan, read_of, constants,
                               [(c.name, c.accepted, c.accepts) for c in checks],
                               touch, build, SLOW).run  # type: ignore[return-value]
    single = (compiled.chunks[0] if compiled is not None and len(compiled.chunks) == 1
              and compiled.chunks[0].live_out == outputs else None)
    one_input = from_inputs[0] if (len(from_inputs) == 1 and not from_overrides
                                   and not config_values and not absent) else None

    def request(inputs: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None) -> Any:
        if one_input is not None:
            values = {one_input: inputs[one_input]}  # type: ignore[index]
        else:
            values = config_values.copy()
            for name in from_inputs:
                values[name] = inputs[name]  # type: ignore[index]
            for name in from_overrides:
                values[name] = overrides[name]  # type: ignore[index]
            for name in absent:
                values[name] = None
        for check in checks:
            value = values[check.name]
            if type(value) not in check.accepted and not check.accepts(value):
                return SLOW
        touch()
        if single is not None:  # the whole plan is one compiled chunk: call it directly
            carry: list[Any] = []
            try:
                single.run(values, single.functions, carry)
            except Exception as error:
                found = single.failed_step(error)
                if found is None:
                    raise
                raise annotate_failure(error, found[0], found[1]) from None
            result = dict(zip(outputs, carry))
        elif compiled is not None:
            result = compiled(values)
        else:
            result = runner.run(values)
            if runner.runner is not None:  # compiled by this run: the straight path from now
                install(fast_request(runner, overridden, config, builder, touch, install))
        return result if build is None else build(**result)

    return request


__all__ = ["SLOW", "Request", "TypeCheck", "accepts_anything", "fast_request"]
