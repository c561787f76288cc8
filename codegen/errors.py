"""Load, check and renumber the error catalog (spec/errors.yaml).

Codes look like ``meshery-server-1001``. A new entry may carry the
placeholder ``replace_me``; ``assign_codes`` rewrites placeholders with the
next free numbers (what upstream's errorutil ``update`` does) and touches
nothing else in the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from codegen.ir import CodegenError, ErrorCatalog, ErrorDef

PLACEHOLDER = "replace_me"
SEVERITIES = ("EMERGENCY", "ALERT", "CRITICAL", "FATAL", "ERROR")
NAME_RE = re.compile(r"^Err[A-Z][A-Za-z0-9]+$")


def _code_re(component: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(component)}-(\d+)$")


def _sentences(value: Any, *, where: str, required: bool) -> tuple[str, ...]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CodegenError(f"{where}: expected a list of non-empty sentences")
    if required and not value:
        raise CodegenError(f"{where}: at least one sentence is required")
    return tuple(v.strip() for v in value)


def load(path: Path, *, allow_placeholders: bool = False) -> ErrorCatalog:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CodegenError(f"{path}: cannot read the error catalog: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("errors"), dict):
        raise CodegenError(f"{path}: expected a mapping with `component` and `errors`")
    component = data.get("component") or {}
    name = component.get("name")
    if not name:
        raise CodegenError(f"{path}: component.name is missing")
    if not isinstance(component.get("next_error_code", 0), int):
        raise CodegenError(f"{path}: component.next_error_code must be an integer")
    code_re = _code_re(name)
    errors: list[ErrorDef] = []
    codes: dict[str, str] = {}
    for key, entry in data["errors"].items():
        where = f"{path}: {key}"
        if not NAME_RE.match(key):
            raise CodegenError(f"{where}: names must match {NAME_RE.pattern}")
        if not isinstance(entry, dict):
            raise CodegenError(f"{where}: expected a mapping")
        code = str(entry.get("code", ""))
        if code == PLACEHOLDER:
            if not allow_placeholders:
                raise CodegenError(f"{where}: code is still {PLACEHOLDER!r}; run `make error-util`")
        elif not code_re.match(code):
            raise CodegenError(f"{where}: code {code!r} must look like {name}-NNNN")
        elif code in codes:
            raise CodegenError(f"{where}: code {code} is also used by {codes[code]}")
        codes[code] = key
        severity = entry.get("severity")
        if severity not in SEVERITIES:
            raise CodegenError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        status = entry.get("http_status")
        if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
            raise CodegenError(f"{where}: http_status must be an integer from 400 to 599")
        short = entry.get("short")
        if not isinstance(short, str) or not short.strip():
            raise CodegenError(f"{where}: short description is missing")
        errors.append(
            ErrorDef(
                name=key,
                code=code,
                severity=severity,
                short=short.strip(),
                http_status=status,
                long=_sentences(entry.get("long"), where=f"{where}.long", required=False),
                cause=_sentences(entry.get("cause"), where=f"{where}.cause", required=True),
                remedy=_sentences(entry.get("remedy"), where=f"{where}.remedy", required=True),
            )
        )
    if not allow_placeholders:
        highest = max((int(code_re.match(e.code).group(1)) for e in errors), default=0)  # type: ignore[union-attr]
        if int(component.get("next_error_code", 0)) <= highest:
            raise CodegenError(
                f"{path}: component.next_error_code must be above the highest code ({highest})"
            )
    return ErrorCatalog(component=component, errors=errors, source=path.read_text(encoding="utf-8"))


def assign_codes(path: Path) -> list[tuple[str, str]]:
    """Replace ``replace_me`` codes in place; returns (name, new code) pairs."""
    catalog = load(path, allow_placeholders=True)
    name = catalog.component["name"]
    next_code = int(catalog.component.get("next_error_code", 1000))
    text = path.read_text(encoding="utf-8")
    assigned: list[tuple[str, str]] = []
    for err in catalog.errors:
        if err.code != PLACEHOLDER:
            continue
        new = f"{name}-{next_code}"
        pattern = re.compile(
            rf"(^  {re.escape(err.name)}:\n(?:    .*\n|\s*\n)*?    code: ){PLACEHOLDER}\b", re.M
        )
        text, count = pattern.subn(rf"\g<1>{new}", text, count=1)
        if count != 1:
            raise CodegenError(f"{path}: could not find the code line of {err.name}")
        assigned.append((err.name, new))
        next_code += 1
    if assigned:
        text, count = re.subn(
            r"(^  next_error_code: )\d+", rf"\g<1>{next_code}", text, count=1, flags=re.M
        )
        if count != 1:
            raise CodegenError(f"{path}: component.next_error_code line not found")
        path.write_text(text, encoding="utf-8")
        load(path)
    return assigned
