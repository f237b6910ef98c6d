"""The lifecycle API on real modules, each case run under dataflow and under Apache Hamilton
from one source written against ``hamilton`` (ported by changing the import root)."""

from __future__ import annotations

import re
import textwrap
import time

import pytest

from tests.compat.differential import SIDES, _builder, result_builder
from tests.compat.twin_import import load_source

MODULE = '''
from hamilton import lifecycle
from hamilton.function_modifiers import tag
from hamilton.lifecycle import default


class DoNotProceed(Exception):
    pass


SENTINEL = "(failed)"


def seed() -> int:
    return 3


def doubled(seed: int) -> int:
    return seed * 2


def fails(seed: int) -> int:
    raise DoNotProceed()


def after_failure(fails: int) -> int:
    return fails + 1


@default.accept_error_sentinels
def gathered(doubled: int, fails: int) -> str:
    return f"doubled={doubled}, fails={fails}"


def wrong_output(seed: int) -> str:
    return seed


def typed(number: int) -> int:
    return number + 1


@tag(owner="ml")
def owned(seed: int) -> int:
    return seed


class NeedsOwner(lifecycle.StaticValidator):
    def run_to_validate_node(self, *, node, **future_kwargs):
        if node.name in ("doubled", "owned") and "owner" not in node.tags:
            return False, "no owner tag"
        return True, None


class SeesGraph(lifecycle.GraphConstructionHook):
    def __init__(self):
        self.calls = []

    def run_after_graph_construction(self, *, graph, config, **future_kwargs):
        self.calls.append(dict(config))


class TenTimes(lifecycle.GraphAdapter):
    @staticmethod
    def check_input_type(node_type, input_value):
        return True

    @staticmethod
    def check_node_type_equivalence(node_type, input_type):
        return node_type == input_type

    def execute_node(self, node, kwargs):
        return node.callable(**kwargs) * 10

    @staticmethod
    def build_result(**outputs):
        return sorted(outputs.items())


class CountTasks(lifecycle.TaskExecutionHook):
    calls = 0

    def run_before_task_execution(self, **future_kwargs):
        CountTasks.calls += 1

    def run_after_task_execution(self, **future_kwargs):
        CountTasks.calls += 1
'''


def _module(tmp_path, side):
    return load_source(MODULE, str(tmp_path / f"lifecycle_{side}.py"), source_root="hamilton",
                       target_root=side, stem="lifecycle_cases")


def _outcome(call):
    try:
        return "returned", call()
    except Exception as error:  # compared: whether it raised, and what
        return "raised", error


def _both(tmp_path, adapters, outputs, inputs=None, result=True):
    """Per side: (the module, the outcome of building and executing)."""
    found = {}
    for side in SIDES:
        module = _module(tmp_path, side)
        chosen = adapters(module)
        if result:
            chosen = [*chosen, result_builder(side, "dict")]

        def run(module=module, chosen=chosen, side=side):
            dr = _builder(side).with_modules(module).with_adapters(*chosen).build()
            return dr.execute(outputs, inputs=inputs or {})
        found[side] = (module, _outcome(run))
    return found["dataflow"], found["hamilton"]


def test_graceful_errors_give_hamiltons_results(tmp_path):
    def adapters(module):
        return [module.default.GracefulErrorAdapter(error_to_catch=module.DoNotProceed,
                                                    sentinel_value=module.SENTINEL)]
    (_, ours), (_, theirs) = _both(tmp_path, adapters,
                                   ["doubled", "fails", "after_failure", "gathered"])
    assert ours == theirs == ("returned", {
        "doubled": 6, "fails": "(failed)", "after_failure": "(failed)",
        "gathered": "doubled=6, fails=(failed)"})


def test_graceful_errors_let_other_errors_through(tmp_path):
    def adapters(module):
        return [module.default.GracefulErrorAdapter(error_to_catch=KeyError)]
    (_, ours), (_, theirs) = _both(tmp_path, adapters, ["after_failure"])
    assert ours[0] == theirs[0] == "raised"
    assert type(ours[1]).__name__ == type(theirs[1]).__name__ == "DoNotProceed"


def test_the_type_checker_refuses_a_wrong_output_on_both_sides(tmp_path):
    def adapters(module):
        return [module.default.FunctionInputOutputTypeChecker()]
    (_, ours), (_, theirs) = _both(tmp_path, adapters, ["wrong_output"])
    assert ours[0] == theirs[0] == "raised"
    assert isinstance(ours[1], TypeError) and isinstance(theirs[1], TypeError)
    assert "Node 'wrong_output' returned int, annotated str." in str(ours[1])
    (_, ours), (_, theirs) = _both(tmp_path, adapters, ["doubled"])
    assert ours == theirs == ("returned", {"doubled": 6})


def test_the_type_checker_refuses_a_wrong_input_from_an_override(tmp_path):
    def adapters(module):
        return [module.default.FunctionInputOutputTypeChecker(check_output=False)]
    for side in SIDES:
        module = _module(tmp_path, side)
        dr = (_builder(side).with_modules(module).with_adapters(*adapters(module))
              .build())
        with pytest.raises(TypeError):
            dr.execute(["doubled"], overrides={"seed": "3"})


def test_no_input_type_checking_accepts_any_input_on_both_sides(tmp_path):
    (_, strict_ours), (_, strict_theirs) = _both(tmp_path, lambda m: [], ["typed"],
                                                 inputs={"number": 1.5})
    assert strict_ours[0] == strict_theirs[0] == "raised"
    (_, ours), (_, theirs) = _both(tmp_path, lambda m: [m.default.NoEdgeAndInputTypeChecking()],
                                   ["typed"], inputs={"number": 1.5})
    assert ours == theirs == ("returned", {"typed": 2.5})


def test_static_validators_refuse_the_build_on_both_sides(tmp_path):
    (_, ours), (_, theirs) = _both(tmp_path, lambda m: [m.NeedsOwner()], ["owned"])
    assert ours[0] == theirs[0] == "raised"
    assert type(ours[1]).__name__ == type(theirs[1]).__name__ == "ValidationException"
    message = str(ours[1])
    assert "  doubled: no owner tag [NeedsOwner.run_to_validate_node; the node is " in message
    assert "lifecycle_dataflow.py:" in message
    assert "owned" not in message.replace("run_to_validate_node", "")


def test_construction_hooks_are_called_once_at_build_with_the_config(tmp_path):
    for side in SIDES:
        module = _module(tmp_path, side)
        hook = module.SeesGraph()
        dr = (_builder(side).with_modules(module).with_config({"region": "eu"})
              .with_adapters(hook).build())
        assert hook.calls == [{"region": "eu"}], side
        dr.execute(["doubled"])
        assert hook.calls == [{"region": "eu"}], side


def test_a_legacy_graph_adapter_calls_nodes_and_builds_the_result(tmp_path):
    (_, ours), (_, theirs) = _both(tmp_path, lambda m: [m.TenTimes()], ["doubled"],
                                   result=False)
    assert ours == theirs == ("returned", [("doubled", 600)])


def test_task_hooks_are_not_called_by_a_run_without_tasks(tmp_path):
    for side in SIDES:
        module = _module(tmp_path, side)
        dr = (_builder(side).with_modules(module).with_adapters(module.CountTasks()).build())
        dr.execute(["doubled"])
        assert module.CountTasks.calls == 0, side


def test_slow_down_sleeps_before_each_node(tmp_path):
    for side in SIDES:
        module = _module(tmp_path, side)
        dr = (_builder(side).with_modules(module)
              .with_adapters(module.default.SlowDownYouMoveTooFast(0.05, 0.0)).build())
        start = time.perf_counter()
        assert dr.execute(["doubled"]) == {"doubled": 6}
        assert time.perf_counter() - start >= 0.1, side  # two nodes: seed, doubled


def test_println_tells_each_node_start_and_end_as_hamilton_does(tmp_path):
    """Same nodes, inputs and results; the wording is dataflow's (intended difference
    ``println-wording``)."""
    seen = {}
    for side in SIDES:
        module = _module(tmp_path, side)
        lines: list[str] = []
        dr = (_builder(side).with_modules(module)
              .with_adapters(module.default.PrintLn(verbosity=2, print_fn=lines.append))
              .build())
        dr.execute(["doubled"])
        seen[side] = lines
    ours, theirs = seen["dataflow"], seen["hamilton"]
    assert len(ours) == len(theirs) == 4
    assert ours[0] == "Running node seed. Inputs:\n{}"
    assert ours[2] == "Running node doubled. Inputs:\n{'seed': 3}"
    assert ours[3].startswith("Finished node doubled in ") and ours[3].endswith(
        ": success. Result:\n6")
    for mine, hamiltons in zip(ours, theirs):  # same nodes, same inputs and results shown
        named = re.compile(r"node:? (\w+)")
        assert named.search(mine).group(1) == named.search(hamiltons).group(1)
        assert mine.split("\n", 1)[1:] == [part.rstrip("\n") for part in
                                           hamiltons.split("\n", 1)[1:]]


def test_println_filters_nodes_and_rejects_a_bad_verbosity():
    from dataflow import ad_hoc_utils, base, driver
    from dataflow.lifecycle import PrintLn

    def a() -> int:
        return 1

    def b(a: int) -> int:
        return a + 1

    lines: list[str] = []
    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(a, b))
          .with_adapters(PrintLn(print_fn=lines.append, node_filter=["b"]), base.DictResult())
          .build())
    dr.execute(["b"])
    assert [line.split()[:3] for line in lines] == [["Running", "node", "b."],
                                                    ["Finished", "node", "b"]]
    with pytest.raises(ValueError, match="verbosity is 1"):
        PrintLn(verbosity=3)


PDB_SCRIPT = textwrap.dedent('''
    from dataflow import ad_hoc_utils, base, driver
    from dataflow.lifecycle import PDBDebugger

    def seed() -> int:
        return 3

    def doubled(seed: int) -> int:
        return seed * 2

    dr = (driver.Builder().with_modules(ad_hoc_utils.create_temporary_module(seed, doubled))
          .with_adapters(PDBDebugger(MODE_FILTER, **MODES), base.DictResult())
          .build())
    print("result", dr.execute(["doubled"]))
''')


def _debugged(tmp_path, node_filter, modes, commands):
    import subprocess
    import sys

    script = tmp_path / "debugged.py"
    script.write_text(f"MODE_FILTER = {node_filter!r}\nMODES = {modes!r}\n" + PDB_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], input=commands, text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "result {'doubled': 6}" in done.stdout
    return done.stdout


def test_pdb_debugger_stops_before_and_after_the_chosen_node(tmp_path):
    out = _debugged(tmp_path, "doubled", {"before": True, "after": True},
                    "p ('BEFORE', node_name, node_kwargs)\nc\np ('AFTER', result, success)\nc\n")
    assert "('BEFORE', 'doubled', {'seed': 3})" in out
    assert "('AFTER', 6, True)" in out


def test_pdb_debugger_steps_into_the_chosen_nodes_function(tmp_path):
    out = _debugged(tmp_path, ["doubled"], {"during": True},
                    "p ('DURING', seed, PDBDebugger.CONTEXT['node_name'])\nc\n")
    assert "('DURING', 3, 'doubled')" in out


ASYNC_PDB_SCRIPT = textwrap.dedent('''
    import asyncio
    from dataflow import ad_hoc_utils, async_driver, base, driver
    from dataflow.lifecycle import PDBDebugger

    async def seed() -> int:
        await asyncio.sleep(0)
        return 3

    async def doubled(seed: int) -> int:
        twice = seed * 2
        await asyncio.sleep(0.01)
        return twice

    module = ad_hoc_utils.create_temporary_module(seed, doubled)
    if ASYNC_DRIVER:
        async def main():
            dr = await (async_driver.Builder().with_modules(module)
                        .with_adapters(PDBDebugger(["doubled"], during=True)).build())
            return await dr.execute(["doubled"])
        print("result", asyncio.run(main()))
    else:
        dr = (driver.Builder().with_modules(module)
              .with_adapters(PDBDebugger(["doubled"], during=True), base.DictResult()).build())
        print("result", dr.execute(["doubled"]))
''')


@pytest.mark.parametrize("async_driver", [False, True])
def test_pdb_debugger_steps_into_an_async_nodes_body(tmp_path, async_driver):
    import subprocess
    import sys

    script = tmp_path / "debugged.py"
    script.write_text(f"ASYNC_DRIVER = {async_driver!r}\n" + ASYNC_PDB_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], text=True, capture_output=True,
                          timeout=60, input="p ('DURING', seed)\nn\nn\np ('TWICE', twice)\nc\n")
    assert done.returncode == 0, done.stderr
    assert "('DURING', 3)" in done.stdout and "('TWICE', 6)" in done.stdout
    assert "result {'doubled': 6}" in done.stdout


def test_a_legacy_graph_adapter_widens_the_input_check(tmp_path):
    (_, ours), (_, theirs) = _both(tmp_path, lambda m: [m.TenTimes()], ["typed"],
                                   inputs={"number": 1.5}, result=False)
    assert ours == theirs == ("returned", [("typed", 25.0)])
