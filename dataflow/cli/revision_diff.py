"""The graph of some modules now against the graph of the same modules at a git revision.

The old graph is built by running each module's source at the revision (``git show
REF:path``) as a fresh module, so nothing is checked out and the working tree is untouched;
:mod:`dataflow.lineage.diff` compares the two graphs and draws the difference.
"""

from __future__ import annotations

import sys
import types
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataflow.cli.errors import CliError
from dataflow.driver import Driver
from dataflow.graph import Graph, build_graph
from dataflow.lineage import diff as graph_diffs
from dataflow.lineage import output as picture_output
from dataflow.lineage.render import ViewOptions


@dataclass(frozen=True, slots=True)
class RevisionDiff:
    """Both graphs and what changed between them (``changes`` prints as ``+``/``-``/``~``
    lines and gives JSON with ``as_dict``)."""

    old: Graph
    new: Graph
    changes: graph_diffs.GraphDiff


def diff_with_revision(modules: Sequence[types.ModuleType], config: Mapping[str, Any],
                       git_ref: str) -> RevisionDiff:
    """Nodes of ``modules`` (built with ``config``) added, removed and changed since
    ``git_ref``; a node is changed when its defining function's code differs, ignoring
    whitespace, comments and docstrings. A module file that did not exist at ``git_ref``
    contributes only added nodes."""
    new_graph = Driver(config, *modules).graph
    old_modules: list[types.ModuleType] = []
    old_functions: dict[str, str] = {}
    new_functions: dict[str, str] = {}
    for module in modules:
        file = getattr(module, "__file__", None)
        if not file:
            raise CliError(f"Module {module.__name__} has no source file to compare.")
        new_functions.update(graph_diffs.normalised_functions(Path(file).read_text(), file))
        old_source = graph_diffs.source_at_revision(file, git_ref)
        if old_source is None:
            continue
        old_functions.update(graph_diffs.normalised_functions(old_source, f"{git_ref}:{file}"))
        old_modules.append(_module_from_old_source(old_source, module, git_ref))
    old_graph = Driver(config, *old_modules).graph if old_modules else build_graph([])
    changes = graph_diffs.graph_diff(old_graph, new_graph, old_functions, new_functions)
    return RevisionDiff(old_graph, new_graph, changes)


def write_diff_picture(diff: RevisionDiff, path: str) -> None:
    """Draw the new graph plus the removed nodes, coloured by change, to ``path``."""
    digraph = graph_diffs.diff_digraph(diff.old, diff.new, diff.changes, ViewOptions())
    picture_output.write_picture(digraph, path)


def _module_from_old_source(source: str, module: types.ModuleType, ref: str) -> types.ModuleType:
    name = f"{module.__name__}__at_{uuid.uuid4().hex[:8]}"
    old = types.ModuleType(name)
    old.__file__ = getattr(module, "__file__", None)
    old.__package__ = module.__package__
    sys.modules[name] = old
    try:
        exec(compile(source, f"{ref}:{module.__file__}", "exec"), old.__dict__)
    except Exception as error:
        raise CliError(f"The version of {module.__name__} at {ref} failed to import: "
                       f"{type(error).__name__}: {error}") from None
    return old
