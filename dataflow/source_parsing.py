"""``ast.parse`` for code that may run on several threads at once.

CPython 3.11 keeps the depth counter of its AST-to-Python conversion in state shared by all
threads: two threads parsing at once can fail with ``SystemError: AST constructor recursion
depth mismatch`` (seen here when two ``execute`` calls on one cached driver computed code
versions together). One lock around every parse the library makes avoids it; parsing is
rare (once per function and driver) and short.
"""

from __future__ import annotations

import ast
import threading

_PARSING = threading.Lock()


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source, filename)``, one thread at a time."""
    with _PARSING:
        return ast.parse(source, filename=filename)
