"""Fixtures of the codegen tests: the fixture project emitted once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen import pipeline
from tests.codegen import support


@pytest.fixture(scope="session")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``generated/`` as emitted for the fixture project (read-only for tests).

    datamodel-codegen and protoc take about a second together, so the tree is
    built once and shared by the golden, run-the-code and CLI tests.
    """
    out_root = tmp_path_factory.mktemp("emitted")
    pipeline.emit_all(pipeline.Layout(support.FIXTURE), out_root)
    return out_root / "generated"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private, modifiable copy of the fixture project."""
    return support.copy_fixture(tmp_path / "project")
