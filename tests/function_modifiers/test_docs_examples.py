"""The ```python blocks of docs/decorators.md and its family pages run as written (each block is
self-contained, asserts its results, and runs in a fresh namespace)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
FAMILIES = ["dependencies", "config", "expansion", "metadata", "reuse", "data_quality"]
MINIMUM_EXAMPLES = {"decorators.md": 1, "decorators/dependencies.md": 2,
                    "decorators/config.md": 5, "decorators/expansion.md": 7,
                    "decorators/metadata.md": 4, "decorators/reuse.md": 5,
                    "decorators/data_quality.md": 3}
"""Every page of the decorator docs, with how many examples it has at least."""


def _blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


@pytest.mark.parametrize(("page", "minimum"), MINIMUM_EXAMPLES.items())
def test_page_has_examples(page, minimum):
    assert len(_blocks(page)) >= minimum


@pytest.mark.parametrize(("page", "index"),
                         [(p, i) for p in MINIMUM_EXAMPLES for i in range(len(_blocks(p)))])
def test_doc_example_runs(page, index):
    namespace: dict[str, object] = {"__name__": f"doc_{Path(page).stem}_{index}"}
    exec(compile(_blocks(page)[index], str(DOCS / page), "exec"), namespace)


def test_index_links_every_family_page():
    index = (DOCS / "decorators.md").read_text()
    for page in FAMILIES:
        assert f"(decorators/{page}.md)" in index
        assert (DOCS / "decorators" / f"{page}.md").exists()
