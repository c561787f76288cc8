"""Designs written for a relationship definition, from its own selectors (shared by the evaluation tests).

``matching`` gives a design the relationship must be found in: a ``from`` and a ``to``
component of the selectors' kinds and models whose values at every ``mutatorRef`` /
``mutatedRef`` are equal (for an alias, a parent holding two items at the aliased list).
``not_matching`` gives the same components with the values apart (no aliased field).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from meshery.registry.evaluate import paths, selectors
from meshery.registry.evaluate.selectors import Definition
from tests.fixtures.registry import REFERENCE


def reference_relationship_files() -> list[Path]:
    return sorted(REFERENCE.glob("*/*/*/relationships/*.json")) if REFERENCE.is_dir() else []


def load(file: Path) -> Definition:
    return selectors.compile_definition(json.loads(file.read_text()))


def component(kind: str, model: str, name: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    out = json.loads(json.dumps(base)) if base else {}
    out.update({"id": str(uuid.uuid4()), "displayName": name, "configuration": {}})
    out["component"] = {**out.get("component", {}), "kind": kind, "version": "v1"}
    model_ref = out.get("model") or {}
    out["model"] = {**model_ref, "name": model, "model": {**(model_ref.get("model") or {}), "version": "v1.35.0"}}
    return out


def _pair(definition: Definition, base: dict[str, Any] | None) -> tuple[selectors.Item, selectors.Item, Any, Any]:
    s = definition.sets[0]
    source, target = s.allow_from[0], s.allow_to[0]
    a = component(source.kind, source.model, "from-component", base)
    b = component(target.kind, target.model, "to-component", base)
    return source, target, a, b


def design(components: list[dict[str, Any]], relationships: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": "evaluation-test",
        "schemaVersion": "designs.meshery.io/v1beta1",
        "version": "0.0.1",
        "components": components,
        "relationships": relationships or [],
    }


def matching(definition: Definition, base: dict[str, Any] | None = None) -> dict[str, Any]:
    source, target, a, b = _pair(definition, base)
    if definition.family == selectors.ALIAS:
        ref = source.mutator[0]
        list_path = ref[:-1] if ref[-1] == paths.WILDCARD else ref
        b = paths.put(b, list_path, [{"name": "first", "image": "nginx"}, {"name": "second", "image": "redis"}])
        return design([b])
    for i, path in enumerate(source.mutator):
        a = paths.put(a, path, f"shared-value-{i}")
        b = paths.put(b, target.mutated[i], f"shared-value-{i}")
    return design([a, b])


def not_matching(definition: Definition, base: dict[str, Any] | None = None) -> dict[str, Any]:
    source, target, a, b = _pair(definition, base)
    if definition.family == selectors.ALIAS:
        return design([b])  # the parent holds nothing at the aliased field
    for i, path in enumerate(source.mutator):
        a = paths.put(a, path, f"from-value-{i}")
        b = paths.put(b, target.mutated[i], f"to-value-{i}")
    return design([a, b])
