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
    help="Outputs to compute: --final-vars a b c. Replaces final_vars of the context.")


class ListOptionCommand(click.Command):
    """A command whose ``--final-vars`` takes several values after one flag
    (``--final-vars a b c``), as well as one per flag (``--final-vars a --final-vars b``).

    click options take one value each, so the words after the flag, up to the next option or
    the next ``.py`` file, are spread into one ``--final-vars`` per word before parsing.
    """

    list_options = ("--final-vars",)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, spread_list_options(args, self.list_options))


def spread_list_options(args: Sequence[str], flags: Sequence[str]) -> list[str]:
    """``["--final-vars", "a", "b", "-o", "x"]`` → ``["--final-vars", "a", "--final-vars",
    "b", "-o", "x"]``.

    >>> spread_list_options(["m.py", "--final-vars", "a", "b", "-o", "x"], ["--final-vars"])
    ['m.py', '--final-vars', 'a', '--final-vars', 'b', '-o', 'x']
    """
    spread: list[str] = []
    flag: str | None = None
    given = False
    for index, word in enumerate(args):
        if word == "--":
            spread.extend(args[index:])
            flag = None
            break
        if flag is not None and not word.startswith("-") and not word.endswith(".py"):
            spread.extend((flag, word))
            given = True
            continue
        if flag is not None and not given:
            spread.append(flag)  # no value after the flag: click reports it
        flag = None
        if word in flags:
            flag, given = word, False
        else:
            spread.append(word)
    if flag is not None and not given:
        spread.append(flag)
    return spread
