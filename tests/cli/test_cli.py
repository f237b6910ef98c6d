"""The real ``dataflow`` console script, run in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from tests.lineage.svg import content_nodes, legend, svg_nodes

SCRIPT = Path(sys.executable).parent / "dataflow"

FEATURES = '''\
import pandas as pd


def spend(raw: pd.DataFrame) -> pd.Series:
    """Weekly spend."""
    return raw["spend"]


def signups(raw: pd.DataFrame) -> pd.Series:
    return raw["signups"]


def spend_per_signup(spend: pd.Series, signups: pd.Series) -> pd.Series:
    return spend / signups


def scaled(spend: pd.Series, factor: float) -> pd.Series:
    return spend * factor


def broken(spend: pd.Series) -> pd.Series:
    raise RuntimeError("boom in broken")
'''

CONTEXT_PY = '''\
import pandas as pd

HAMILTON_CONFIG = {"factor": 2.0}
inputs = {"raw": pd.DataFrame({"spend": [10.0, 20.0], "signups": [1, 4]})}
final_vars = ["spend_per_signup", "scaled"]
'''


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    if ok:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0, result.stdout
    return result


@pytest.fixture
def project(tmp_path):
    (tmp_path / "features.py").write_text(FEATURES)
    (tmp_path / "ctx.py").write_text(CONTEXT_PY)
    return tmp_path


def test_console_script_is_installed_and_help_is_complete(project):
    assert SCRIPT.exists()
    top = run_cli("--help", cwd=project).stdout
    for command in ("view", "validate", "ls", "run", "diff"):
        assert command in top
    view_help = run_cli("view", "--help", cwd=project).stdout
    for option in ("--output", "--context", "--upstream-of", "--downstream-of", "--max-hops",
                   "--modules-view", "--execution", "--orient", "--hide-inputs", "--no-legend",
                   "--keep-dot"):
        assert option in view_help
    assert "--tag" in run_cli("ls", "--help", cwd=project).stdout
    assert "--git-ref" in run_cli("diff", "--help", cwd=project).stdout
    assert "--final-vars" in run_cli("run", "--help", cwd=project).stdout


def test_ls_table_json_and_tag_filter(project):
    table = run_cli("ls", "features.py", cwd=project).stdout.splitlines()
    assert table[0].split() == ["name", "type", "role", "where", "tags"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows["spend"][:4] == ["spend", "Series", "function", "features:4"]
    assert rows["raw"][:3] == ["raw", "DataFrame", "input"]
    records = json.loads(run_cli("ls", "features.py", "--json", cwd=project).stdout)
    by_name = {r["name"]: r for r in records}
    assert by_name["spend"]["docstring"] == "Weekly spend."
    assert by_name["spend"]["line"] == 4 and by_name["spend"]["module"] == "features"
    tagged = json.loads(run_cli("ls", "features.py", "--json", "--tag", "module=features",
                                cwd=project).stdout)
    assert {r["name"] for r in tagged} == {"spend", "signups", "spend_per_signup", "scaled",
                                           "broken"}
    none = json.loads(run_cli("ls", "features.py", "--json", "--tag", "module=other",
                              cwd=project).stdout)
    assert none == []
    any_module = json.loads(run_cli("ls", "features.py", "--json", "--tag", "module",
                                    cwd=project).stdout)
    assert {r["name"] for r in any_module} == {r["name"] for r in tagged}
    either = json.loads(run_cli("ls", "features.py", "--json", "--tag", "module=other",
                                "--tag", "module=features", cwd=project).stdout)
    assert len(either) == 5


def test_import_path_modules_work_from_the_current_directory(project):
    out = run_cli("ls", "features", cwd=project).stdout
    assert "spend_per_signup" in out


def test_validate_ok_and_failures(project):
    out = run_cli("validate", "features.py", "--context", "ctx.py", cwd=project).stdout
    assert "ok:" in out and "spend_per_signup" in out
    (project / "bad.json").write_text(json.dumps({"HAMILTON_FINAL_VARS": ["spend"]}))
    failed = run_cli("validate", "features.py", "-c", "bad.json", cwd=project, ok=False)
    assert "MissingInputsError" in failed.stderr and "raw" in failed.stderr
    (project / "typo.json").write_text(json.dumps({"final_vars": ["spnd"], "inputs": {}}))
    failed = run_cli("validate", "features.py", "-c", "typo.json", cwd=project, ok=False)
    assert "Did you mean 'spend'" in failed.stderr
    (project / "keys.json").write_text(json.dumps({"final_var": ["spend"]}))
    failed = run_cli("validate", "features.py", "-c", "keys.json", cwd=project, ok=False)
    assert "unknown keys 'final_var' (did you mean 'final_vars'?)" in failed.stderr
    failed = run_cli("validate", "nope.py", cwd=project, ok=False)
    assert "does not exist" in failed.stderr
    failed = run_cli("validate", "no_such_module", cwd=project, ok=False)
    assert "Cannot import module 'no_such_module'" in failed.stderr


def test_run_writes_parquet_and_csv(project):
    out = run_cli("run", "features.py", "-c", "ctx.py", "-o", "out.parquet", cwd=project).stdout
    assert "wrote out.parquet (2 rows, 2 columns)" in out
    frame = pd.read_parquet(project / "out.parquet")
    assert list(frame.columns) == ["spend_per_signup", "scaled"]
    assert frame["spend_per_signup"].tolist() == [10.0, 5.0]
    assert frame["scaled"].tolist() == [20.0, 40.0]
    run_cli("run", "features.py", "-c", "ctx.py", "-o", "out.csv", "--final-vars", "spend",
            cwd=project)
    assert pd.read_csv(project / "out.csv", index_col=0)["spend"].tolist() == [10.0, 20.0]
    printed = run_cli("run", "features.py", "-c", "ctx.py", cwd=project).stdout
    assert "spend_per_signup" in printed and "40.0" in printed


def test_run_failure_leaves_nothing_written(project):
    before = sorted(os.listdir(project))
    failed = run_cli("run", "features.py", "-c", "ctx.py", "--final-vars", "broken",
                     "-o", "out.parquet", cwd=project, ok=False)
    assert "RuntimeError: boom in broken" in failed.stderr
    assert "broken" in failed.stderr
    failed = run_cli("run", "features.py", "-c", "ctx.py", "-o", "out.xlsx", cwd=project,
                     ok=False)
    assert ".parquet" in failed.stderr
    after = sorted(p for p in os.listdir(project) if p != "__pycache__")
    assert after == [p for p in before if p != "__pycache__"]  # no result, no temp file


def test_view_svg_and_variants(project):
    run_cli("view", "features.py", "-o", "all.svg", cwd=project)
    nodes = svg_nodes(project / "all.svg")
    assert set(content_nodes(nodes)) == {"raw", "factor", "spend", "signups",
                                         "spend_per_signup", "scaled", "broken"}
    run_cli("view", "features.py", "-c", "ctx.py", "-o", "cfg.svg", cwd=project)
    assert "config" in legend(svg_nodes(project / "cfg.svg"))
    run_cli("view", "features.py", "-o", "up.svg", "--upstream-of", "spend_per_signup",
            "--max-hops", "1", cwd=project)
    assert set(content_nodes(svg_nodes(project / "up.svg"))) == {
        "spend_per_signup", "spend", "signups"}
    run_cli("view", "features.py", "-o", "mods.png", "--modules-view", cwd=project)
    assert (project / "mods.png").read_bytes()[:4] == b"\x89PNG"
    run_cli("view", "features.py", "-c", "ctx.py", "-o", "exec.svg", "--execution",
            "--orient", "TB", cwd=project)
    exec_nodes = content_nodes(svg_nodes(project / "exec.svg"))
    assert "broken" not in exec_nodes and "spend_per_signup" in exec_nodes
    run_cli("view", "features.py", "-o", "k.svg", "--keep-dot", cwd=project)
    assert (project / "k.dot").exists()


def test_view_misuse(project):
    failed = run_cli("view", "features.py", "-o", "x.svg", "--upstream-of", "spnd",
                     cwd=project, ok=False)
    assert "No node named 'spnd'" in failed.stderr and "Did you mean 'spend'" in failed.stderr
    failed = run_cli("view", "features.py", "-o", "x.docx", cwd=project, ok=False)
    assert "no 'docx' format" in failed.stderr
    failed = run_cli("view", "features.py", "-o", "x.svg", "--orient", "up", cwd=project,
                     ok=False)
    assert "'up' is not one of" in failed.stderr
    failed = run_cli("view", "features.py", "-o", "x.svg", "--max-hops", "2", cwd=project,
                     ok=False)
    assert "--max-hops needs --upstream-of" in failed.stderr
    assert not (project / "x.svg").exists() and not (project / "x.docx").exists()


def test_view_without_dot_on_path_says_how_to_install(project, tmp_path_factory):
    empty_bin = tmp_path_factory.mktemp("bin")
    env = {**os.environ, "PATH": str(empty_bin)}
    failed = run_cli("view", "features.py", "-o", "x.png", cwd=project, env=env, ok=False)
    assert "'dot' program is not on PATH" in failed.stderr
    assert "apt-get install graphviz" in failed.stderr
    assert not (project / "x.png").exists()
    run_cli("view", "features.py", "-o", "x.dot", cwd=project, env=env)
    assert (project / "x.dot").read_text().startswith("digraph")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   cwd=repo, check=True, capture_output=True)


def test_diff_against_a_git_revision(project):
    git(project, "init", "-q")
    git(project, "add", "features.py")
    git(project, "commit", "-qm", "v1")
    source = FEATURES.replace('"""Weekly spend."""', '"""Spend per week (reworded)."""')
    source = source.replace('return raw["spend"]', 'return raw["spend"]  # a comment')
    source = source.replace("return spend * factor", "return spend * factor * 2")
    source = source.replace("def signups(", "def signups_clean(").replace(
        "signups: pd.Series", "signups_clean: pd.Series").replace(
        "spend / signups", "spend / signups_clean")
    (project / "features.py").write_text(textwrap.dedent(source))
    result = json.loads(run_cli("diff", "features.py", "--git-ref", "HEAD", "--json",
                                "--view", "diff.svg", cwd=project).stdout)
    assert result["added"] == ["signups_clean"]
    assert result["removed"] == ["signups"]
    assert sorted(result["changed"]) == ["scaled", "spend_per_signup"]
    assert "spend" in result["unchanged"]  # docstring + comment edits do not count
    nodes = svg_nodes(project / "diff.svg")
    assert set(legend(nodes)) >= {"added", "removed", "changed"}
    assert nodes["signups"].dashed  # removed nodes are still drawn, dashed
    text = run_cli("diff", "features.py", "--git-ref", "HEAD", cwd=project).stdout
    assert "+ signups_clean" in text and "- signups" in text and "~ scaled" in text
    failed = run_cli("diff", "features.py", "--git-ref", "no-such-ref", cwd=project, ok=False)
    assert "git revision 'no-such-ref' does not exist" in failed.stderr


def test_diff_outside_git_is_a_readable_error(project):
    failed = run_cli("diff", "features.py", "--git-ref", "HEAD", cwd=project, ok=False)
    assert "not inside a git work tree" in failed.stderr


ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "demand_forecasting"


def test_example_files_import_as_part_of_their_package(tmp_path):
    # raw_data.py imports `.synthetic`: a file path inside a package imports with its package
    out = run_cli("run", str(EXAMPLE / "raw_data.py"), str(EXAMPLE / "calendar_features.py"),
                  "--config", "n_stores=2", "--config", "n_days=70", "--config", "seed=1",
                  "--final-vars", "is_sat", "is_sun", "-o", "cal.csv", cwd=tmp_path).stdout
    assert "wrote cal.csv (140 rows, 2 columns)" in out
    frame = pd.read_csv(tmp_path / "cal.csv", index_col=0)
    assert frame["is_sat"].sum() == 2 * 10 and frame["is_sun"].sum() == 2 * 10


def test_package_file_by_relative_path_and_plain_file_relative_import(tmp_path):
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "rates.py").write_text("VAT = 0.2\n")
    (package / "prices.py").write_text(
        "from .rates import VAT\n\n\ndef gross(net: float) -> float:\n    return net * (1 + VAT)\n")
    out = run_cli("run", "shop/prices.py", "--input", "net=10", "--final-vars", "gross",
                  cwd=tmp_path).stdout
    assert "12.0" in out
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "f.py").write_text("from .rates import VAT\n")
    failed = run_cli("ls", "loose/f.py", cwd=tmp_path, ok=False)
    assert "has no __init__.py" in failed.stderr and "relative import" in failed.stderr


def test_final_vars_takes_several_values_after_one_flag(project):
    out = run_cli("run", "features.py", "-c", "ctx.py", "--final-vars", "spend", "signups",
                  "-o", "two.csv", cwd=project).stdout
    assert "(2 rows, 2 columns)" in out
    assert list(pd.read_csv(project / "two.csv", index_col=0).columns) == ["spend", "signups"]
    # repeated flags, and modules after the list, work too
    run_cli("run", "-c", "ctx.py", "--final-vars", "spend", "--final-vars", "scaled",
            "features.py", "-o", "three.csv", cwd=project)
    assert list(pd.read_csv(project / "three.csv", index_col=0).columns) == ["spend", "scaled"]
    out = run_cli("validate", "features.py", "-c", "ctx.py", "--final-vars", "spend", "scaled",
                  cwd=project).stdout
    assert "executing ['spend', 'scaled'] is valid" in out


def test_final_vars_with_no_value_is_refused_saying_how_to_write_it(tmp_path):
    # regression: `--final-vars -- a` dropped the flag, so `a` was read as a module and the
    # error said "Nothing to compute"; `--final-vars -o x.csv` took '-o' as the output name
    (tmp_path / "m.py").write_text("def a() -> int:\n    return 1\n")
    for args, why in [(("--final-vars", "--", "a"), "'--' follows it"),
                      (("--final-vars", "-o", "x.csv"), "the option '-o' follows it")]:
        failed = run_cli("run", "m.py", *args, cwd=tmp_path, ok=False)
        assert failed.returncode == 2  # a usage error, as click's own
        assert f"Error: Option '--final-vars' needs a NODE right after it, but {why}" \
            in failed.stderr
        assert "--final-vars NODE [NODE ...]" in failed.stderr
        assert "Nothing to compute" not in failed.stderr
        assert "Cannot import module" not in failed.stderr
    assert not (tmp_path / "x.csv").exists()
    # written as the message says, it runs
    assert run_cli("run", "m.py", "--final-vars", "a", cwd=tmp_path).stdout.split() == [
        "a", "0", "1"]
    assert run_cli("run", "--final-vars=a", "--", "m.py", cwd=tmp_path).stdout.split() == [
        "a", "0", "1"]


def test_missing_inputs_on_the_command_line_name_the_flags_that_supply_them(project):
    (project / "price.py").write_text(
        "import pandas as pd\n\n\ndef total(price: float, qty: int, raw: pd.DataFrame) -> float:\n"
        "    return price * qty * len(raw)\n")
    failed = run_cli("run", "price.py", "--final-vars", "total", cwd=project, ok=False)
    assert "MissingInputsError" in failed.stderr
    assert "--input price=VALUE --input qty=VALUE" in failed.stderr
    assert "build raw (DataFrame) in a .py context file" in failed.stderr
    (project / "raw.py").write_text("import pandas as pd\n\ninputs = {'raw': pd.DataFrame("
                                    "{'a': [1, 2]})}\n")
    out = run_cli("run", "price.py", "--final-vars", "total", "--input", "price=2.5",
                  "--input", "qty=3", "--context", "raw.py", cwd=project).stdout
    assert "15.0" in out
    failed = run_cli("validate", "price.py", "--final-vars", "total", "--input", "price",
                     cwd=project, ok=False)
    assert "--input 'price': write --input NAME=VALUE" in failed.stderr


def test_parquet_without_an_engine_says_what_to_install(project, tmp_path_factory):
    blocked = tmp_path_factory.mktemp("no_parquet_engine")
    for engine in ("pyarrow", "fastparquet"):
        (blocked / engine).mkdir()
        (blocked / engine / "__init__.py").write_text(
            f"raise ImportError('no module named {engine} (blocked by the test)')\n")
    env = {**os.environ, "PYTHONPATH": str(blocked)}
    failed = run_cli("run", "features.py", "-c", "ctx.py", "-o", "out.parquet", cwd=project,
                     env=env, ok=False)
    assert "needs pyarrow, which is not installed: pip install pyarrow" in failed.stderr
    assert not (project / "out.parquet").exists()
    run_cli("run", "features.py", "-c", "ctx.py", "-o", "out.csv", cwd=project, env=env)


def test_misspelt_modules_get_a_did_you_mean(project):
    failed = run_cli("ls", "featurs.py", cwd=project, ok=False)
    assert "Module file 'featurs.py' does not exist. Did you mean 'features.py'?" \
        in failed.stderr
    failed = run_cli("ls", "featurs", cwd=project, ok=False)
    assert (f"Cannot import module 'featurs': there is no module 'featurs' in the current "
            f"directory ({project}) or on sys.path. Did you mean 'features'?") in failed.stderr
    failed = run_cli("ls", "nodir/features.py", cwd=project, ok=False)
    assert "there is no directory 'nodir'" in failed.stderr
    failed = run_cli("ls", "examples.demand_forecasting.raw_dat", cwd=ROOT, ok=False)
    assert ("there is no module 'examples.demand_forecasting.raw_dat' in package "
            "'examples.demand_forecasting'. Did you mean 'examples.demand_forecasting.raw_data'?"
            ) in failed.stderr


def test_a_module_whose_code_fails_is_named_with_the_failing_line(project):
    (project / "needs.py").write_text("import os\nimport no_such_package_zz\n")
    (project / "raising.py").write_text("X = 1\nY = 1 / 0\n")
    (project / "bad_syntax.py").write_text("def f(:\n    pass\n")
    (project / "deep.py").write_text("import pandas as pd\n\nWHEN = pd.Timestamp('not a date')\n")
    for reference in ("needs", "needs.py"):
        failed = run_cli("ls", reference, cwd=project, ok=False)
        # not "Cannot import module 'needs'": the module exists, its import of a package fails
        assert (f"Importing {reference} failed at {project / 'needs.py'}:2: it imports "
                "'no_such_package_zz', which is not installed") in failed.stderr
    failed = run_cli("ls", "raising", cwd=project, ok=False)
    assert (f"Importing raising failed at {project / 'raising.py'}:2: ZeroDivisionError: "
            "division by zero.") in failed.stderr
    failed = run_cli("ls", "bad_syntax.py", cwd=project, ok=False)
    assert f"failed at {project / 'bad_syntax.py'}:1: SyntaxError" in failed.stderr
    # an error raised inside a library points at the user's line that called it
    failed = run_cli("ls", "deep.py", cwd=project, ok=False)
    assert f"failed at {project / 'deep.py'}:3: " in failed.stderr


def test_one_module_named_twice_is_used_once(project):
    table = run_cli("ls", "features.py", "features", "./features.py", cwd=project).stdout
    assert [line.split()[0] for line in table.splitlines()[1:]].count("spend") == 1


def test_errors_and_warnings_say_what_to_type_not_what_to_call(project):
    failed = run_cli("validate", "features.py", "--context", "ctx.py", "--final-vars", "spnd",
                     cwd=project, ok=False)
    assert "Did you mean 'spend'?" in failed.stderr
    assert "`dataflow ls features.py --context ctx.py` lists every node." in failed.stderr
    assert "list_available_variables" not in failed.stderr
    failed = run_cli("view", "features.py", "--config", "factor=2", "-o", "x.svg",
                     "--upstream-of", "spnd", cwd=project, ok=False)
    assert "`dataflow ls features.py --config factor=2` lists every node." in failed.stderr
    # a library warning: one line in command-line terms, no Python source line
    done = run_cli("run", "features.py", "-c", "ctx.py", "--input", "spend=[1, 2]",
                   "--final-vars", "spend", cwd=project)
    warning = done.stderr.strip()
    assert warning.startswith("warning: InputIgnoredWarning: Input 'spend' is not used: the "
                              "function features.spend")
    assert warning.endswith('Pass the value under "overrides" in a --context file '
                            '({"overrides": {"spend": ...}}) to replace the node.')
    assert len(done.stderr.splitlines()) == 1 and "click" not in done.stderr


def test_misspelt_and_mistyped_values_are_explained(project):
    (project / "raw.py").write_text(
        "import pandas as pd\n\ninputs = {'raw': pd.DataFrame({'spend': [1.0]})}\n")
    # a misspelt config key leaves an input missing: the message points at the misspelling
    failed = run_cli("run", "features.py", "-c", "raw.py", "--config", "factr=2",
                     "--final-vars", "scaled", cwd=project, ok=False)
    assert "MissingInputsError" in failed.stderr
    assert ("'factr' is given as config, but no function takes it as a parameter: did you "
            "mean 'factor'?") in failed.stderr
    # a value read as text where a number is needed says how to write a number
    failed = run_cli("validate", "features.py", "-c", "raw.py", "--input", "factor=two",
                     "--final-vars", "scaled", cwd=project, ok=False)
    assert "InputTypeError" in failed.stderr and "factor: expected float, got str" \
        in failed.stderr
    assert ("factor is the text 'two', but factor takes float: write one as JSON, e.g. "
            "--input factor=3.") in failed.stderr
    failed = run_cli("validate", "features.py", "--input", "raw=frame", "--input", "factor=2",
                     "--final-vars", "scaled", cwd=project, ok=False)
    assert ("raw is the text 'frame', but raw takes DataFrame: build it in a .py context file "
            "(inputs = {'raw': ...}) and pass --context ctx.py.") in failed.stderr
    # an --input no node reads is pointed out (it would be ignored), the run goes on
    done = run_cli("run", "features.py", "-c", "ctx.py", "--input", "factr=3",
                   "--final-vars", "scaled", cwd=project)
    assert ("warning: --input factr=... is read by no node of this graph, so it is ignored. "
            "Did you mean 'factor'?") in done.stderr
    assert "40.0" in done.stdout  # factor 2.0 from ctx.py: the misspelt value was not used
    # the same name as config and as an input: which flags, and what to do
    failed = run_cli("run", "features.py", "-c", "ctx.py", "--input", "factor=3",
                     "--final-vars", "scaled", cwd=project, ok=False)
    assert ("'factor' is given both as config (config in the context file) and as an input "
            "(--input factor=...). Give it once") in failed.stderr


def test_context_file_mistakes_name_the_file_and_the_fix(project):
    (project / "ctx_dir").mkdir()
    failed = run_cli("validate", "features.py", "-c", "ctx_dir", cwd=project, ok=False)
    assert "Context file 'ctx_dir' is a directory; give a .json or .py file." in failed.stderr
    failed = run_cli("validate", "features.py", "-c", "ctx.pyy", cwd=project, ok=False)
    assert "Context file 'ctx.pyy' does not exist. Did you mean 'ctx.py'?" in failed.stderr
    (project / "typo_ctx.py").write_text("import pandas as pd\n\ninput = {'factor': 2.0}\n")
    failed = run_cli("validate", "features.py", "-c", "typo_ctx.py", cwd=project, ok=False)
    assert ("Context file typo_ctx.py defines 'input', which is not read: did you mean "
            "'inputs'?") in failed.stderr
    (project / "failing_ctx.py").write_text("inputs = {}\ninputs['x'] = [][0]\n")
    failed = run_cli("validate", "features.py", "-c", "failing_ctx.py", cwd=project, ok=False)
    assert ("Context file failing_ctx.py failed to run at failing_ctx.py:2: IndexError"
            in failed.stderr)


def test_output_paths_and_empty_tag_filters_are_explained(project):
    failed = run_cli("run", "features.py", "-c", "ctx.py", "-o", "out.parqet", cwd=project,
                     ok=False)
    assert ("Cannot write 'out.parqet' (--output): its suffix is '.parqet'; use one of "
            ".parquet, .csv, .json, .pkl. Did you mean '.parquet'?") in failed.stderr
    failed = run_cli("run", "features.py", "-c", "ctx.py", "-o", "results/out.csv",
                     cwd=project, ok=False)
    assert ("Cannot write 'results/out.csv' (--output): directory 'results' does not exist. "
            "Create it first (mkdir -p results)") in failed.stderr
    done = run_cli("ls", "features.py", "--json", "--tag", "modul=features", cwd=project)
    assert json.loads(done.stdout) == []
    assert ("note: --tag kept no node: no node has the tag 'modul'. Did you mean 'module'?"
            in done.stderr)
    done = run_cli("ls", "features.py", "--tag", "module=featurs", cwd=project)
    assert ("no node has module='featurs' (its values: 'features'). Did you mean 'features'?"
            in done.stderr)
    assert "note:" not in run_cli("ls", "features.py", "--tag", "module=features",
                                  cwd=project).stderr


def test_a_misspelt_git_revision_gets_a_did_you_mean(project):
    git(project, "init", "-q")
    git(project, "add", "features.py")
    git(project, "commit", "-qm", "v1")
    failed = run_cli("diff", "features.py", "--git-ref", "HAED", cwd=project, ok=False)
    assert "git revision 'HAED' does not exist in" in failed.stderr
    assert "Did you mean 'HEAD'?" in failed.stderr


def test_an_output_that_cannot_be_a_column_says_what_run_can_write(tmp_path):
    (tmp_path / "shapes.py").write_text(
        "def counts() -> dict:\n    return {'a': 1}\n\n\ndef total() -> int:\n    return 3\n")
    failed = run_cli("run", "shapes.py", "--final-vars", "total", "counts", "-o", "x.csv",
                     cwd=tmp_path, ok=False)
    assert "ResultError: Output 'counts' is of type dict, which cannot be a DataFrame column." \
        in failed.stderr
    assert "dataflow run writes one DataFrame: leave such outputs out of --final-vars" \
        in failed.stderr
    assert not (tmp_path / "x.csv").exists()
    assert run_cli("run", "shapes.py", "--final-vars", "total", cwd=tmp_path).stdout.split() \
        == ["total", "0", "3"]
