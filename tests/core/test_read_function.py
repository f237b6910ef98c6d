"""Reading functions and recording instructions: a decorator records on the function it is
given only while that function is being defined, and on a copy otherwise; each instruction
phase has a typed base whose one method a subclass must implement."""

from __future__ import annotations

import json

import pytest

from dataflow import ad_hoc_utils
from dataflow.errors import DecoratorError
from dataflow.instructions import (
    CreateInstruction,
    Instruction,
    MetadataInstruction,
    ResolveContext,
    instructions_of,
    own_function,
    record,
)
from dataflow.marks import COPY_OF_ATTRIBUTE, INSTRUCTIONS_ATTRIBUTE
from dataflow.node import Node
from dataflow.resolve import nodes_from_function
from dataflow.signatures import read_signature


class Retag(MetadataInstruction):
    decorator_name = "retag"

    def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
        return [n.with_tags(retagged="yes") for n in nodes]


def test_a_function_being_defined_is_recorded_on_directly():
    def fresh(x: int) -> int:
        return x

    assert own_function(fresh) is fresh
    assert record(fresh, Retag()) is fresh
    (node,) = nodes_from_function(fresh, {})
    assert node.tags["retagged"] == "yes"


def test_a_function_already_bound_in_its_module_is_recorded_on_a_copy():
    copied = record(json.dumps, Retag())
    assert copied is not json.dumps and INSTRUCTIONS_ATTRIBUTE not in json.dumps.__dict__
    assert getattr(copied, COPY_OF_ATTRIBUTE) is json.dumps
    assert copied.__module__ == __name__  # the copy belongs to the module that decorated it
    assert copied.__code__ is json.dumps.__code__ and copied.__defaults__ == json.dumps.__defaults__
    again = record(copied, Retag())  # a copy not bound anywhere is decorated in place
    assert again is copied and len(instructions_of(copied)) == 2


def test_a_module_function_decorated_again_in_its_own_module_keeps_the_original():
    module = ad_hoc_utils.module_from_source(
        "def a(x: int) -> int:\n    return x\n"
        "original = a\n"
        "from dataflow.function_modifiers import tag\n"
        "a = tag(owner='me')(a)\n")
    assert module.a is not module.original and not instructions_of(module.original)
    assert module.a.__module__ == module.__name__


def test_overriding_the_wrong_method_cannot_even_be_instantiated():
    class WrongMethod(CreateInstruction):  # CREATE instructions implement create(), not apply()
        def apply(self, context: ResolveContext, nodes: list[Node]) -> list[Node]:
            return nodes

    with pytest.raises(TypeError, match="abstract method"):
        WrongMethod()  # type: ignore[abstract]


def test_an_instruction_of_no_phase_is_a_located_error():
    class Phaseless(Instruction):
        decorator_name = "phaseless"

    def target(x: int) -> int:
        return x

    record(target, Phaseless())
    with pytest.raises(DecoratorError, match=r"@phaseless on .*target .*Phaseless is not an "
                                             "instruction of a phase"):
        nodes_from_function(target, {})


def test_the_signature_is_read_once_per_function_with_resolved_annotations():
    module = ad_hoc_utils.module_from_source(
        "from __future__ import annotations\n"
        "def spend(raw: list[int], scale: float = 1.0) -> float:\n"
        "    '''Total spend.'''\n    return sum(raw) * scale\n")
    signature = read_signature(module.spend)
    assert signature.hints == {"raw": list[int], "scale": float, "return": float}
    assert signature.facts[1][0] == "scale" and signature.facts[1][2] is True
    assert signature.doc == "Total spend." and signature.has_return_annotation
