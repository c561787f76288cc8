"""The command line, ``python -m codegen``: exit codes and what it prints.

The ``check`` cases run the real CLI in a subprocess; the other commands call
``main()`` in-process, which is the same code without the interpreter start.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codegen.__main__ import main
from tests.codegen import support


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        cwd=support.REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def up_to_date(project: Path, emitted: Path) -> Path:
    """The fixture project with its generated/ tree in place."""
    shutil.copytree(emitted, project / "generated")
    return project


def test_check_passes_when_up_to_date(up_to_date: Path) -> None:
    proc = _cli("--root", str(up_to_date), "check")
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout == "codegen: generated/ is up to date\n"


def test_check_lists_the_stale_files_after_a_spec_edit(up_to_date: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["paths"]["/api/pets"]["get"]["summary"] = "List the pets"

    support.edit_yaml(up_to_date / "spec" / "openapi" / "pets.yaml", change)
    proc = _cli("--root", str(up_to_date), "check")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "generated/ is stale; run `make generate`:"
    # Every file built from spec/openapi carries its hash; nothing else changes.
    assert lines[1:] == [
        "  differs: generated/__init__.py",
        "  differs: generated/answers.py",
        "  differs: generated/handler_types.py",
        "  differs: generated/models.py",
        "  differs: generated/openapi.json",
        "  differs: generated/openapi.yaml",
        "  differs: generated/operations.py",
        "  differs: generated/sdk/python/meshery_client/__init__.py",
        "  differs: generated/sdk/python/pyproject.toml",
        "  differs: generated/sdk/typescript/meshery-client.ts",
    ]


def test_invalid_spec_exits_2_with_a_clean_message(project: Path) -> None:
    support.edit_yaml(project / "spec" / "openapi" / "openapi.yaml", lambda doc: doc.update(openapi="3.1.0"))
    proc = _cli("--root", str(project), "check")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "codegen: error: openapi version '3.1.0': write OpenAPI 3.0.x (Connexion 3 rejects 3.1)\n"
    )


def test_generate_writes_the_tree(project: Path, emitted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(project), "generate"]) == 0
    count = len(support.tree(emitted))
    assert capsys.readouterr().out == f"codegen: wrote {count} files under generated/\n"
    assert support.tree(project / "generated") == support.tree(emitted)


def test_assign_error_codes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = project / "spec" / "errors.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8")
        + "  ErrPetLost:\n    code: replace_me\n    severity: ERROR\n    short: Lost\n"
        + "    cause: [Gone.]\n    remedy: [Search.]\n",
        encoding="utf-8",
    )
    assert main(["--root", str(project), "assign-error-codes"]) == 0
    assert capsys.readouterr().out == "ErrPetLost: fixture-server-1004\n"
    assert "  next_error_code: 1005\n" in catalog.read_text(encoding="utf-8")
    assert main(["--root", str(project), "assign-error-codes"]) == 0
    assert capsys.readouterr().out == ""


def test_check_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = project / "build" / "errors.md"
    assert main(["--root", str(project), "check-errors", "--out", str(out)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"codegen: wrote {out}"
    assert printed[1:] == [
        "error catalog problems:",
        "  spec/errors.yaml: ErrPetInvalid is never raised",
        "  spec/errors.yaml: ErrPetNotFound is never raised",
        "  spec/errors.yaml: ErrStartup is never raised",
    ]
    assert out.is_file()
    (project / "handlers").mkdir()
    (project / "handlers" / "pets.py").write_text("ErrPetInvalid, ErrPetNotFound, ErrStartup\n", encoding="utf-8")
    assert main(["--root", str(project), "check-errors"]) == 0
    assert capsys.readouterr().out == "codegen: error catalog matches the code\n"


@pytest.mark.parametrize("command", ["bundle", "openapi-docs", "graphql-sdl", "graphql-docs"])
def test_docs_commands_write_their_file(tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / f"{command}.txt"
    assert main(["--root", str(support.FIXTURE), command, "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"codegen: wrote {out}\n"
    assert out.stat().st_size > 0


def test_errors_of_in_process_commands_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "spec" / "graphql" / "schema.graphql").unlink()
    assert main(["--root", str(project), "graphql-sdl", "--out", str(project / "x.graphql")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("codegen: error: ") and err.rstrip().endswith("the GraphQL root file is missing")


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "the following arguments are required: command" in capsys.readouterr().err
