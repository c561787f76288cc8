"""One evaluation of a design: validate its relationships, identify new ones, act; repeat until settled.

A pass (upstream's ``evaluate`` rule) has three phases. **Validate**: a relationship of the design
whose ``from`` or ``to`` component is gone, or an approved alias whose parent field is gone, is
marked ``deleted``. **Identify**: every candidate registry definition (``index``) is matched
(``identify``); declarations the design does not already hold are added. **Act**: identified and
pending relationships are approved (a pending alias adds its child component), deleted ones are
removed (with a deleted alias's child), and approved relationships with paths copy each
``mutatorRef`` value of their ``from`` component to the ``mutatedRef`` path of their ``to``
component. A pass that added, removed or reconfigured components is followed by another, at most
``MAX_PASSES`` (upstream's MAX_RE_EVALUATION_DEPTH); each pass bumps the design's patch version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from generated import errors
from meshery.registry.evaluate import actions, identify, selectors
from meshery.registry.evaluate.identify import DesignView
from meshery.registry.evaluate.paths import MISSING
from meshery.registry.evaluate.selectors import Definition

MAX_PASSES = 5
SCHEMA_VERSION = "evaluation.meshery.io/v1beta1"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")


@dataclass
class Result:
    design: dict[str, Any]
    actions: list[actions.Action] = field(default_factory=list)
    passes: int = 0

    def answer(self, *, diff_only: bool = False, original: dict[str, Any] | None = None) -> dict[str, Any]:
        """The wire answer (``EvaluationResponse``); ``diff_only`` keeps only what the actions touched."""
        design = self.design
        if diff_only:
            design = _diff(design, self.actions)
        digest = hashlib.sha256(identify.dumps(design)).hexdigest()[:32]
        return {
            "schemaVersion": SCHEMA_VERSION,
            "design": design,
            "actions": self.actions,
            "evaluationHash": digest,
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }


def check(design: Any) -> dict[str, Any]:
    """The design as evaluation reads it (a shallow copy), or ErrEvaluationDesign."""
    if not isinstance(design, dict):
        raise errors.ErrEvaluationDesign("the design is not an object")
    components = design.get("components")
    relationships = design.get("relationships")
    components = [] if components is None else components
    relationships = [] if relationships is None else relationships
    if not isinstance(components, list) or not isinstance(relationships, list):
        raise errors.ErrEvaluationDesign("`components` and `relationships` must be lists")
    for i, component in enumerate(components):
        if not isinstance(component, dict):
            raise errors.ErrEvaluationDesign(f"components[{i}] is not an object")
        if not isinstance(component.get("id"), str) or not component["id"]:
            raise errors.ErrEvaluationDesign(f"components[{i}] has no id")
    for i, relationship in enumerate(relationships):
        if not isinstance(relationship, dict):
            raise errors.ErrEvaluationDesign(f"relationships[{i}] is not an object")
    return {**design, "components": components, "relationships": relationships}


def bump(version: Any) -> str:
    """The next patch version (upstream: semver IncPatch, ``0.0.0`` when unparsable, no ``v``)."""
    found = _VERSION.match(version) if isinstance(version, str) else None
    if found is None:
        return "0.0.1"
    major, minor, patch = (int(g) for g in found.groups())
    return f"{major}.{minor}.{patch + 1}"


def ends(relationship: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first ``from`` and ``to`` selector items of a declaration (empty maps when absent)."""
    sets = relationship.get("selectors")
    first = sets[0] if isinstance(sets, list) and sets and isinstance(sets[0], dict) else {}
    allow_value = first.get("allow")
    allow: dict[str, Any] = allow_value if isinstance(allow_value, dict) else {}
    ends = []
    for side in ("from", "to"):
        items = allow.get(side)
        ends.append(items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {})
    return ends[0], ends[1]


def _existing_key(definition: Definition, relationship: dict[str, Any]) -> tuple[Any, ...]:
    """When two declarations are the same relationship (upstream's ``relationships_are_same``)."""
    source, target = ends(relationship)
    return identify.same_key(definition, source, target)


def _first_ref(item: dict[str, Any], key: str) -> list[str] | None:
    patch = item.get("patch")
    refs = patch.get(key) if isinstance(patch, dict) else None
    if isinstance(refs, list) and refs and isinstance(refs[0], list):
        return [str(k) for k in refs[0]]
    return None


def _is_invalid(view: DesignView, definition: Definition, relationship: dict[str, Any], status: str) -> bool:
    source, target = ends(relationship)
    from_id, to_id = str(source.get("id")), str(target.get("id"))
    if from_id not in view.by_id or to_id not in view.by_id:
        return True
    if definition.family == selectors.ALIAS and status == "approved":
        ref = _first_ref(source, "mutatorRef")
        return ref is not None and view.value(to_id, ref) in (MISSING, None)
    return False


def _alias_child(item: dict[str, Any], parent: dict[str, Any] | None) -> dict[str, Any]:
    """The component an alias stands for (``hydrate`` completes it from the registry).

    Until then it is declared like its parent when both belong to one model (same model,
    format and definition fields), with its own kind, an empty configuration and no capabilities.
    """
    kind = str(item.get("kind") or "")
    child_id = str(item.get("id"))
    model = item.get("model") or {}
    template: dict[str, Any] = {}
    parent_model = parent.get("model") if parent is not None else None
    if (
        parent is not None
        and isinstance(parent_model, dict)
        and isinstance(model, dict)
        and (parent_model.get("name") == model.get("name"))
    ):
        template = {k: v for k, v in parent.items() if k not in ("id", "displayName", "configuration")}
        model = parent_model
    metadata = template.get("metadata")
    return {
        "schemaVersion": "components.meshery.io/v1beta1",
        "version": "v1.0.0",
        "description": "",
        "format": "JSON",
        **template,
        "id": child_id,
        "displayName": f"{kind.lower()}-{child_id[:3]}",
        "component": {"kind": kind, "version": "", "schema": ""},
        "model": model,
        "configuration": {},
        "capabilities": [],
        "metadata": {**(metadata if isinstance(metadata, dict) else {}), "isAnnotation": False},
    }


def _patches(view: DesignView, definition: Definition, relationship: dict[str, Any]) -> list[actions.Action]:
    """Copy each mutator value of the ``from`` component to the mutated path of the ``to`` component."""
    if not definition.sets or not definition.sets[0].allow_from or not definition.sets[0].allow_to:
        return []
    src, dst = definition.sets[0].allow_from[0], definition.sets[0].allow_to[0]
    from_id, to_id = str(src.raw.get("id")), str(dst.raw.get("id"))
    found = []
    for i, mutator in enumerate(src.mutator):
        if i >= len(dst.mutated):
            break
        value = view.value(from_id, mutator)
        if value is MISSING:
            continue
        if view.value(to_id, dst.mutated[i]) != value:
            found.append(actions.update_component(to_id, dst.mutated[i], value))
    return found


Compiled = dict[tuple[int, Any, Any, Any], tuple[Any, Definition]]


def _compiled(cache: Compiled, relationship: dict[str, Any]) -> Definition:
    """A design relationship compiled once per run: status updates copy the declaration, not its selectors."""
    sets = relationship.get("selectors")
    key = (id(sets), relationship.get("kind"), relationship.get("type"), relationship.get("subType"))
    hit = cache.get(key)
    if hit is not None and hit[0] is sets:
        return hit[1]
    definition = selectors.compile_definition(relationship)
    cache[key] = (sets, definition)  # holding ``sets`` keeps its id from being reused
    return definition


def evaluate_pass(
    design: dict[str, Any], candidates: list[Definition], compiled: Compiled | None = None
) -> list[actions.Action]:
    """The actions of one pass over ``design`` (validated by ``check``)."""
    cache: Compiled = {} if compiled is None else compiled
    view = DesignView.of(design)
    taken: list[actions.Action] = []
    current: list[tuple[Definition, dict[str, Any], str]] = []
    seen: set[tuple[Any, ...]] = set()
    for relationship in design["relationships"]:
        definition = _compiled(cache, relationship)
        status = str(relationship.get("status") or "").lower()
        if status != "deleted" and _is_invalid(view, definition, relationship, status):
            taken.append(actions.set_status(str(relationship.get("id")), "deleted"))
            status = "deleted"
        if status != "deleted":
            seen.add(_existing_key(definition, relationship))
        current.append((definition, relationship, status))
    for definition in candidates:
        for found, bound in identify.identify(view, definition, seen):
            taken.append(actions.add(actions.ADD_RELATIONSHIP, found))
            sets = found["selectors"]
            cache[(id(sets), found.get("kind"), found.get("type"), found.get("subType"))] = (sets, bound)
            current.append((bound, found, str(found["status"])))
    for definition, relationship, status in current:
        rel_id = str(relationship.get("id"))
        source, _ = ends(relationship)
        if status == "deleted":
            taken.append(actions.delete_relationship(relationship))
            if definition.family == selectors.ALIAS and str(source.get("id")) in view.by_id:
                taken.append(actions.delete_component(str(source.get("id"))))
        elif status == "pending" and definition.family == selectors.ALIAS:
            if str(source.get("id")) not in view.by_id:
                _, target = ends(relationship)
                child = _alias_child(source, view.by_id.get(str(target.get("id"))))
                taken.append(actions.add(actions.ADD_COMPONENT, child))
            taken.append(actions.set_status(rel_id, "approved"))
        elif status in ("identified", "pending"):
            taken.append(actions.set_status(rel_id, "approved"))
        elif status == "approved" and definition.family != selectors.ALIAS:
            taken.extend(_patches(view, definition, relationship))
    return taken


def resolved_aliases(design: dict[str, Any]) -> dict[str, Any]:
    """Upstream's ``metadata.resolvedAliases``: each alias component, its parent and the field it stands for."""
    immediate: dict[str, dict[str, Any]] = {}
    for relationship in design.get("relationships") or []:
        kind = (str(relationship.get(k) or "").lower() for k in ("kind", "type", "subType"))
        if tuple(kind) != ("hierarchical", "parent", "alias") or relationship.get("status") == "deleted":
            continue
        source, target = ends(relationship)
        ref = _first_ref(source, "mutatedRef")
        if not source.get("id") or not target.get("id") or ref is None:
            continue
        immediate[str(source["id"])] = {
            "relationship_id": str(relationship.get("id")),
            "alias_component_id": str(source["id"]),
            "immediate_parent_id": str(target["id"]),
            "immediate_ref_field_path": ref,
        }
    resolved: dict[str, Any] = {}
    for alias_id, alias in immediate.items():
        parent, path = alias["immediate_parent_id"], list(alias["immediate_ref_field_path"])
        for _ in range(len(immediate)):
            above = immediate.get(parent)
            if above is None:
                break
            parent, path = above["immediate_parent_id"], [*above["immediate_ref_field_path"], *path[1:]]
        resolved[alias_id] = {**alias, "resolved_parent_id": parent, "resolved_ref_field_path": path}
    return resolved


def enabled(design: dict[str, Any], candidates: list[Definition]) -> list[Definition]:
    """The candidates the design's preferences leave on: ``preferences.layers.relationships``
    maps ``<kind>-<type>-<subType>`` to false for the relationships a design turns off (upstream's
    ``is_rel_enabled``; the MeshSync design view turns off ``hierarchical-sibling-matchlabels``)."""
    preferences = design.get("preferences")
    layers = preferences.get("layers") if isinstance(preferences, dict) else None
    switches = layers.get("relationships") if isinstance(layers, dict) else None
    if not isinstance(switches, dict):
        return candidates
    off = {str(k).lower() for k, v in switches.items() if v is False}
    return [d for d in candidates if "-".join(d.identity) not in off]


def run(design: Any, candidates: list[Definition], *, max_passes: int = MAX_PASSES) -> Result:
    """Evaluate until a pass needs no other (ErrEvaluationUnsettled after ``max_passes``)."""
    current = check(design)
    candidates = enabled(current, candidates)
    result = Result(design=current)
    compiled: Compiled = {}
    for number in range(1, max_passes + 1):
        taken = evaluate_pass(current, candidates, compiled)
        current = actions.apply(current, taken)
        current["version"] = bump(current.get("version"))
        metadata = current.get("metadata")
        current["metadata"] = {**(metadata if isinstance(metadata, dict) else {})}
        current["metadata"]["resolvedAliases"] = resolved_aliases(current)
        result.actions.extend(taken)
        result.passes = number
        if not any(a["op"] in actions.REEVALUATE for a in taken):
            result.design = current
            return result
    raise errors.ErrEvaluationUnsettled(f"the design still changed after {max_passes} passes")


def _target(action: actions.Action) -> str:
    value = action["value"]
    return str(value.get("id") or value.get("item", {}).get("id"))


def _diff(design: dict[str, Any], taken: list[actions.Action]) -> dict[str, Any]:
    components = {_target(a) for a in taken if "component" in a["op"]}
    relationships = {_target(a) for a in taken if "relationship" in a["op"]}
    removed = [a["value"]["relationship"] for a in taken if a["op"] == actions.DELETE_RELATIONSHIP]
    return {
        **design,
        "components": [c for c in design.get("components") or [] if str(c.get("id")) in components],
        "relationships": [r for r in design.get("relationships") or [] if str(r.get("id")) in relationships]
        + [r for r in removed if isinstance(r, dict)],
    }
