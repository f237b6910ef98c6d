"""The ```python blocks of docs/decorators.md's family pages run as written (each block is
self-contained, asserts its results, and runs in a fresh namespace)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
MINIMUM_EXAMPLES = {"dependencies": 2, "config": 5, "expansion": 7, "metadata": 4, "reuse": 5,
                    "data_quality": 3}
"""Every family page of the decorator docs, with how many examples it has at least."""


def _blocks(page: str) -> list[str]:
    text = (DOCS / "decorators" / f"{page}.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize(("page", "minimum"), MINIMUM_EXAMPLES.items())
def test_page_has_examples(page, minimum):
    assert len(_blocks(page)) >= minimum


@pytest.mark.parametrize(("page", "index"),
                         [(p, i) for p in MINIMUM_EXAMPLES for i in range(len(_blocks(p)))])
def test_doc_example_runs(page, index):
    namespace: dict[str, object] = {"__name__": f"doc_{page}_{index}"}
    exec(compile(_blocks(page)[index], str(DOCS / "decorators" / f"{page}.md"), "exec"),
         namespace)


def test_index_links_every_family_page():
    index = (DOCS / "decorators.md").read_text()
    for page in MINIMUM_EXAMPLES:
        assert f"(decorators/{page}.md)" in index
        assert (DOCS / "decorators" / f"{page}.md").exists()
