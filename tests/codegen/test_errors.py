"""The error catalog loader and ``assign_codes`` (what ``make error-util`` runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codegen import errors
from codegen.ir import CodegenError
from tests.codegen import support

CATALOG = support.FIXTURE / "spec" / "errors.yaml"

NEW_ENTRIES = """\
  ErrPetHungry:
    code: replace_me
    http_status: 409
    severity: ERROR
    short: Pet is hungry
    cause:
      - Nobody fed it.
    remedy:
      - Feed it.

  ErrPetAsleep:
    # A comment between the name and the code is allowed.
    code: replace_me
    severity: ALERT
    short: Pet is asleep
    cause: [It is night.]
    remedy: [Wait for the morning.]
"""


def _catalog(project: Path) -> Path:
    return project / "spec" / "errors.yaml"


def _edit(project: Path, change: Any) -> None:
    support.edit_yaml(_catalog(project), change)


def _error(project: Path) -> str:
    with pytest.raises(CodegenError) as info:
        errors.load(_catalog(project))
    return str(info.value)


def test_load_the_fixture_catalog() -> None:
    catalog = errors.load(CATALOG)
    assert catalog.component == {"name": "fixture-server", "type": "server", "next_error_code": 1004}
    assert [(e.name, e.code, e.http_status, e.severity) for e in catalog.errors] == [
        ("ErrPetNotFound", "fixture-server-1001", 404, "ERROR"),
        ("ErrPetInvalid", "fixture-server-1002", 400, "ERROR"),
        ("ErrStartup", "fixture-server-1003", None, "FATAL"),
    ]
    found = catalog.errors[0]
    assert found.short == "Pet not found"
    assert found.long == ("Pets are looked up by id.",)
    assert found.cause == ("No pet has this id.",)
    assert found.remedy == ("List the pets and use one of their ids.",)
    assert catalog.errors[1].long == ()
    assert catalog.source == CATALOG.read_text(encoding="utf-8")


def test_a_single_sentence_may_be_a_string(project: Path) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrStartup"].update(cause="  A dependency is missing.  "))
    assert errors.load(_catalog(project)).errors[2].cause == ("A dependency is missing.",)


def test_duplicate_code(project: Path) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrStartup"].update(code="fixture-server-1001"))
    assert _error(project) == (
        f"{_catalog(project)}: ErrStartup: code fixture-server-1001 is also used by ErrPetNotFound"
    )


@pytest.mark.parametrize("code", ["fixture-server-", "meshery-server-1003", "fixture-server-10a", "1003", ""])
def test_bad_code_format(project: Path, code: str) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrStartup"].update(code=code))
    assert _error(project).endswith(f"ErrStartup: code {code!r} must look like fixture-server-NNNN")


@pytest.mark.parametrize("key", ["cause", "remedy"])
def test_missing_cause_or_remedy(project: Path, key: str) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrPetInvalid"].pop(key))
    assert _error(project).endswith(f"ErrPetInvalid.{key}: at least one sentence is required")


def test_blank_sentence(project: Path) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrPetInvalid"].update(remedy=["Fix it.", "  "]))
    assert _error(project).endswith("ErrPetInvalid.remedy: expected a list of non-empty sentences")


@pytest.mark.parametrize("severity", ["WARNING", "error", None])
def test_bad_severity(project: Path, severity: str | None) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrPetInvalid"].update(severity=severity))
    assert _error(project).endswith(
        "ErrPetInvalid: severity must be one of EMERGENCY, ALERT, CRITICAL, FATAL, ERROR"
    )


@pytest.mark.parametrize("status", [200, 600, "404"])
def test_bad_http_status(project: Path, status: object) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrPetInvalid"].update(http_status=status))
    assert _error(project).endswith("ErrPetInvalid: http_status must be an integer from 400 to 599")


def test_missing_short_description(project: Path) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrPetInvalid"].pop("short"))
    assert _error(project).endswith("ErrPetInvalid: short description is missing")


@pytest.mark.parametrize("name", ["PetInvalid", "Errpetinvalid", "Err_Pet"])
def test_bad_error_name(project: Path, name: str) -> None:
    _edit(project, lambda doc: doc["errors"].update({name: doc["errors"].pop("ErrPetInvalid")}))
    assert _error(project).endswith(f"{name}: names must match ^Err[A-Z][A-Za-z0-9]+$")


@pytest.mark.parametrize("next_code", [1003, 1001])
def test_next_error_code_not_above_the_highest(project: Path, next_code: int) -> None:
    _edit(project, lambda doc: doc["component"].update(next_error_code=next_code))
    assert _error(project) == (
        f"{_catalog(project)}: component.next_error_code must be above the highest code (1003)"
    )


def test_next_error_code_that_is_no_integer(project: Path) -> None:
    _edit(project, lambda doc: doc["component"].update(next_error_code="soon"))
    assert _error(project) == f"{_catalog(project)}: component.next_error_code must be an integer"


def test_missing_component_name(project: Path) -> None:
    _edit(project, lambda doc: doc["component"].pop("name"))
    assert _error(project) == f"{_catalog(project)}: component.name is missing"


def test_catalog_without_errors_mapping(project: Path) -> None:
    _catalog(project).write_text("component: {name: x}\nerrors: []\n", encoding="utf-8")
    assert _error(project).endswith("expected a mapping with `component` and `errors`")


def test_missing_catalog(tmp_path: Path) -> None:
    with pytest.raises(CodegenError, match="cannot read the error catalog"):
        errors.load(tmp_path / "errors.yaml")


def test_placeholder_is_rejected_by_load(project: Path) -> None:
    _edit(project, lambda doc: doc["errors"]["ErrStartup"].update(code="replace_me"))
    assert _error(project) == f"{_catalog(project)}: ErrStartup: code is still 'replace_me'; run `make error-util`"
    catalog = errors.load(_catalog(project), allow_placeholders=True)
    assert catalog.errors[2].code == "replace_me"


def test_assign_codes_renumbers_placeholders_and_touches_nothing_else(project: Path) -> None:
    path = _catalog(project)
    original = path.read_text(encoding="utf-8")
    # One new entry in the middle, one at the end; the header comment
    # mentioning the placeholder must survive.
    hungry, asleep = NEW_ENTRIES.split("\n\n")
    text = "# New entries use replace_me as their code.\n" + original.replace(
        "  ErrPetInvalid:\n", hungry + "\n  ErrPetInvalid:\n"
    )
    text += asleep
    path.write_text(text, encoding="utf-8")

    assigned = errors.assign_codes(path)

    assert assigned == [("ErrPetHungry", "fixture-server-1004"), ("ErrPetAsleep", "fixture-server-1005")]
    expected = (
        text.replace("    code: replace_me", "    code: fixture-server-1004", 1)
        .replace("    code: replace_me", "    code: fixture-server-1005", 1)
        .replace("  next_error_code: 1004", "  next_error_code: 1006")
    )
    assert path.read_text(encoding="utf-8") == expected
    assert "# New entries use replace_me as their code." in expected
    catalog = errors.load(path)
    assert catalog.component["next_error_code"] == 1006
    assert [e.name for e in catalog.errors] == [
        "ErrPetNotFound", "ErrPetHungry", "ErrPetInvalid", "ErrStartup", "ErrPetAsleep",
    ]


def test_assign_codes_without_placeholders_leaves_the_file_alone(project: Path) -> None:
    path = _catalog(project)
    before = path.stat().st_mtime_ns, path.read_bytes()
    assert errors.assign_codes(path) == []
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_assign_codes_still_checks_the_rest_of_the_catalog(project: Path) -> None:
    path = _catalog(project)
    path.write_text(path.read_text(encoding="utf-8") + NEW_ENTRIES.replace("severity: ALERT", "severity: INFO"))
    before = path.read_text(encoding="utf-8")
    with pytest.raises(CodegenError, match="ErrPetAsleep: severity must be one of"):
        errors.assign_codes(path)
    assert path.read_text(encoding="utf-8") == before
