"""The ```python blocks of docs/decorators/reuse.md and data_quality.md run as written.

Each block is self-contained and checks itself with asserts; it runs in a fresh namespace.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs" / "decorators"


def _blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


@pytest.mark.parametrize(("page", "minimum"), [("reuse.md", 5), ("data_quality.md", 3)])
def test_doc_page_has_examples(page, minimum):
    assert len(_blocks(page)) >= minimum


@pytest.mark.parametrize(
    ("page", "index"),
    [(page, i) for page in ("reuse.md", "data_quality.md") for i in range(len(_blocks(page)))],
)
def test_doc_example_runs(page, index):
    block = _blocks(page)[index]
    namespace: dict[str, object] = {"__name__": f"doc_{page.split('.')[0]}_{index}"}
    exec(compile(block, str(DOCS / page), "exec"), namespace)
