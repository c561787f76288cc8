"""Golden output: every file ``emit_all`` writes for the fixture project.

``golden/`` holds the expected ``generated/`` tree of ``fixture/``. After a
deliberate change to codegen, its templates or the fixture, regenerate it and
review the diff like any other change::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/codegen/test_golden.py

With ``UPDATE_GOLDEN`` set the test rewrites ``golden/`` and then fails, saying
so, so that a run which changed the golden files can never pass silently.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from tests.codegen import support


def _diff(name: str, expected: bytes, actual: bytes) -> str:
    try:
        old, new = expected.decode("utf-8"), actual.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: binary contents differ\n"
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"golden/{name}",
            tofile=f"emitted/{name}",
        )
    )


def test_emit_all_matches_the_golden_tree(emitted: Path) -> None:
    actual = support.tree(emitted)
    if os.environ.get("UPDATE_GOLDEN"):
        if support.GOLDEN.exists():
            shutil.rmtree(support.GOLDEN)
        shutil.copytree(emitted, support.GOLDEN, ignore=shutil.ignore_patterns("__pycache__"))
        pytest.fail(f"UPDATE_GOLDEN is set: rewrote {len(actual)} files under {support.GOLDEN}; review the diff")
    assert support.GOLDEN.is_dir(), "golden/ is missing; create it with UPDATE_GOLDEN=1 (see the module docstring)"
    expected = support.tree(support.GOLDEN)
    problems = [f"missing from the emitted tree: {name}" for name in sorted(expected.keys() - actual.keys())]
    problems += [f"not in golden/: {name}" for name in sorted(actual.keys() - expected.keys())]
    diffs = [_diff(name, expected[name], actual[name]) for name in sorted(expected.keys() & actual.keys())]
    diffs = [d for d in diffs if d]
    if problems or diffs:
        pytest.fail(
            "emitted tree differs from tests/codegen/golden "
            "(regenerate with UPDATE_GOLDEN=1 if the change is intended):\n"
            + "\n".join(problems)
            + "\n"
            + "".join(diffs),
            pytrace=False,
        )


def test_golden_tree_holds_every_artifact() -> None:
    """The fixture exercises every emitter (guards against an empty golden/)."""
    assert sorted(support.tree(support.GOLDEN)) == [
        "__init__.py",
        "answers.py",
        "errors.py",
        "graphql_schema.py",
        "handler_types.py",
        "models.py",
        "openapi.json",
        "openapi.yaml",
        "operations.py",
        "pets/__init__.py",
        "pets/pets_pb2.py",
        "pets/pets_pb2.pyi",
        "pets/pets_pb2_grpc.py",
        "sdk/python/meshery_client/__init__.py",
        "sdk/python/pyproject.toml",
        "sdk/typescript/meshery-client.ts",
        "sdk/typescript/package.json",
    ]
