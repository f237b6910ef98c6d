"""The ``dataflow`` command line: look at, check, list, run and diff dataflows.

Each command is a thin layer over the library: ``view`` draws with the driver's ``display_*``
methods, ``validate`` calls ``validate_execution``, ``ls`` is ``list_available_variables``,
``run`` is ``execute``, ``diff`` is :func:`dataflow.lineage.diff.diff_with_revision`.

MODULES are import paths (``my_pkg.features``) or paths to ``.py`` files. A context file (JSON or
``.py``) supplies ``config``, ``inputs``, ``overrides`` and ``final_vars`` (Hamilton's
``HAMILTON_CONFIG``, ``HAMILTON_INPUTS``, ``HAMILTON_OVERRIDES``, ``HAMILTON_FINAL_VARS`` are
accepted too).

One module per job:

* :mod:`~dataflow.cli.commands` — the click group and its commands (what the user types);
* :mod:`~dataflow.cli.options` — the options the commands share, ``--final-vars a b c``;
* :mod:`~dataflow.cli.modules` — MODULES arguments (files or import paths) → imported modules;
* :mod:`~dataflow.cli.context` — config, inputs, overrides and final_vars from a context file
  and ``--config`` / ``--input`` / ``--final-vars``;
* :mod:`~dataflow.cli.request_hints` — how to give missing or mistyped inputs on the command
  line;
* :mod:`~dataflow.cli.listing` — what ``ls`` prints;
* :mod:`~dataflow.cli.result_files` — where and how ``run`` writes its DataFrame;
* :mod:`~dataflow.cli.errors` — ``Error: ...`` and exit status 1 instead of a traceback.

``import dataflow`` does not import this package (it needs click and draws with graphviz).
"""

from dataflow.cli.commands import main

__all__ = ["main"]

from dataflow.cli import training as _training
