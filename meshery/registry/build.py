"""Apply upstream's registration rules to a parsed package and build its table rows.

Pure functions (no I/O), so the importer can run them in a worker thread.
Ids are derived (uuid5) from what identifies an entity, so re-importing a
package, on any replica, gives the same ids: a model from
``name/model-version/def-version``, a component from its model and
``apiVersion/kind``, a relationship from its model and its content.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from generated import errors
from meshery.registry import codec
from meshery.registry.parse import Parsed, Problem

NAMESPACE = uuid.UUID("6d657368-6572-792d-7265-676973747279")
NIL = "00000000-0000-0000-0000-000000000000"
STATUSES = ("enabled", "ignored", "duplicate")
# Keys the registry owns: dropped from stored bodies, rendered from columns.
MODEL_OWNED = frozenset(
    {
        "id",
        "status",
        "registrant",
        "connection_id",
        "registrantId",
        "category",
        "categoryId",
        "components_count",
        "relationships_count",
        "componentsCount",
        "relationshipsCount",
        "components",
        "relationships",
        "duplicates",
    }
)
COMPONENT_OWNED = frozenset({"id", "status", "model", "modelReference", "component", "duplicates"})
RELATIONSHIP_OWNED = frozenset({"id", "status"})


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\0".join(parts)))


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


@dataclass
class ModelFacts:
    """What the importer needs of a model definition before storing it."""

    name: str
    version: str
    model_version: str
    display_name: str
    status: str
    registrant: dict[str, Any]
    category: str
    sub_category: str
    doc: dict[str, Any]

    @property
    def key(self) -> str:
        return derived_id("model", self.name, self.model_version, self.version)


@dataclass
class Rows:
    model: dict[str, Any]
    components: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def model_facts(parsed: Parsed) -> tuple[ModelFacts | None, Problem | None]:
    """The package's one model, or the problem that makes the package unusable."""
    if len(parsed.models) != 1:
        where = ", ".join(name for name, _ in parsed.models) or "none found"
        return None, Problem(
            errors.ErrRegistryPackageMalformed.code, where, f"expected exactly one model, found {len(parsed.models)}"
        )
    file, doc = parsed.models[0]
    name = _text(doc.get("name")).strip()
    if not name:
        return None, Problem(errors.ErrRegistryEntityInvalid.code, file, "the model has no name")
    registrant = _obj(doc.get("registrant"))
    if not _text(registrant.get("kind")).strip():
        return None, Problem(errors.ErrRegistryRegistrantMissing.code, file, f"model {name!r} has no registrant.kind")
    category = _obj(doc.get("category"))
    inner = _obj(doc.get("model"))
    status = _text(doc.get("status"), "enabled") or "enabled"
    return ModelFacts(
        name=name[:255],
        version=_text(doc.get("version"), "v1.0.0")[:64] or "v1.0.0",
        model_version=_text(inner.get("version"))[:128],
        display_name=_text(doc.get("displayName"), name)[:255] or name[:255],
        status=status if status in STATUSES else "enabled",
        registrant=registrant,
        category=_text(category.get("name"), "Uncategorized")[:255] or "Uncategorized",
        sub_category=_text(doc.get("subCategory"), "Uncategorized")[:128],
        doc=doc,
    ), None


def model_reference(facts: ModelFacts, model_id: str) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": facts.name,
        "version": facts.version,
        "displayName": facts.display_name,
        "model": {"version": facts.model_version},
        "registrant": {"kind": _text(facts.registrant.get("kind"))},
    }


def build_rows(
    parsed: Parsed,
    facts: ModelFacts,
    *,
    model_id: str,
    package_id: str | None,
    registrant_id: str,
    category_id: str,
    status: str,
) -> Rows:
    """Every row of the package; duplicates and bad entities become problems, not failures."""
    body = {k: v for k, v in facts.doc.items() if k not in MODEL_OWNED}
    rows = Rows(
        model={
            "id": model_id,
            "package_id": package_id,
            "name": facts.name,
            "version": facts.version,
            "model_version": facts.model_version,
            "display_name": facts.display_name,
            "status": status,
            "registrant_id": registrant_id,
            "category_id": category_id,
            "sub_category": facts.sub_category,
            "latest": False,
            "components_count": 0,
            "relationships_count": 0,
            "body": codec.dumps(body).decode(),
        },
        problems=list(parsed.problems),
    )
    seen: set[str] = set()
    for file, doc in parsed.components:
        comp = _obj(doc.get("component"))
        kind, api_version = _text(comp.get("kind")).strip(), _text(comp.get("version")).strip()
        if not kind:
            rows.problems.append(Problem(errors.ErrRegistryEntityInvalid.code, file, "component.kind is missing"))
            continue
        comp_id = derived_id(model_id, "component", api_version, kind)
        if comp_id in seen:
            rows.problems.append(
                Problem(errors.ErrRegistryDuplicateEntity.code, file, f"component {api_version}/{kind} repeated")
            )
            continue
        comp_status = _text(doc.get("status"), "enabled")
        if comp_status == "ignored":
            continue
        seen.add(comp_id)
        schema = comp.get("schema", "")
        if not isinstance(schema, str):
            schema = codec.dumps(schema).decode()
        display = _text(doc.get("displayName"), kind)[:255] or kind
        metadata = _obj(doc.get("metadata"))
        rest = {k: v for k, v in doc.items() if k not in COMPONENT_OWNED}
        rows.components.append(
            {
                "id": comp_id,
                "model_id": model_id,
                "kind": kind[:255],
                "api_version": api_version[:255],
                "display_name": display,
                "search": f"{display} {kind}".lower()[:520],
                "status": comp_status if comp_status in STATUSES else "enabled",
                "latest": False,
                "annotation": bool(metadata.get("isAnnotation")),
            }
        )
        rows.bodies.append({"id": comp_id, "data": codec.pack(codec.dumps(rest), codec.dumps(schema))})
    reference = model_reference(facts, model_id)
    for file, doc in parsed.relationships:
        kind, rtype, sub = (_text(doc.get(k)).strip() for k in ("kind", "type", "subType"))
        if not kind:
            rows.problems.append(Problem(errors.ErrRegistryEntityInvalid.code, file, "relationship kind is missing"))
            continue
        rest = {k: v for k, v in doc.items() if k not in RELATIONSHIP_OWNED}
        rest["model"], rest["modelId"] = reference, model_id
        text = codec.dumps(rest, sort_keys=True)
        rel_id = derived_id(model_id, "relationship", hashlib.sha256(text).hexdigest())
        if rel_id in seen:
            rows.problems.append(Problem(errors.ErrRegistryDuplicateEntity.code, file, "relationship repeated"))
            continue
        seen.add(rel_id)
        rows.relationships.append(
            {
                "id": rel_id,
                "model_id": model_id,
                "kind": kind[:64],
                "type": rtype[:64],
                "sub_type": sub[:64],
                "status": _text(doc.get("status"), "enabled")[:16] or "enabled",
                "latest": False,
                "body": text.decode(),
            }
        )
    for entity_type, docs in (("policy", parsed.policies), ("connection", parsed.connections)):
        for _file, doc in docs:
            name = _text(doc.get("name")) or _text(doc.get("kind")) or entity_type
            kind = _text(doc.get("kind"))
            rest = {k: v for k, v in doc.items() if k != "id"}
            rest["model"] = reference
            ent_id = derived_id(model_id, entity_type, name, kind)
            if ent_id in seen:
                continue
            seen.add(ent_id)
            rows.entities.append(
                {
                    "id": ent_id,
                    "entity_type": entity_type,
                    "model_id": model_id,
                    "name": name[:255],
                    "kind": kind[:255],
                    "body": codec.dumps(rest).decode(),
                }
            )
    rows.model["components_count"] = len(rows.components)
    rows.model["relationships_count"] = len(rows.relationships)
    return rows


def relocate(rows: Rows, facts: ModelFacts, *, model_id: str, status: str) -> Rows:
    """The same rows for another model id (a duplicate model gets its own): ids derived again."""
    new_ids: dict[str, str] = {}
    components = []
    for comp in rows.components:
        new_id = derived_id(model_id, "component", comp["api_version"], comp["kind"])
        new_ids[comp["id"]] = new_id
        components.append({**comp, "id": new_id, "model_id": model_id})
    bodies = [{**body, "id": new_ids[body["id"]]} for body in rows.bodies]
    reference = model_reference(facts, model_id)
    relationships = []
    for rel in rows.relationships:
        doc = orjson.loads(rel["body"])
        doc["model"], doc["modelId"] = reference, model_id
        text = codec.dumps(doc, sort_keys=True)
        new_id = derived_id(model_id, "relationship", hashlib.sha256(text).hexdigest())
        relationships.append({**rel, "id": new_id, "model_id": model_id, "body": text.decode()})
    entities = []
    for ent in rows.entities:
        doc = orjson.loads(ent["body"])
        doc["model"] = reference
        new_id = derived_id(model_id, ent["entity_type"], ent["name"], ent["kind"])
        entities.append({**ent, "id": new_id, "model_id": model_id, "body": codec.dumps(doc).decode()})
    return Rows(
        model={**rows.model, "id": model_id, "status": status},
        components=components,
        bodies=bodies,
        relationships=relationships,
        entities=entities,
        problems=rows.problems,
    )
