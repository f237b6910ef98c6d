"""Lineage pictures and queries on the driver (``display_*`` / ``visualize_*``).

Thin methods with Hamilton's names and options; the work is in :mod:`dataflow.lineage`. Every
picture method returns a ``graphviz.Digraph`` (it renders inline in Jupyter) and, given
``output_file_path``, also writes the file in the format its suffix names (``.png``, ``.svg``,
``.pdf``, ``.dot``, ...). Without the graphviz ``dot`` program they raise
:class:`~dataflow.lineage.GraphvizNotInstalledError`, saying how to install it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dataflow.errors import RequestError

if TYPE_CHECKING:  # the lineage modules (and graphviz) load on the first picture or query
    import graphviz

    from dataflow.graph import Graph
    from dataflow.lineage import columns
    from dataflow.plan import Plan

PathLike = str | os.PathLike[str]
StyleFunction = Callable[..., Any]


def _deliver(digraph: graphviz.Digraph, output_file_path: PathLike | None,
             render_kwargs: Mapping[str, Any] | None, keep_dot: bool) -> graphviz.Digraph:
    from dataflow.lineage import output
    if output_file_path is not None:
        output.write_picture(digraph, output_file_path, render_kwargs, keep_dot)
    else:
        output.require_dot("display the lineage picture")
    return digraph


def _ipython_shell() -> Any:
    """The running IPython shell, or ``None``. IPython is not imported here: a process that has
    not imported it is not running a notebook."""
    ipython = sys.modules.get("IPython")
    return None if ipython is None else ipython.get_ipython()


class DriverViews:
    """Mixed into :class:`dataflow.driver.Driver`: lineage pictures, exports and queries."""

    if TYPE_CHECKING:
        graph: Graph

        def execution_plan(self, final_vars: Sequence[Any],
                           inputs: Mapping[str, Any] | None = None,
                           overrides: Mapping[str, Any] | None = None) -> Plan: ...

        def _output_names(self, final_vars: Sequence[Any]) -> list[str]: ...

    def display_all_functions(
        self,
        output_file_path: PathLike | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: StyleFunction | None = None,
        keep_dot: bool = False,
        show_types: bool = True,
    ) -> graphviz.Digraph:
        """Draw every node of the graph.

        >>> dr.display_all_functions("lineage.svg")  # doctest: +SKIP
        """
        from dataflow.lineage import pictures
        from dataflow.lineage.render import ViewOptions
        options = ViewOptions(orient, show_legend, hide_inputs, deduplicate_inputs, show_schema,
                              show_types, custom_style_function, graphviz_kwargs)
        return _deliver(pictures.all_functions(self.graph, options), output_file_path,
                        render_kwargs, keep_dot)

    def visualize_execution(
        self,
        final_vars: Sequence[Any],
        output_file_path: PathLike | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: StyleFunction | None = None,
        bypass_validation: bool = False,
        keep_dot: bool = False,
        show_types: bool = True,
    ) -> graphviz.Digraph:
        """Draw what ``execute(final_vars, inputs=..., overrides=...)`` would do: the nodes that
        run, the inputs / config / overrides it reads, requested outputs highlighted, and nodes
        an override cut off greyed out. Missing inputs raise the error ``execute`` would raise,
        unless ``bypass_validation=True`` (then every input counts as supplied)."""
        from dataflow.lineage import pictures
        from dataflow.lineage.render import ViewOptions
        options = ViewOptions(orient, show_legend, hide_inputs, deduplicate_inputs, show_schema,
                              show_types, custom_style_function, graphviz_kwargs)
        inputs = dict(inputs or {})
        overrides = dict(overrides or {})
        if bypass_validation:
            for node in self.graph.inputs:
                inputs.setdefault(node.name, None)
        plan = self.execution_plan(final_vars, inputs, overrides)
        digraph = pictures.execution(self.graph, plan, overrides, options)
        return _deliver(digraph, output_file_path, render_kwargs, keep_dot)

    def display_execution(
        self,
        final_vars: Sequence[Any],
        inputs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> graphviz.Digraph:
        """What ``execute(..., display_graph=True)`` does: show the picture of the request
        (:meth:`visualize_execution`) in the running notebook, before the request runs.

        Outside IPython there is nowhere to show a picture, so the request is refused, before
        anything runs, with the ``visualize_execution`` call that writes the picture to a file.
        (Hamilton deprecated ``display_graph``; its driver tries to write
        ``test-output/execute.gv`` and open a viewer.)
        """
        shell = _ipython_shell()
        if shell is None:
            names = list(self._output_names(final_vars))
            raise RequestError(
                "execute(..., display_graph=True) shows the execution picture in a notebook "
                "(IPython), and this process is not running one. Write the picture to a file "
                f"instead - dr.visualize_execution({names!r}, 'execution.svg', inputs=..., "
                "overrides=...) - or leave display_graph out."
            )
        from IPython.display import display

        digraph = self.visualize_execution(final_vars, inputs=inputs, overrides=overrides)
        display(digraph)
        return digraph

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, Any]:
        """A driver shown as a notebook cell's value draws itself: the SVG of every node (what
        :meth:`display_all_functions` draws), as Hamilton's driver does. Without the graphviz
        ``dot`` program, the text form and how to install the program."""
        from dataflow.lineage import GraphvizNotInstalledError, output
        if not output.dot_available():
            problem = GraphvizNotInstalledError("draw the driver's graph")
            return {"text/plain": f"{self!r}\n{problem}"}
        picture = self.display_all_functions()
        bundle: dict[str, Any] = picture._repr_mimebundle_(include=include, exclude=exclude,
                                                           **kwargs)
        return bundle

    def display_upstream_of(
        self,
        *node_names: str,
        output_file_path: PathLike | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: StyleFunction | None = None,
        keep_dot: bool = False,
        max_hops: int | None = None,
        show_types: bool = True,
    ) -> graphviz.Digraph:
        """Draw the named nodes and what they depend on; ``max_hops=N`` stops N edges up (nodes
        at the edge say how many of their dependencies are not shown)."""
        from dataflow.lineage import pictures
        from dataflow.lineage.render import ViewOptions
        options = ViewOptions(orient, show_legend, hide_inputs, deduplicate_inputs, show_schema,
                              show_types, custom_style_function, graphviz_kwargs)
        digraph = pictures.upstream(self.graph, node_names, max_hops, options)
        return _deliver(digraph, output_file_path, render_kwargs, keep_dot)

    def display_downstream_of(
        self,
        *node_names: str,
        output_file_path: PathLike | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: StyleFunction | None = None,
        keep_dot: bool = False,
        max_hops: int | None = None,
        show_types: bool = True,
    ) -> graphviz.Digraph:
        """Draw the named nodes, everything that depends on them (up to ``max_hops`` edges
        down), and the direct dependencies of those nodes (as Hamilton does)."""
        from dataflow.lineage import pictures
        from dataflow.lineage.render import ViewOptions
        options = ViewOptions(orient, show_legend, hide_inputs, deduplicate_inputs, show_schema,
                              show_types, custom_style_function, graphviz_kwargs)
        digraph = pictures.downstream(self.graph, node_names, max_hops, options)
        return _deliver(digraph, output_file_path, render_kwargs, keep_dot)

    def display_around(
        self,
        *node_names: str,
        max_hops: int = 2,
        output_file_path: PathLike | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: StyleFunction | None = None,
        keep_dot: bool = False,
        show_types: bool = True,
    ) -> graphviz.Digraph:
        """Draw every node within ``max_hops`` edges of the named nodes, up and down (for a
        look at one corner of a graph with thousands of nodes)."""
        from dataflow.lineage import pictures
        from dataflow.lineage.render import ViewOptions
        options = ViewOptions(orient, show_legend, hide_inputs, deduplicate_inputs, show_schema,
                              show_types, custom_style_function, graphviz_kwargs)
        digraph = pictures.neighbourhood(self.graph, node_names, max_hops, options)
        return _deliver(digraph, output_file_path, render_kwargs, keep_dot)

    def visualize_path_between(
        self,
        upstream_node_name: str,
        downstream_node_name: str,
        output_file_path: PathLike | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        strict_path_visualization: bool = False,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: StyleFunction | None = None,
        keep_dot: bool = False,
        show_types: bool = True,
    ) -> graphviz.Digraph:
        """Draw the paths from one node to another, plus what the nodes on them read directly
        (only the path itself with ``strict_path_visualization=True``). Raises when there is
        no path."""
        from dataflow.lineage import pictures
        from dataflow.lineage.render import ViewOptions
        options = ViewOptions(orient, show_legend, hide_inputs, deduplicate_inputs, show_schema,
                              show_types, custom_style_function, graphviz_kwargs)
        digraph = pictures.path(self.graph, upstream_node_name, downstream_node_name,
                                strict_path_visualization, options)
        return _deliver(digraph, output_file_path, render_kwargs, keep_dot)

    def display_modules(
        self,
        output_file_path: PathLike | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        orient: str = "LR",
        hide_inputs: bool = False,
        keep_dot: bool = False,
    ) -> graphviz.Digraph:
        """Draw one box per module (node counts, decorator counts) and the edges between
        modules, labelled with how many node-level edges each stands for."""
        from dataflow.lineage import module_view
        from dataflow.lineage.render import ViewOptions
        options = ViewOptions(orient=orient, hide_inputs=hide_inputs,
                              graphviz_kwargs=graphviz_kwargs)
        return _deliver(module_view.modules_digraph(self.graph, options), output_file_path,
                        render_kwargs, keep_dot)

    def export_execution(
        self,
        final_vars: Sequence[Any],
        inputs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> str:
        """The nodes ``execute(final_vars, ...)`` runs or reads, as JSON (see
        :func:`dataflow.lineage.export.execution_json`). Raises what ``execute`` would raise
        for unknown outputs or missing inputs."""
        from dataflow.lineage import export
        plan = self.execution_plan(final_vars, inputs, overrides)
        return export.execution_json(self.graph, plan, list(overrides or {}))

    def column_lineage(self, column_name: str) -> columns.ColumnLineage:
        """Where a column (any node; typically an ``@extract_columns`` output) comes from: the
        frame it was extracted from, the functions on the way, the inputs and config it
        depends on."""
        from dataflow.lineage import columns
        return columns.column_lineage(self.graph, column_name)

    def extracted_columns(self) -> Mapping[str, tuple[str, ...]]:
        """``frame node -> columns extracted from it`` (``@extract_columns`` / fields)."""
        from dataflow.lineage import columns
        return columns.extracted_columns(self.graph)
