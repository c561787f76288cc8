"""Turn a package's raw files into entity definitions, recording every problem.

The entity type comes from the ``schemaVersion`` prefix, as upstream does.
A bad file becomes a ``Problem`` with its catalogued code and never stops the
package; whether the package as a whole can be registered (exactly one model,
a registrant) is decided by ``meshery.registry.importer``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml

from generated import errors
from meshery import safe_load
from meshery.registry import codec, sources
from meshery.registry.sources import FileProblem, RawFile

ENTITY_PREFIXES = {
    "models.meshery.io": "model",
    "components.meshery.io": "component",
    "relationships.meshery.io": "relationship",
    "policies.meshery.io": "policy",
    "connections.meshery.io": "connection",
}


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    file: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "file": self.file, "message": self.message}


@dataclass
class Parsed:
    """The definitions of one package, by entity type, each with the file it came from."""

    models: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    components: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    relationships: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    policies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    connections: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    content_hash: str = ""

    def add(self, name: str, doc: dict[str, Any], kind: str) -> None:
        getattr(self, {"policy": "policies"}.get(kind, kind + "s")).append((name, doc))


def entity_type(doc: dict[str, Any]) -> str | None:
    schema_version = doc.get("schemaVersion")
    if not isinstance(schema_version, str):
        return None
    return ENTITY_PREFIXES.get(schema_version.split("/", 1)[0])


def _documents(file: RawFile) -> list[Any]:
    if file.name.lower().endswith(".json"):
        return [orjson.loads(file.data)]
    # The budgeted reader (meshery.safe_load): aliases, expansion, depth; a file's size is bounded by sources.
    budget = safe_load.Budget(max_bytes=sources.MAX_FILE_BYTES)
    return safe_load.yaml_documents(file.data, what=file.name, invalid=errors.ErrRegistryEntityInvalid, budget=budget)


def parse_files(files: list[RawFile], problems: list[FileProblem] = ()) -> Parsed:  # type: ignore[assignment]
    parsed = Parsed()
    digest = hashlib.sha256()
    for problem in problems:
        code = (
            errors.ErrRegistryFileTooLarge.code if problem.reason == "too-large" else errors.ErrRegistryBadArchive.code
        )
        parsed.problems.append(Problem(code, problem.name, problem.detail))
    for file in sorted(files, key=lambda f: f.name):
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.data).digest())
        try:
            docs = _documents(file)
        except (orjson.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
            parsed.problems.append(Problem(errors.ErrRegistryEntityInvalid.code, file.name, _short(exc)))
            continue
        except errors.MesheryError as exc:  # not YAML, or over a budget: a problem of this file
            parsed.problems.append(Problem(exc.code, file.name, str(exc.detail or exc.short)[:300]))
            continue
        for doc in docs:
            kind = entity_type(doc) if isinstance(doc, dict) else None
            if kind is None:
                parsed.problems.append(
                    Problem(errors.ErrRegistryEntityInvalid.code, file.name, "no known schemaVersion")
                )
                continue
            parsed.add(file.name, doc, kind)
    parsed.content_hash = digest.hexdigest()
    return parsed


def parse_documents(name: str, docs: list[Any]) -> Parsed:
    """Definitions posted in a request body (already decoded)."""
    parsed = Parsed()
    for doc in docs:
        kind = entity_type(doc) if isinstance(doc, dict) else None
        if kind is None:
            parsed.problems.append(Problem(errors.ErrRegistryEntityInvalid.code, name, "no known schemaVersion"))
        else:
            parsed.add(name, doc, kind)
    parsed.content_hash = hashlib.sha256(codec.dumps(docs, sort_keys=True)).hexdigest()
    return parsed


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
