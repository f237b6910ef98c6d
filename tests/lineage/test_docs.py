"""The Python examples in docs/lineage.md run as written, in order, and write their files."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "lineage.md"


def test_lineage_doc_examples_run(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "lineage_doc"}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    written = {p.name for p in tmp_path.iterdir()}
    assert {"lineage.svg", "lineage.png", "lineage.dot", "execution.svg", "override.svg",
            "upstream.svg", "near.svg", "downstream.svg", "around.svg", "path.svg",
            "modules.svg", "owners.svg"} == written
    printed = capsys.readouterr().out
    assert "digraph dataflow {" in printed
    assert "Did you mean 'spend'?" in printed
    assert "from inputs: raw" in printed
