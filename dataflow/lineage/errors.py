"""The errors lineage views raise (all name what was wrong and how to fix it)."""

from __future__ import annotations

from dataflow.errors import DataflowError


class LineageError(DataflowError):
    """A lineage request cannot be drawn or answered (unknown node, bad option, no path)."""


class GraphvizNotInstalledError(RuntimeError):
    """The graphviz ``dot`` program, which turns DOT text into pictures, is not on ``PATH``.

    The Python package ``graphviz`` only writes DOT text; rendering needs the system program.
    """

    def __init__(self, purpose: str) -> None:
        super().__init__(
            f"Cannot {purpose}: the graphviz 'dot' program is not on PATH. The Python package "
            "'graphviz' is installed, but it needs the Graphviz system tools to render. Install "
            "them with one of: 'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' "
            "(macOS), 'conda install -c conda-forge graphviz', or the installer from "
            "https://graphviz.org/download/ - then check that 'dot -V' works in the same shell. "
            "To get DOT text without rendering, write to a '.dot' file (output_file_path='x.dot')."
        )
