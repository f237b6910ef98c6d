"""The pieces of ``dataflow.cli`` in-process, and ``python -m dataflow.cli`` for real."""

from __future__ import annotations

import doctest
import importlib
import json
import re
import subprocess
import sys

import click
import pytest

from dataflow.cli.context import load_context, with_command_line
from dataflow.cli.errors import CliError
from dataflow.cli.listing import node_table, tag_filter_from
from dataflow.cli.options import spread_list_options
from tests.cli.test_cli import FEATURES, SCRIPT

CLI_MODULES = ("commands", "context", "errors", "listing", "modules", "request_hints",
               "options", "result_files")


def test_python_dash_m_runs_the_same_command_line_as_the_console_script(tmp_path):
    (tmp_path / "features.py").write_text(FEATURES)

    def both(*args: str) -> tuple[str, str]:
        module = subprocess.run([sys.executable, "-m", "dataflow.cli", *args], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120, check=True)
        script = subprocess.run([str(SCRIPT), *args], cwd=tmp_path, capture_output=True,
                                text=True, timeout=120, check=True)
        return module.stdout, script.stdout

    module_help, script_help = both("--help")
    assert module_help.startswith("Usage: python -m dataflow.cli [OPTIONS] COMMAND")
    assert module_help.replace("python -m dataflow.cli", "dataflow") == script_help
    module_ls, script_ls = both("ls", "features.py", "--json")
    assert module_ls == script_ls
    assert "spend_per_signup" in {record["name"] for record in json.loads(module_ls)}


@pytest.mark.parametrize("name", CLI_MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(f"dataflow.cli.{name}")
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0


@pytest.mark.parametrize(("args", "spread"), [
    (["m.py", "--final-vars", "a", "b"], ["m.py", "--final-vars", "a", "--final-vars", "b"]),
    # a .py file or an option ends the list
    (["--final-vars", "a", "m.py"], ["--final-vars", "a", "m.py"]),
    (["--final-vars", "a", "-c", "x"], ["--final-vars", "a", "-c", "x"]),
    # "--" ends the list; after it nothing is spread (every word is a MODULE)
    (["--final-vars", "a", "--", "b"], ["--final-vars", "a", "--", "b"]),
    (["--final-vars", "a", "--", "--final-vars", "b"], ["--final-vars", "a", "--",
                                                       "--final-vars", "b"]),
    # --final-vars=a starts the list like --final-vars a
    (["--final-vars=a", "b", "m.py"], ["--final-vars", "a", "--final-vars", "b", "m.py"]),
    (["--final-vars=-x"], ["--final-vars", "-x"]),
])
def test_final_vars_words_are_spread_one_flag_each(args, spread):
    assert spread_list_options(args, ["--final-vars"]) == spread


@pytest.mark.parametrize(("args", "why"), [
    (["m.py", "--final-vars", "--", "a"], "but '--' follows it (every word after '--' is one "
                                          "of the MODULES)"),
    (["m.py", "--final-vars", "-o", "x.csv"], "but the option '-o' follows it"),
    (["--final-vars", "m.py"], "but 'm.py' follows it (a .py file is one of the MODULES)"),
    (["m.py", "--final-vars"], "but nothing follows it"),
    (["m.py", "--final-vars="], "but '=' is followed by nothing"),
    (["--final-vars", "a", "--final-vars", "-c", "x"], "but the option '-c' follows it"),
])
def test_final_vars_without_a_value_says_what_ended_the_list(args, why):
    with pytest.raises(click.UsageError) as raised:
        spread_list_options(args, ["--final-vars"])
    message = raised.value.message
    assert message.startswith(f"Option '--final-vars' needs a NODE right after it, {why}.")
    assert message.endswith("--final-vars NODE [NODE ...] (or --final-vars=NODE).")


def test_tag_words_become_a_tag_filter():
    assert tag_filter_from(["team=a", "team=b", "owner", "owner=x"]) == {
        "team": ["a", "b"], "owner": None}
    with pytest.raises(CliError, match="write KEY=VALUE or KEY"):
        tag_filter_from(["=a"])


def test_node_table_aligns_columns_under_the_header():
    records = [
        {"name": "spend_per_signup", "type": "Series", "role": "function", "module": "f",
         "line": 12, "tags": {"module": "f", "team": "growth"}},
        {"name": "raw", "type": "DataFrame", "role": "input", "module": None, "line": None,
         "tags": {}},
    ]
    assert node_table(records) == [
        "name              type       role      where  tags",
        "spend_per_signup  Series     function  f:12   team=growth",
        "raw               DataFrame  input     -",
    ]


def test_context_file_hamilton_names_and_the_command_line_winning(tmp_path):
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps({"HAMILTON_CONFIG": {"a": 1, "b": 2}, "inputs": {"x": 1},
                               "HAMILTON_FINAL_VARS": ["y"]}))
    context = with_command_line(load_context(str(ctx)), ["b=3"], ["x=[1, 2]", "t=north"])
    assert context.config == {"a": 1, "b": 3}
    assert context.inputs == {"x": [1, 2], "t": "north"}
    assert context.final_vars == ["y"]
    assert with_command_line(context, final_vars=["z"]).final_vars == ["z"]
    ctx.write_text(json.dumps({"config": {}, "HAMILTON_CONFIG": {}}))
    with pytest.raises(CliError, match="gives 'config' twice"):
        load_context(str(ctx))


def test_config_and_input_of_one_name_are_refused_naming_where_each_came_from(tmp_path):
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps({"config": {"seed": 1}}))
    with pytest.raises(CliError, match=r"'seed' is given both as config \(config in the "
                                       r"context file\) and as an input \(--input seed=...\)"):
        with_command_line(load_context(str(ctx)), inputs=["seed=2"])
    with pytest.raises(CliError, match=r"as config \(--config n=...\) and as an input "
                                       r"\(--input n=...\)"):
        with_command_line(load_context(None), ["n=1"], ["n=2"])


@pytest.mark.parametrize(("text", "error"), [
    ("CONFIG = {'a': 1}\n", "defines 'CONFIG', which is not read: did you mean 'config'?"),
    ("config = {}\nfinal_var = ['a']\n",
     "defines 'final_var', which is not read: did you mean 'final_vars'?"),
    ("HAMILTON_INPUT = {'a': 1}\n",
     "defines 'HAMILTON_INPUT', which is not read: did you mean 'HAMILTON_INPUTS'?"),
    ("rows = [1, 2]\n", "defines none of config, inputs, overrides, final_vars"),
])
def test_python_context_files_with_misspelt_or_no_keys_are_refused(tmp_path, text, error):
    ctx = tmp_path / "ctx.py"
    ctx.write_text(text)
    with pytest.raises(CliError, match=re.escape(error)):
        load_context(str(ctx))


def test_python_context_helpers_named_like_keys_are_not_mistaken_for_typos(tmp_path):
    ctx = tmp_path / "ctx.py"
    ctx.write_text("inputs_frame = {'a': 1}\ninputs = {'raw': inputs_frame}\n"
                   "configs_seen = []\nconfig = {'b': 2}\n")
    context = load_context(str(ctx))
    assert context.inputs == {"raw": {"a": 1}} and context.config == {"b": 2}


def test_hamilton_context_keys_set_to_none_are_empty_as_in_hamilton(tmp_path):
    ctx = tmp_path / "ctx.py"
    ctx.write_text("HAMILTON_CONFIG = None\nHAMILTON_INPUTS = None\nHAMILTON_OVERRIDES = None\n"
                   "HAMILTON_FINAL_VARS = ['a']\n")
    context = load_context(str(ctx))
    assert (context.config, context.inputs, context.overrides, context.final_vars) == (
        {}, {}, {}, ["a"])
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps({"HAMILTON_CONFIG": None, "config": {"b": 1}}))
    assert load_context(str(ctx)).config == {"b": 1}


@pytest.mark.parametrize(("content", "error"), [
    ({"final_vars": "spend"}, "'final_vars' in {} must be a list of node names: ['spend'], not "
                              "'spend'."),
    ({"final_vars": [1]}, "'final_vars' in {} must be a list of node names, not [1]."),
    ({"inputs": [1, 2]}, "'inputs' in {} must be a mapping of names to values, not list [1, 2]."),
])
def test_context_values_of_the_wrong_shape_say_what_was_found(tmp_path, content, error):
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps(content))
    with pytest.raises(CliError) as raised:
        load_context(str(ctx))
    assert raised.value.message == error.format(ctx)
