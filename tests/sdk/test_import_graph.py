"""The SDK's modules import each other without cycles, except frame <-> instance.

The graph is built with ast from the imports that run when a module is imported:
those at module level, including inside ``try``, ``with``, ``if`` and class bodies.
Imports inside functions run later (deferred on purpose, often to keep pydicom out of
a cheap import), and those under ``if TYPE_CHECKING:`` never run: neither counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SDK = Path(__file__).resolve().parents[2] / "src" / "dcmview" / "sdk"
PACKAGE = "dcmview.sdk"

# Frame objects are made by an Instance and keep a reference to it: two halves of one
# concept, each module naming the other's class at import time.
ALLOWED_CYCLES = [{"dcmview.sdk.frame", "dcmview.sdk.instance"}]


def _module_name(path: Path) -> str:
    parts = path.relative_to(SDK).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_nodes(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of `body` that run when the module is imported."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _import_time_nodes(node.body)
            yield from _import_time_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _import_time_nodes(block)
            for handler in node.handlers:
                yield from _import_time_nodes(handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _import_time_nodes(node.body)


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known: set[str]):
    """The sdk modules an import statement loads (a name from a package is the package)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        base = name if is_package else name.rsplit(".", 1)[0]
        for _ in range(node.level - 1):
            base = base.rsplit(".", 1)[0]
        module = f"{base}.{node.module}" if node.module else base
    else:
        module = node.module or ""
    for alias in node.names:
        sub = f"{module}.{alias.name}"
        yield sub if sub in known else module


def import_graph() -> dict[str, set[str]]:
    """sdk module -> the sdk modules it imports at import time."""
    files = {_module_name(p): p for p in sorted(SDK.rglob("*.py"))}
    known = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _import_time_nodes(tree.body):
            edges.update(
                t for t in _targets(node, name, is_package, known) if t in known and t != name
            )
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_only_import_cycle_is_frame_and_instance():
    found = cycles(import_graph())
    assert [sorted(c) for c in found if c not in ALLOWED_CYCLES] == []


def test_the_graph_sees_imports():
    # A guard for the test itself: known edges are found, deferred ones are not.
    graph = import_graph()
    assert "dcmview.sdk.header" in graph["dcmview.sdk.catalog"]
    assert "dcmview.sdk.errors" in graph["dcmview.sdk"]
    assert "dcmview.sdk.instance" not in graph["dcmview.sdk.catalog"]  # in a function


def test_cycles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [{"a", "b", "c"}]
