"""The bundled OpenAPI spec, parsed once per process and shared by REST, Swagger UI and the docs.

Codegen writes the bundled spec twice: ``generated/openapi.yaml`` (served as is) and
``generated/openapi.json``, which is what the server parses (a JSON parse takes about a
millisecond; pure-Python YAML took about a second, twice). Connexion's own validation of
the spec at every start (another second of CPU) is skipped: ``make check-generated``
validates the committed JSON with openapi-spec-validator instead.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from connexion.spec import OpenAPISpecification

import generated

SPEC_DIR = Path(generated.__file__).parent
JSON_FILE = SPEC_DIR / "openapi.json"
YAML_FILE = SPEC_DIR / "openapi.yaml"


@functools.cache
def json_bytes() -> bytes:
    """The spec as JSON, as served at ``/api/openapi.json``."""
    return JSON_FILE.read_bytes()


@functools.cache
def yaml_text() -> str:
    """The spec as YAML, as served at ``/api/openapi.yaml`` (never parsed by the server)."""
    return YAML_FILE.read_text(encoding="utf-8")


def document() -> dict[str, Any]:
    """The parsed spec, a fresh copy per call (callers may change it; parsing beats a deep copy)."""
    doc: dict[str, Any] = json.loads(json_bytes())
    return doc


class CheckedSpecification(OpenAPISpecification):  # type: ignore[misc]
    """Connexion's view of a spec that ``make check-generated`` has already validated."""

    @classmethod
    def _validate_spec(cls, spec: dict[str, Any]) -> None:
        del spec


def specification() -> CheckedSpecification:
    """Connexion's specification object of the bundled spec, built without re-validating it."""
    return CheckedSpecification(document())
