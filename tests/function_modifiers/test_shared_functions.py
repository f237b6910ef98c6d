"""A decorator applied to a function of another module never changes that function (Hamilton's
issue #1281: there, ``b = parameterize(...)(base.a)`` turns ``base``'s node ``a`` into ``b``).
The decorated copy belongs to the module that made it."""

from __future__ import annotations

import pickle

import pytest

from dataflow.errors import DuplicateNodeError
from dataflow.function_modifiers import tag
from dataflow.marks import EXCLUDE_ATTRIBUTE, INSTRUCTIONS_ATTRIBUTE
from dataflow.node import MODULE_TAG
from tests.function_modifiers import fixtures_shared_base as base
from tests.function_modifiers import fixtures_shared_decorated as decorated
from tests.function_modifiers.helpers import build


def test_the_original_functions_carry_no_marks():
    for fn in (base.a, base.helper, base.tagged_elsewhere):
        assert INSTRUCTIONS_ATTRIBUTE not in fn.__dict__
        assert EXCLUDE_ATTRIBUTE not in fn.__dict__
    assert decorated.b is not base.a and decorated.b.__code__ is base.a.__code__


def test_base_keeps_its_node_and_the_decorating_module_adds_its_own():
    dr = build(base, decorated, config={})
    nodes = dr.graph.nodes
    assert nodes["a"].tags[MODULE_TAG] == base.__name__
    assert nodes["b"].tags[MODULE_TAG] == decorated.__name__
    assert dr.execute(["a", "b", "helper"], inputs={"x": 1}) == {"a": 2, "b": 11, "helper": 2}
    assert not nodes["helper"].is_external  # excluded in `decorated` only


def test_base_alone_is_unchanged():
    dr = build(base)
    assert {n for n, node in dr.graph.nodes.items() if not node.is_external} == {
        "a", "helper", "tagged_elsewhere"}
    assert "owner" not in dr.graph.nodes["tagged_elsewhere"].tags


def test_the_decorating_module_alone_defines_the_new_nodes():
    dr = build(decorated)
    assert {n for n, node in dr.graph.nodes.items() if not node.is_external} == {"b"}
    assert dr.execute(["b"]) == {"b": 11}


def test_a_decorated_copy_of_a_node_function_is_a_second_definition_of_its_node():
    retagged = tag(owner="decorated")(base.tagged_elsewhere)
    assert "owner" not in build(base).graph.nodes["tagged_elsewhere"].tags
    assert build(retagged).graph.nodes["tagged_elsewhere"].tags["owner"] == "decorated"
    with pytest.raises(DuplicateNodeError, match="tagged_elsewhere"):
        build(base, retagged)


def test_a_decorated_copy_pickles_under_the_name_that_binds_it():
    build(decorated)  # collecting the module names the copy after its binding
    assert decorated.b.__qualname__ == "b"
    assert pickle.loads(pickle.dumps(decorated.b)) is decorated.b
