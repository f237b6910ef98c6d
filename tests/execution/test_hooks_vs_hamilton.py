"""Node and graph hooks compared with Apache Hamilton on the same module and the same hook class
(the source is written once against ``hamilton`` and ported, as a user would port it)."""

from __future__ import annotations

import pytest

from tests.compat.differential import SIDES, _builder, result_builder
from tests.compat.twin_import import load_source

SOURCE = '''
from hamilton import lifecycle


class Recorder(lifecycle.NodeExecutionHook, lifecycle.GraphExecutionHook):
    def __init__(self):
        self.events = []

    def run_before_graph_execution(self, *, final_vars, inputs, overrides, run_id, **kwargs):
        self.events.append(("graph-start", tuple(final_vars), tuple(sorted(inputs))))

    def run_after_graph_execution(self, *, success, error, results, run_id, **kwargs):
        self.events.append(("graph-end", success, type(error).__name__,
                            tuple(sorted(results or {}))))

    def run_before_node_execution(self, *, node_name, node_tags, node_kwargs, node_return_type,
                                  task_id, run_id, node_input_types, **kwargs):
        self.events.append(("before", node_name, tuple(sorted(node_kwargs)), task_id,
                            node_return_type.__name__, tuple(sorted(node_input_types))))

    def run_after_node_execution(self, *, node_name, node_tags, node_kwargs, node_return_type,
                                 result, error, success, task_id, run_id, **kwargs):
        self.events.append(("after", node_name, result, success, type(error).__name__))


def base(seed: int) -> int:
    return seed * 10


def plus_one(base: int) -> int:
    return base + 1


def fails(base: int) -> int:
    raise ValueError("bad base")


def interrupted(base: int) -> int:
    raise KeyboardInterrupt()
'''


def _run(tmp_path, side, outputs):
    module = load_source(SOURCE, str(tmp_path / f"hooked_{side}.py"), source_root="hamilton",
                         target_root=side, stem="hooked")
    recorder = module.Recorder()
    dr = (_builder(side).with_modules(module)
          .with_adapters(recorder, result_builder(side, "dict")).build())
    try:
        outcome = ("returned", dr.execute(outputs, inputs={"seed": 2}))
    except BaseException as error:  # KeyboardInterrupt included: it is what is compared
        outcome = ("raised", type(error).__name__)
    return outcome, recorder.events


@pytest.mark.parametrize("outputs", [["plus_one"], ["fails"]])
def test_hooks_see_what_hamiltons_see(tmp_path, outputs):
    ours, theirs = (_run(tmp_path, side, outputs) for side in SIDES)
    assert ours == theirs
    assert ours[1][0] == ("graph-start", tuple(outputs), ("seed",))


def test_a_node_ended_by_keyboard_interrupt_is_a_failure_hamilton_calls_a_success(tmp_path):
    """Intended difference ``base-exception-ends-run-as-failure``."""
    ours, theirs = (_run(tmp_path, side, ["interrupted"]) for side in SIDES)
    assert ours[0] == theirs[0] == ("raised", "KeyboardInterrupt")
    assert ours[1][-2:] == [("after", "interrupted", None, False, "KeyboardInterrupt"),
                            ("graph-end", False, "KeyboardInterrupt", ())]
    assert theirs[1][-2:] == [("after", "interrupted", None, True, "NoneType"),
                              ("graph-end", True, "NoneType", ())]
