"""The pinned ``@meshery/schemas`` package as data: its Meshery Server operations and client calls.

``make conformance-deps`` installs the package with npm under ``.cache/meshery-schemas``;
``extract.js`` (node, no dependencies) reads its OpenAPI documents and its RTK-Query client
``mesheryApi`` and prints them as JSON, which ``load`` turns into ``Operation`` and ``ClientCall``.
Operations owned by other issues are listed in ``EXCLUDED`` with the owning area.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1.3.7"
PACKAGE = Path(
    os.environ.get(
        "MESHERY_SCHEMAS_PACKAGE", ROOT / ".cache" / "meshery-schemas" / "node_modules" / "@meshery" / "schemas"
    )
)
EXTRACT = Path(__file__).with_name("extract.js")

# Operations of the package that other issues own: key prefix (method and path template with
# `{}` for every parameter) -> the owning area.
EXCLUDED: dict[str, str] = {
}
# Constructs whose operations the identity work serves (orgs, teams, users, keys).
_PARAM = re.compile(r"\{[^}]+\}")
IDENTITY = frozenset({"organization", "team", "user", "key"})


def normalize(method: str, path: str) -> str:
    """``METHOD /path`` with every path parameter written ``{}``: one key per route whatever its names."""
    return method.upper() + " " + _PARAM.sub("{}", path)


def excluded_area(key: str) -> str | None:
    """The area owning an excluded operation, or None when the operation is checked here."""
    for prefix, area in EXCLUDED.items():
        if key.startswith(prefix):
            return area
    return None


@dataclass(frozen=True)
class Body:
    version: str
    media: str
    schema: dict[str, Any]


@dataclass
class Operation:
    key: str
    method: str
    path: str
    operation_id: str | None
    version: str
    construct: str
    declared_in: list[str]
    parameters: list[dict[str, Any]]
    bodies: list[Body]  # one per distinct schema, primary version first
    responses: dict[str, dict[str, Any]]

    @property
    def area(self) -> str | None:
        return excluded_area(self.key)

    @property
    def identity(self) -> bool:
        return self.construct in IDENTITY


@dataclass(frozen=True)
class ClientCall:
    name: str
    method: str
    url: str
    params: tuple[str, ...]
    body: bool

    @property
    def key(self) -> str:
        return normalize(self.method, self.url)


@dataclass
class Package:
    version: str
    operations: list[Operation]
    client: list[ClientCall] = field(default_factory=list)

    def operation(self, key: str) -> Operation | None:
        return next((op for op in self.operations if op.key == key), None)


def unavailable() -> str | None:
    """Why the package cannot be read here (a skip reason), or None."""
    if shutil.which("node") is None:
        return "node not found: the @meshery/schemas conformance check needs node and npm"
    if not (PACKAGE / "package.json").is_file():
        return f"@meshery/schemas {VERSION} not installed at {PACKAGE}: run `make conformance-deps` (needs npm)"
    return None


def _bodies(raw: list[dict[str, Any]], primary: str) -> list[Body]:
    ordered = sorted(raw, key=lambda b: b["version"] != primary)
    seen: set[str] = set()
    found: list[Body] = []
    for body in ordered:
        text = json.dumps(body["schema"], sort_keys=True) + body["media"]
        if text not in seen:
            seen.add(text)
            found.append(Body(body["version"], body["media"], body["schema"]))
    return found


@functools.cache
def load() -> Package:
    """The package's operations and client calls (runs ``extract.js`` once per process)."""
    out = subprocess.run(
        ["node", str(EXTRACT), str(PACKAGE)], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    data = json.loads(out)
    operations = [
        Operation(
            key=op["key"],
            method=op["method"],
            path=op["path"],
            operation_id=op["operationId"],
            version=op["version"],
            construct=op["construct"],
            declared_in=op["declaredIn"],
            parameters=op["parameters"],
            bodies=_bodies(op["bodies"], op["version"]),
            responses=op["responses"],
        )
        for op in data["operations"]
    ]
    client = [ClientCall(c["name"], c["method"], c["url"], tuple(c["params"]), bool(c["body"])) for c in data["client"]]
    return Package(data["version"], operations, client)
