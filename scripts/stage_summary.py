"""Summary of a `scripts/test` run: one line per stage, then the pytest totals.

Usage: ``python scripts/stage_summary.py STAGES.tsv``, where each line of STAGES.tsv is
``name, result, exit code, seconds, kind, log`` (tab-separated; for a stage that did not
run, the reason in place of the log). The kind says how to read the stage's log for
counts: the tools' own closing lines (pytest's ``= 3 passed, 1 skipped in 2.0s =``,
vitest's ``Tests  208 passed (208)``, ruff's ``Found 2 errors.``, ...).

The last line printed is ``total: N passed, N failed, N skipped`` summed over the pytest
stages (errors count as failed), the form CI reads. Standard library only: it runs with
the interpreter that creates .venv, before anything is installed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PYTEST_EXIT = {
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}
# pytest's closing line, `=` rule stripped: "1 failed, 20 passed, 2 skipped in 3.21s (0:00:03)"
PYTEST_LINE = re.compile(r"(?P<counts>.+?) in [\d.]+s( \([\d:]+\))?")
PYTEST_COUNT = re.compile(r"(\d+) (\w+)")


def _last(pattern: str, text: str) -> re.Match[str] | None:
    matches = list(re.finditer(pattern, text, re.M))
    return matches[-1] if matches else None


def pytest_counts(text: str) -> dict[str, int]:
    """Counts from pytest's closing line: {"passed": 20, "failed": 1, "error": 0, ...}."""
    counts: dict[str, int] = {}
    for line in reversed(text.splitlines()):
        m = PYTEST_LINE.fullmatch(line.strip().strip("=").strip())
        if m is None:
            continue
        parts = m["counts"].split(", ")
        if parts == ["no tests ran"] or all(PYTEST_COUNT.fullmatch(p) for p in parts):
            for p in parts:
                if c := PYTEST_COUNT.fullmatch(p):
                    word = c[2].rstrip("s") if c[2] in ("errors", "warnings") else c[2]
                    counts[word] = int(c[1])
            return counts
    return counts


def _pytest(text: str, rc: int, totals: dict[str, int]) -> str:
    counts = pytest_counts(text)
    for word in ("passed", "skipped"):
        totals[word] += counts.get(word, 0)
    totals["failed"] += counts.get("failed", 0) + counts.get("error", 0)
    order = ["passed", "failed", "error", "skipped", "xfailed", "xpassed", "deselected"]
    shown = [
        f"{counts[w]} {w}{'s' if w == 'error' and counts[w] != 1 else ''}"
        for w in order
        if counts.get(w)
    ]
    if rc in PYTEST_EXIT:
        shown.append(PYTEST_EXIT[rc])
    elif rc > 128:
        shown.append(_signal(rc))
    elif not counts:
        shown.append("no result line")
    return ", ".join(shown) or "0 tests"


def _signal(rc: int) -> str:
    """What an exit status above 128 (a shell's report of a signal) means."""
    return "interrupted" if rc == 130 else f"stopped by signal {rc - 128}"


def _vitest(text: str) -> str:
    m = _last(r"^\s*Tests\s+(.+?)\s*(\(\d+\))?\s*$", text)
    return "tests: " + m[1].replace(" | ", ", ") if m else ""


def _svelte_check(text: str) -> str:
    m = _last(r"svelte-check found (\d+) errors? and (\d+) warnings?", text)
    tsc = len(re.findall(r"error TS\d+", text))
    out = f"{m[1]} errors, {m[2]} warnings" if m else ""
    return out + (f"; tsc: {tsc} errors" if tsc else "")


def _ruff_check(text: str) -> str:
    if "All checks passed!" in text:
        return "0 findings"
    m = _last(r"^Found (\d+) errors?", text)
    return f"{m[1]} finding{'' if m[1] == '1' else 's'}" if m else ""


def _ruff_format(text: str) -> str:
    todo = _last(r"^\d+ files? would be reformatted", text)
    done = _last(r"\d+ files? already formatted$", text)
    return ", ".join(m[0] for m in (todo, done) if m)


def _mypy(text: str) -> str:
    if m := _last(r"^Success: no issues found in (\d+) source files?", text):
        return f"0 errors in {m[1]} files"
    if m := _last(r"^Found (\d+ errors? in \d+ files?) \(checked (\d+) source files?\)", text):
        return f"{m[1]} (of {m[2]})"
    return ""


def _bundle(text: str) -> str:
    if "bundle is up to date" in text:
        return "bundle up to date"
    if "differs from a fresh build" in text:
        return "committed bundle differs from a fresh build"
    return ""


def _chromium(text: str) -> str:
    m = _last(r"^chromium: (.+)$", text)
    return m[0] if m else "Chromium missing"


# Stage kind -> the counts in its log (pytest's counts also go into the totals).
READERS: dict[str, Callable[[str], str]] = {
    "vitest": _vitest,
    "svelte-check": _svelte_check,
    "ruff-check": _ruff_check,
    "ruff-format": _ruff_format,
    "mypy": _mypy,
    "bundle": _bundle,
    "chromium": _chromium,
}


def main(stages_tsv: str) -> None:
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    rows = []
    elapsed = 0.0
    for line in Path(stages_tsv).read_text().splitlines():
        name, result, rc, seconds, kind, log = line.split("\t")
        elapsed += float(seconds)
        if result == "not-run":
            rows.append((name, "not run", "-", log))
            continue
        text = ANSI.sub("", Path(log).read_text(errors="replace"))
        code = int(rc)
        if kind == "pytest":
            detail = _pytest(text, code, totals)
        else:
            detail = READERS[kind](text) if kind in READERS else ""
        if code > 128 and kind != "pytest":
            detail = ", ".join(d for d in (detail, _signal(code)) if d)
        elif code != 0 and not detail:
            detail = f"exit {code}"  # the log above says why
        rows.append((name, result, f"{float(seconds):.1f}s", detail))
    width = max(len(r[0]) for r in rows)
    for name, result, seconds, detail in rows:
        print(f"{name:<{width}}  {result:<7}  {seconds:>7}  {detail}".rstrip())
    bad = [r[0] for r in rows if r[1] != "passed"]
    verdict = (
        f"{len(bad)} of {len(rows)} stages did not pass: {', '.join(bad)}"
        if bad
        else f"all {len(rows)} stages passed"
    )
    print(f"{verdict}, in {elapsed:.0f}s")
    print(
        f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped"
    )


if __name__ == "__main__":
    main(sys.argv[1])
