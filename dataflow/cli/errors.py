"""The one error a command shows, and the decorator that turns every other error into it.

Someone at a terminal needs what went wrong and what to do in one message, not a traceback
through the framework: click prints a :class:`CliError` as ``Error: ...`` and exits with
status 1.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

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
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except (DataflowError, GraphvizNotInstalledError) as error:
            raise CliError(f"{type(error).__name__}: {error}") from None
        except Exception as error:  # a user function failed: its message and notes, no trace
            notes = "".join(f"\n  {note}" for note in getattr(error, "__notes__", ()))
            raise CliError(f"{type(error).__name__}: {error}{notes}") from None

    return wrapper  # type: ignore[return-value]
