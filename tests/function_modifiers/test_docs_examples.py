"""The ```python blocks of docs/decorators.md and docs/decorators/{dependencies,config,
expansion,metadata}.md run as written (each block is self-contained and asserts its results)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
PAGES = ["decorators/dependencies.md", "decorators/config.md", "decorators/expansion.md",
         "decorators/metadata.md"]


def _blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


@pytest.mark.parametrize(("page", "minimum"), [
    ("decorators/dependencies.md", 2), ("decorators/config.md", 5),
    ("decorators/expansion.md", 7), ("decorators/metadata.md", 4)])
def test_page_has_examples(page, minimum):
    assert len(_blocks(page)) >= minimum


@pytest.mark.parametrize(("page", "index"),
                         [(p, i) for p in PAGES for i in range(len(_blocks(p)))])
def test_doc_example_runs(page, index):
    namespace: dict[str, object] = {"__name__": f"doc_{Path(page).stem}_{index}"}
    exec(compile(_blocks(page)[index], str(DOCS / page), "exec"), namespace)


def test_index_links_every_family_page():
    index = (DOCS / "decorators.md").read_text()
    for page in ("dependencies", "config", "expansion", "metadata", "reuse", "data_quality"):
        assert f"(decorators/{page}.md)" in index
        assert (DOCS / "decorators" / f"{page}.md").exists()
