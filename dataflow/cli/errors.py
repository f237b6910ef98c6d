"""The one error a command shows, and the decorator that turns every other error into it.

Someone at a terminal needs what went wrong and what to do in one message, not a traceback
through the framework: click prints a :class:`CliError` as ``Error: ...`` and exits with
status 1. Library messages say what to do in Python (``list_available_variables()``,
``overrides={...}``); here they say it in the command line's terms. Warnings print as
``warning: ...`` lines, without the Python source line a warning normally shows.
"""

from __future__ import annotations

import functools
import re
import shlex
import warnings
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

import click

from dataflow.errors import DataflowError
from dataflow.lineage.errors import GraphvizNotInstalledError

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """A user-facing failure: printed as ``Error: ...`` with exit status 1, no traceback."""


def reports_errors(command: F) -> F:
    """Turn errors into ``Error: ...`` lines and exit status 1 (no traceback); a failing user
    function keeps its exception type and the notes naming the node."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                return command(*args, **kwargs)
        except click.ClickException:
            raise
        except (DataflowError, GraphvizNotInstalledError) as error:
            raise CliError(command_line_terms(f"{type(error).__name__}: {error}")) from None
        except Exception as error:  # a user function failed: its message and notes, no trace
            notes = "".join(f"\n  {note}" for note in getattr(error, "__notes__", ()))
            raise CliError(f"{type(error).__name__}: {error}{notes}") from None

    return wrapper  # type: ignore[return-value]


LIBRARY_LISTING_HINT = "list_available_variables() lists every node."
"""The library's pointer to the full list of nodes, said in Python."""
_OVERRIDES_ARGUMENT = re.compile(r"in overrides=\{('[^']*'): \.\.\.\}")


def command_line_terms(message: str) -> str:
    """``message`` with its Python advice said for the command line: ``dataflow ls MODULES``
    lists every node; overrides go in a context file."""
    message = message.replace(LIBRARY_LISTING_HINT, f"`{listing_command()}` lists every node.")
    return _OVERRIDES_ARGUMENT.sub(
        lambda m: f'under "overrides" in a --context file ({{"overrides": {{{m.group(1)}: '
                  '...}})'.replace("'", '"'), message)


def listing_command() -> str:
    """``dataflow ls`` with the running command's MODULES, context file and config (config
    decides which nodes exist)."""
    context = click.get_current_context(silent=True)
    params = context.params if context is not None else {}
    words = list(params.get("modules") or ["MODULES"])
    if params.get("context_path"):
        words += ["--context", params["context_path"]]
    for item in params.get("config_items") or ():
        words += ["--config", item]
    return f"dataflow ls {shlex.join(words)}"


def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
    click.echo(f"warning: {category.__name__}: {command_line_terms(str(message))}", err=True)
