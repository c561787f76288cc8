"""The runtime's import graph has no cycles, between modules or between areas of ``meshery``.

import-linter's layers contract (pyproject.toml) orders the areas; this test checks the graph
itself with grimp (which import-linter is built on): no module of ``meshery`` reaches itself
through imports, and neither does an area (``meshery.<name>``, a package or a module). The only
imports left out are the type-only ones the layers contract ignores (``Services`` naming the
types of the runtimes it holds), read from pyproject.toml so both stay the same list.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    nodes = sorted({*edges, *(b for bs in edges.values() for b in bs)})
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def ignored_type_only_imports() -> list[tuple[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [tuple(entry.replace(" ", "").split("->")) for entry in layers.get("ignore_imports", [])]


@cache
def module_edges(*, type_checking: bool) -> dict[str, set[str]]:
    # No cache: grimp's file cache can hand back a graph older than the sources being tested.
    graph = grimp.build_graph("meshery", exclude_type_checking_imports=not type_checking, cache_dir=None)
    if type_checking:
        for importer, imported in ignored_type_only_imports():
            assert graph.direct_import_exists(importer=importer, imported=imported), (
                f"pyproject.toml ignores {importer} -> {imported}, which no longer exists: drop it"
            )
            graph.remove_import(importer=importer, imported=imported)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def area(module: str) -> str:
    return ".".join(module.split(".")[:2])


def area_edges(edges: Mapping[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for importer, imported in edges.items():
        for target in imported:
            # The package meshery itself holds nothing; importing meshery.x from meshery.y says nothing about areas.
            if target != "meshery" and importer != "meshery" and area(importer) != area(target):
                out.setdefault(area(importer), set()).add(area(target))
    return out


@pytest.mark.parametrize("type_checking", [False, True], ids=["runtime imports", "with type-only imports"])
def test_no_module_imports_itself_back(type_checking: bool) -> None:
    edges = module_edges(type_checking=type_checking)
    assert len(edges) > 100, "the graph of meshery was not built"
    assert cycles(edges) == []


@pytest.mark.parametrize("type_checking", [False, True], ids=["runtime imports", "with type-only imports"])
def test_no_area_imports_itself_back(type_checking: bool) -> None:
    edges = area_edges(module_edges(type_checking=type_checking))
    assert {"meshery.connections", "meshery.meshsync", "meshery.context"} <= set(edges)
    assert cycles(edges) == []


def test_the_check_finds_cycles() -> None:
    """The cycle finder itself: a two-module cycle and a longer one, beside an acyclic part."""
    edges = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": set(), "x": {"y"}, "y": {"z"}, "z": {"x"}}
    assert sorted(cycles(edges)) == [["a", "b"], ["x", "y", "z"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []
    # A cycle between two packages made of imports between different modules of each.
    modules = {"m.p.one": {"m.q.two"}, "m.q.three": {"m.p.four"}, "m.p.four": set(), "m.q.two": set()}
    assert cycles(modules) == []
    assert cycles(area_edges(modules)) == [["m.p", "m.q"]]
