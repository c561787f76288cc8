"""Paths and helpers shared by the codegen tests.

``fixture/`` is a tiny project (spec/openapi, spec/graphql, spec/errors.yaml,
protos/) that exercises every emitter; ``golden/`` is the ``generated/`` tree
codegen must emit for it (see ``test_golden.py`` to regenerate it).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture"
GOLDEN = HERE / "golden"
REPO = HERE.parents[1]


def copy_fixture(dest: Path) -> Path:
    """A private copy of the fixture project that a test may modify."""
    shutil.copytree(FIXTURE, dest)
    return dest


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Load a YAML file, let ``change`` mutate it in place, write it back."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder (relative POSIX name -> bytes), caches left out."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def import_file(path: Path, name: str) -> ModuleType:
    """Import one emitted file under a unique module name (kept in sys.modules).

    The module stays registered because pydantic and dataclasses resolve the
    postponed annotations through ``sys.modules[cls.__module__]``.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
