"""The Python examples in README.md and docs/*.md run, as written, offline."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A block preceded by this HTML comment is not run (it needs a running viewer, say);
# the comment must say why.
SKIP_MARK = re.compile(r"<!--\s*not-run:\s*(?P<reason>[^>]+?)\s*-->\s*$")
FENCE = re.compile(r"^```python\n(?P<code>.*?)^```", re.S | re.M)


def _blocks() -> list[object]:
    out: list[object] = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for n, match in enumerate(FENCE.finditer(text), start=1):
            before = text[: match.start()].rstrip().splitlines()[-1:] or [""]
            skip = SKIP_MARK.search(before[0])
            marks = [pytest.mark.skip(reason=skip["reason"])] if skip else []
            rel = doc.relative_to(REPO)
            out.append(pytest.param(match["code"], marks=marks, id=f"{rel}#{n}"))
    return out


@pytest.mark.parametrize("code", _blocks())
def test_doc_example_runs(code: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    # A fresh thread, as a reader's script has: no event loop is running there even
    # when a browser test of the same worker left Playwright's loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(exec, compile(code, "<doc example>", "exec"), namespace).result()
    # Every example binds at least one name: the result the reader is shown.
    assert any(not k.startswith("__") for k in namespace)
