"""Property tests: node selection for pictures agrees with networkx on random DAGs."""

from __future__ import annotations

import networkx
from hypothesis import given
from hypothesis import strategies as st

from dataflow.graph import Graph, build_graph, to_networkx, upstream_of
from dataflow.lineage import select
from dataflow.lineage.render import lineage_digraph

from .sample_graphs import fn_node


@st.composite
def random_dags(draw) -> Graph:
    size = draw(st.integers(min_value=1, max_value=25))
    nodes = []
    for i in range(size):
        deps = draw(st.sets(st.integers(min_value=0, max_value=i - 1), max_size=3)) if i else set()
        extra = ("ext",) if draw(st.booleans()) else ()
        nodes.append(fn_node(f"n{i}", tuple(f"n{d}" for d in sorted(deps)) + extra))
    return build_graph([("m", nodes)])


@given(random_dags(), st.data())
def test_within_hops_matches_networkx_distances(graph, data):
    start = data.draw(st.sampled_from(sorted(graph.nodes)))
    hops = data.draw(st.one_of(st.none(), st.integers(min_value=0, max_value=5)))
    exported = to_networkx(graph)
    up = networkx.single_source_shortest_path_length(exported.reverse(), start, cutoff=hops)
    down = networkx.single_source_shortest_path_length(exported, start, cutoff=hops)
    assert select.within_hops(graph, [start], hops) == set(up)
    assert select.within_hops(graph, [start], hops, upstream=False, downstream=True) == set(down)
    if hops is None:
        assert set(up) == upstream_of(graph, [start])


@given(random_dags())
def test_every_node_and_edge_is_drawn_once(graph):
    source = lineage_digraph(graph.nodes.values(), options=None).source
    body = source.splitlines()
    edge_lines = [line for line in body if "->" in line]
    assert len(edge_lines) == sum(len(n.dependencies) for n in graph.nodes.values())
    for name in graph.nodes:
        assert sum(1 for line in body if line.strip().startswith(f"{name} [")) == 1
