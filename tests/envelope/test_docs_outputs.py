"""docs/envelope.md shows what its examples print: each ```text block right after a ```python
block is that block's output, exactly (tests/test_docs.py runs the page; this checks the output
it shows). On pandas 2 a text column's dtype prints as ``object`` where the page shows ``str``
(the page says so)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.test_docs import FILE_HEADER, blocks, commands

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "envelope.md"


def _as_page_shows(output: str) -> str:
    if int(pd.__version__.split(".")[0]) < 3:
        output = output.replace("'object'", "'str'").replace("is object,", "is str,")
    return output


def test_envelope_page_shows_what_its_examples_print(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    page = blocks(PAGE)
    namespace: dict[str, object] = {"__name__": "docs_envelope_outputs"}
    checked = 0
    try:
        for index, block in enumerate(page):
            following = page[index + 1] if index + 1 < len(page) else None
            if block.kind == "python" and FILE_HEADER.match(block.text):
                (tmp_path / FILE_HEADER.match(block.text).group(1)).write_text(block.text)
            elif block.kind == "python":
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    exec(compile("\n" * (block.line - 1) + block.text, str(PAGE), "exec"),
                         namespace)
                if following is not None and following.kind == "text":
                    assert _as_page_shows(printed.getvalue()) == following.text, \
                        f"docs/envelope.md, block at line {block.line}"
                    checked += 1
                else:
                    assert printed.getvalue() == "", \
                        f"block at line {block.line} prints but the page shows no output"
            elif block.kind == "console":
                for command, expected in commands(block):
                    if command.startswith("python "):  # this environment's interpreter
                        command = f"{sys.executable} {command[len('python '):]}"
                    done = subprocess.run(command, shell=True, cwd=tmp_path, text=True,
                                          capture_output=True, timeout=120,
                                          env={**os.environ, "PYTHONPATH": str(ROOT)})
                    assert done.returncode == 0, done.stderr
                    assert done.stdout.splitlines() == expected
    finally:
        sys.modules.pop("ltv_model", None)
    assert checked >= 8
