"""The arguments and options several commands share, and ``--final-vars a b c``.

Declared once so that ``view``, ``validate``, ``ls``, ``run`` and ``diff`` spell and explain
MODULES, ``--context``, ``--config``, ``--input`` and ``--final-vars`` the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

modules_argument = click.argument("modules", nargs=-1, required=True)
context_option = click.option("--context", "-c", "context_path", type=click.Path(),
                              help="JSON or .py file with config, inputs, overrides, final_vars.")
config_option = click.option(
    "--config", "config_items", multiple=True, metavar="KEY=VALUE",
    help="A config value (repeatable; VALUE is read as JSON, else as text). Wins over the "
         "context file.")
input_option = click.option(
    "--input", "input_items", multiple=True, metavar="NAME=VALUE",
    help="An input value (repeatable; VALUE is read as JSON, else as text). Wins over the "
         "context file; DataFrames and Series need a .py context file.")
final_vars_option = click.option(
    "--final-vars", "final_vars", multiple=True, metavar="NODE ...",
    help="Outputs to compute: --final-vars a b c (the list ends at the next option, .py "
         "file or --). Replaces final_vars of the context.")


class ListOptionCommand(click.Command):
    """A command whose ``--final-vars`` takes several values after one flag
    (``--final-vars a b c``), as well as one per flag (``--final-vars a --final-vars b``).

    click options take one value each, so the words after the flag, up to the next option, the
    next ``.py`` file or ``--``, are spread into one ``--final-vars`` per word before parsing.
    A flag with no word of its own is refused here: left to click, it would take the next
    option (``-o``), file or ``--`` as its value and leave the rest misread.
    """

    list_options = ("--final-vars",)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            spread = spread_list_options(args, self.list_options)
        except click.UsageError as error:
            error.ctx = ctx
            raise
        return super().parse_args(ctx, spread)


def spread_list_options(args: Sequence[str], flags: Sequence[str]) -> list[str]:
    """``["--final-vars", "a", "b", "-o", "x"]`` → ``["--final-vars", "a", "--final-vars",
    "b", "-o", "x"]``.

    The list ends at the next word that starts with ``-`` (an option, or ``--``, after which
    every word is a MODULE) or ends in ``.py`` (a module file). ``--final-vars=a b`` is
    ``--final-vars a b``. A flag with no value before the list ends raises
    :class:`click.UsageError` saying what ended it and how to write the list.

    >>> spread_list_options(["m.py", "--final-vars", "a", "b", "-o", "x"], ["--final-vars"])
    ['m.py', '--final-vars', 'a', '--final-vars', 'b', '-o', 'x']
    >>> spread_list_options(["m.py", "--final-vars", "--", "a"], ["--final-vars"])
    Traceback (most recent call last):
    click.exceptions.UsageError: Option '--final-vars' needs a NODE right after it, ...
    """
    spread: list[str] = []
    flag: str | None = None
    given = False
    for index, word in enumerate(args):
        if flag is not None and not word.startswith("-") and not word.endswith(".py"):
            spread.extend((flag, word))
            given = True
            continue
        if flag is not None and not given:
            raise click.UsageError(_no_value_message(flag, word))
        flag = None
        if word == "--":
            spread.extend(args[index:])
            return spread
        name, equals, value = word.partition("=")
        if name in flags and equals:
            if not value:
                raise click.UsageError(_no_value_message(name, "="))
            spread.extend((name, value))
            flag, given = name, True
        elif word in flags:
            flag, given = word, False
        else:
            spread.append(word)
    if flag is not None and not given:
        raise click.UsageError(_no_value_message(flag, None))
    return spread


def _no_value_message(flag: str, following: str | None) -> str:
    """Why ``flag`` has no value (what ends its list) and how to write it."""
    if following is None:
        ended = "nothing follows it"
    elif following == "=":
        ended = "'=' is followed by nothing"
    elif following == "--":
        ended = "'--' follows it (every word after '--' is one of the MODULES)"
    elif following.startswith("-"):
        ended = f"the option {following!r} follows it"
    else:
        ended = f"{following!r} follows it (a .py file is one of the MODULES)"
    return (f"Option {flag!r} needs a NODE right after it, but {ended}. Write the outputs "
            f"after the flag, before any '--': {flag} NODE [NODE ...] (or {flag}=NODE).")
