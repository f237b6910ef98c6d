"""Lineage you can see: graphviz pictures, lineage queries, JSON export (used by the driver's
``display_*`` / ``visualize_*`` methods and by the ``dataflow`` CLI).

One module per job: :mod:`.styles` (palette, node classes), :mod:`.render` (DOT building),
:mod:`.select` (which nodes), :mod:`.pictures` (the driver's pictures), :mod:`.module_view`
(one box per module), :mod:`.output` (writing files), :mod:`.columns` (column lineage),
:mod:`.export` (JSON).
"""

from dataflow.lineage.columns import ColumnLineage, column_lineage, extracted_columns
from dataflow.lineage.errors import GraphvizNotInstalledError, LineageError
from dataflow.lineage.module_view import modules_digraph
from dataflow.lineage.output import write_picture
from dataflow.lineage.render import ViewOptions, lineage_digraph

__all__ = [
    "ColumnLineage",
    "GraphvizNotInstalledError",
    "LineageError",
    "ViewOptions",
    "column_lineage",
    "extracted_columns",
    "lineage_digraph",
    "modules_digraph",
    "write_picture",
]
