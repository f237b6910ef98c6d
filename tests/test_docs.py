"""Every example in README.md and docs/ runs as written, from a directory of its own.

One test per page. Its fenced blocks run in order, in a fresh temporary working directory (so
nothing depends on where the tests are started from, and files the page writes land there):

* a ```` ```python ```` block whose first line is ``# NAME.py`` is a file: it is written to
  ``NAME.py`` (later blocks import it and commands run it); so is a ```` ```yaml ```` block
  headed ``# NAME.yaml`` and a ```` ```sql ```` block headed ``-- NAME.sql``;
* any other ```` ```python ```` block runs in one namespace per page (pages build on their
  earlier blocks);
* a ```` ```console ```` block is a shell session: each ``$ command`` runs with ``bash`` in the
  page's directory, with this environment's ``dataflow`` and ``python`` first on ``PATH``, and
  its output must match the lines shown under it (``...`` stands for any text, a line of just
  ``...`` for any number of lines). A command whose shown output has an ``Error:`` line must
  fail; any other must succeed.
* ```` ```ipython ```` blocks are notebook cells: after the page's other blocks, they run in
  order in one real IPython shell (in its own process), and none may fail;
* ```` ```sh ```` blocks are install and setup lines for a fresh machine; they are not run
  here, but what they install is checked (:func:`test_install_lines_name_this_source_tree`).

This is the one docs test: the decorator pages (docs/decorators.md, docs/decorators/*.md) run
here too, and each keeps at least the number of examples it has today
(:data:`MINIMUM_EXAMPLES`).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.plugins.notebook import run_cells

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DECORATOR_PAGES = {DOCS / "decorators.md", *(DOCS / "decorators").glob("*.md")}
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])
MINIMUM_EXAMPLES = {"decorators.md": 1, "decorators/dependencies.md": 2,
                    "decorators/config.md": 5, "decorators/expansion.md": 7,
                    "decorators/metadata.md": 4, "decorators/reuse.md": 5,
                    "decorators/data_quality.md": 3}
"""Every decorator page, with how many runnable examples it has at least (an example deleted
by mistake fails the suite)."""
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", flags=re.S | re.M)
FILE_HEADER = re.compile(r"(?:#|--) ([\w/]+\.(?:py|yaml|sql))\n")

FILES_WRITTEN = {
    "lineage.md": {"lineage.svg", "lineage.png", "lineage.dot", "execution.svg", "override.svg",
                   "upstream.svg", "near.svg", "downstream.svg", "around.svg", "path.svg",
                   "modules.svg", "owners.svg"},
}
"""Pages whose examples write pictures: exactly these files must appear."""


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    line: int


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    return [Block(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 2)
            for m in FENCE.finditer(text)]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@dataclass
class Session:
    """The page's working directory and the last command's exit status (for ``$?``)."""

    directory: Path
    env: dict[str, str]
    status: int = 0

    def run(self, command: str) -> tuple[int, str]:
        done = subprocess.run(["bash", "-c", f"(exit {self.status}); {command}"],
                              cwd=self.directory, env=self.env, capture_output=True,
                              text=True, timeout=300, check=False)
        self.status = done.returncode
        return done.returncode, done.stdout + done.stderr


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """``$ command`` lines of a console block, each with the output lines shown under it."""
    found: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found:
            found[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"console block at line {block.line} starts without '$ '")
    return found


def output_matches(expected: list[str], actual: str) -> bool:
    """Whether ``actual`` is what ``expected`` shows (``...`` = any text / any lines)."""
    pattern = []
    for line in expected:
        if line.strip() == "...":
            pattern.append(r"(?:[^\n]*\n)*?")
        else:
            escaped = re.escape(line.rstrip()).replace(re.escape("..."), "[^\n]*")
            pattern.append(escaped + r"[ \t]*\n")
    text = "\n".join(line.rstrip() for line in actual.splitlines()) + "\n"
    return re.fullmatch("".join(pattern), text) is not None


def shell_environment(directory: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GIT_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(GIT_AUTHOR_NAME="Ann Example", GIT_AUTHOR_EMAIL="ann@example.com",
               GIT_COMMITTER_NAME="Ann Example", GIT_COMMITTER_EMAIL="ann@example.com",
               HOME=str(directory), COLUMNS="100")
    return env


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_examples_run_as_written(page: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    found = [b for b in blocks(page) if b.kind in ("python", "console")
             or (b.kind in ("yaml", "sql") and FILE_HEADER.match(b.text))]
    cells = [b for b in blocks(page) if b.kind == "ipython"]
    if page.name == "index.md":
        assert not found  # the index only links; other pages hold the examples
        return
    assert found, f"{page_id(page)} has no examples to run"
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    session = Session(tmp_path, shell_environment(tmp_path))
    try:
        for block in found:
            where = f"{page_id(page)}, block at line {block.line}"
            header = FILE_HEADER.match(block.text)
            if block.kind in ("python", "yaml", "sql") and header:
                target = tmp_path / header.group(1)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.text)
            elif block.kind == "python":
                exec(compile("\n" * (block.line - 1) + block.text, str(page), "exec"), namespace)
            else:
                for command, expected in commands(block):
                    status, output = session.run(command)
                    should_fail = any(line.startswith("Error:") for line in expected)
                    assert (status != 0) == should_fail, \
                        f"{where}: `{command}` exited {status}:\n{output}"
                    if expected:
                        assert output_matches(expected, output), (
                            f"{where}: `{command}` printed\n{output}\nbut the page shows\n"
                            + "\n".join(expected))
    finally:
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if file.startswith(str(tmp_path)):
                del sys.modules[name]
    if page.name in FILES_WRITTEN:
        written = {p.name for p in tmp_path.iterdir()} - {"__pycache__"}
        assert written == FILES_WRITTEN[page.name]
    if cells:
        reports = run_cells([cell.text for cell in cells], tmp_path)
        for cell, report in zip(cells, reports):
            assert report.error is None, f"{page_id(page)}, cell at line {cell.line}: {report}"


@pytest.mark.parametrize(("page", "minimum"), MINIMUM_EXAMPLES.items())
def test_decorator_pages_keep_their_examples(page: str, minimum: int) -> None:
    assert len([b for b in blocks(DOCS / page) if b.kind == "python"]) >= minimum
    assert set(MINIMUM_EXAMPLES) == {str(p.relative_to(DOCS)) for p in DECORATOR_PAGES}


def test_decorator_index_links_every_family_page() -> None:
    index = (DOCS / "decorators.md").read_text()
    for page in sorted((DOCS / "decorators").glob("*.md")):
        assert f"(decorators/{page.name})" in index, f"docs/decorators.md does not link {page}"


def test_every_shell_session_is_a_console_block_that_runs() -> None:
    for page in [*PAGES, *DECORATOR_PAGES]:
        for block in blocks(page):
            if block.kind not in ("console", "sh") and re.search(r"^\$ ", block.text, re.M):
                raise AssertionError(f"{page_id(page)}:{block.line}: a shell session in a "
                                     f"```{block.kind} block; make it ```console so it runs")


def test_install_lines_name_this_source_tree() -> None:
    extras = importlib.metadata.metadata("dataflow").get_all("Provides-Extra") or []
    lines = [line for page in [*PAGES, *DECORATOR_PAGES] for block in blocks(page)
             if block.kind in ("sh", "console") for line in block.text.splitlines()
             if "pip install" in line]
    assert lines, "the docs say how to install dataflow"
    for line in lines:
        command = line.split("#")[0]
        # PyPI's "dataflow" is an unrelated project: install from this source tree
        assert not re.search(r"pip install\s+(-U\s+)?['\"]?dataflow\b", command), line
        for extra in re.findall(r"\.\[(\w+)\]", command):
            assert extra in extras, f"{line!r} names the extra {extra!r}, not in pyproject.toml"
    unrelated = re.compile(r"`pip install dataflow`(?!\s+installs\s+an\s+unrelated)")
    prose = [page for page in [*PAGES, *DECORATOR_PAGES] if unrelated.search(page.read_text())]
    assert prose == []


def test_readme_names_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    commands_named = re.findall(r"^make (\w+)", readme, flags=re.M)
    assert commands_named == ["demo", "test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_docs_links_point_at_files() -> None:
    for page in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+\.(?:md|svg|png))\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links {target}"


def test_every_page_is_reachable_from_the_index() -> None:
    index = (DOCS / "index.md").read_text()
    for page in sorted(DOCS.rglob("*.md")):
        if page.parent == DOCS / "decorators" or page.name == "index.md":
            continue
        assert f"({page.relative_to(DOCS)})" in index, f"docs/index.md does not link {page}"


def test_output_matching_rules() -> None:
    assert output_matches(["wrote a.svg"], "wrote a.svg\n")
    assert not output_matches(["wrote a.svg"], "wrote b.svg\n")
    assert output_matches(["Error: ... missing", "..."], "Error: 2 inputs missing\nmore\nlines\n")
    assert not output_matches(["a", "b"], "a\n")


def test_docs_pictures_redraw_without_absolute_paths(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(DOCS / "img" / "make_pictures.py"), str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "demo_lineage.svg", "execution_example.png", "lineage_example.png",
        "lineage_example.svg"]
    for svg, source in (("demo_lineage.svg", "- examples/demand_forecasting/raw_data.py:"),
                        ("lineage_example.svg", "- lineage_example.py:")):
        text = (tmp_path / svg).read_text().replace("&#45;", "-")
        assert source in text and str(ROOT) not in text and "/tmp" not in text
