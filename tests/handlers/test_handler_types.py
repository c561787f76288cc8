"""mypy agrees with ``wiring.bind``: every REST handler fits its operation's generated Protocol.

The program mypy checks assigns each handler to ``generated.handler_types.<Operation>``;
a handler whose parameters disagree with the spec (name, type, a missing
required one, a missing default) is a type error naming the operation's Protocol.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api as mypy_api

from generated.handler_types import SIGNATURES
from generated.operations import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]


def _protocol(operation_id: str) -> str:
    return operation_id[:1].upper() + operation_id[1:]


def _mypy(program: str, folder: Path) -> tuple[str, int]:
    checked = folder / "conformance.py"
    checked.write_text(program, encoding="utf-8")
    # The project's settings (strict, the pydantic plugin); the file on the command line replaces `files`.
    stdout, stderr, status = mypy_api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary", str(checked)]
    )
    return stdout + stderr, status


def _conformance_program() -> str:
    modules = sorted({info.handler.rpartition(".")[0] for info in OPERATIONS.values()})
    lines = ["from generated import handler_types", *(f"import {m}" for m in modules)]
    for op_id, info in sorted(OPERATIONS.items()):
        assert op_id in SIGNATURES, op_id
        lines.append(f"_{op_id}: handler_types.{_protocol(op_id)} = {info.handler}")
    return "\n".join(lines) + "\n"


def test_every_handler_fits_its_protocol(tmp_path: Path) -> None:
    output, status = _mypy(_conformance_program(), tmp_path)
    assert status == 0, output


def test_a_disagreeing_handler_is_a_type_error(tmp_path: Path) -> None:
    program = (
        "from typing import Any\n"
        "from generated import handler_types\n"
        "async def get_workspace_by_id(id_: int) -> Any: ...\n"
        "async def get_workspaces(*, page: int = 0, org_id: str | None = None) -> Any: ...\n"
        "_a: handler_types.GetWorkspaceById = get_workspace_by_id\n"
        "_b: handler_types.GetWorkspaces = get_workspaces\n"
    )
    output, status = _mypy(program, tmp_path)
    assert status == 1
    assert 'variable has type "GetWorkspaceById"' in output, output
    assert 'variable has type "GetWorkspaces"' in output, output
