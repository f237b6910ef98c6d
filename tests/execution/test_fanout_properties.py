"""Random fan-out blocks over random item lists give what a hand-written loop gives, on the
in-thread and the threaded remote executor, and with a threaded local executor (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from dataflow import ad_hoc_utils, driver
from dataflow.execution import executors


@dataclass(frozen=True)
class Shape:
    """Inner node ``i`` reads the item if ``reads_item[i]``, the inner nodes ``reads[i]``, the
    outside node ``base`` if ``reads_base[i]``; collector ``k`` collects inner node
    ``collects[k]`` (and reads input ``x`` if ``collector_reads_x[k]``)."""

    reads_item: tuple[bool, ...]
    reads: tuple[tuple[int, ...], ...]
    reads_base: tuple[bool, ...]
    collects: tuple[int, ...]
    collector_reads_x: tuple[bool, ...]


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    size = draw(st.integers(1, 5))
    reads, reads_item = [], []
    for index in range(size):
        earlier = tuple(sorted(draw(st.sets(st.integers(0, index - 1), max_size=2)))) \
            if index else ()
        reads.append(earlier)
        reads_item.append(not earlier or draw(st.booleans()))
    collectors = draw(st.integers(1, 3))
    return Shape(
        reads_item=tuple(reads_item), reads=tuple(reads),
        reads_base=tuple(draw(st.booleans()) for _ in range(size)),
        collects=tuple(draw(st.integers(0, size - 1)) for _ in range(collectors)),
        collector_reads_x=tuple(draw(st.booleans()) for _ in range(collectors)))


def source_of(shape: Shape) -> str:
    lines = ["from dataflow.htypes import Collect, Parallelizable", "",
             "def base(x: int) -> int:", "    return x * 7", "",
             "def items(values: list) -> Parallelizable[int]:", "    yield from values", ""]
    for index, earlier in enumerate(shape.reads):
        params = ([f"v{j}: int" for j in earlier] + (["items: int"] if shape.reads_item[index]
                                                       else [])
                  + (["base: int"] if shape.reads_base[index] else []))
        names = [p.split(":")[0] for p in params]
        lines += [f"def v{index}({', '.join(params)}) -> int:",
                  f"    return ({' + '.join(names)}) * 3 + {index}", ""]
    for k, (collected, reads_x) in enumerate(zip(shape.collects, shape.collector_reads_x)):
        extra = ", x: int" if reads_x else ""
        plus = " + x" if reads_x else ""
        lines += [f"def out{k}(v{collected}: Collect[int]{extra}) -> list:",
                  f"    return [v * 2{plus} for v in v{collected}]", ""]
    return "\n".join(lines)


def by_hand(shape: Shape, values: list[int], x: int) -> dict[str, list[int]]:
    base = x * 7
    per_item = []
    for item in values:
        computed: dict[int, int] = {}
        for index, earlier in enumerate(shape.reads):
            args = [computed[j] for j in earlier] + ([item] if shape.reads_item[index] else []) \
                + ([base] if shape.reads_base[index] else [])
            computed[index] = sum(args) * 3 + index
        per_item.append(computed)
    return {f"out{k}": [c[collected] * 2 + (x if reads_x else 0) for c in per_item]
            for k, (collected, reads_x) in enumerate(zip(shape.collects,
                                                          shape.collector_reads_x))}


@given(shapes(), st.lists(st.integers(-5, 5), max_size=8), st.integers(-3, 3),
       st.sampled_from(["sync", "threads", "local threads"]))
def test_random_blocks_equal_a_hand_written_loop(shape, values, x, remote):
    module = ad_hoc_utils.module_from_source(source_of(shape))
    executor = (executors.SynchronousLocalTaskExecutor() if remote == "sync"
                else executors.MultiThreadingExecutor(2))
    builder = (driver.Builder().with_modules(module)
               .enable_dynamic_execution(allow_experimental_mode=True)
               .with_remote_executor(executor))
    if remote == "local threads":  # nodes outside the block on a pool too
        builder = builder.with_local_executor(executors.MultiThreadingExecutor(2))
    dr = builder.build()
    expected = by_hand(shape, values, x)
    assert dr.execute(sorted(expected), inputs={"values": values, "x": x}) == expected
    # one collector alone needs only its part of the block: the same values
    assert dr.execute(["out0"], inputs={"values": values, "x": x}) == {"out0": expected["out0"]}
