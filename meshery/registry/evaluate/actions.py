"""Upstream's evaluation actions: how they are written and how they change a design.

``{"op": "add_component", "value": {"item": <component>}}``,
``{"op": "delete_component", "value": {"id": ...}}``,
``{"op": "update_component" | "update_component_configuration", "value": {"id", "path", "value"}}``
(the second when the path starts with ``configuration``), and the same three for relationships
(``update_relationship`` paths are JSON pointers such as ``/status``). They apply in upstream's
order: components deleted, added, updated; then relationships deleted, added, updated.
"""

from __future__ import annotations

from typing import Any

from meshery.registry.evaluate import paths

UPDATE_COMPONENT = "update_component"
UPDATE_CONFIGURATION = "update_component_configuration"
DELETE_COMPONENT = "delete_component"
ADD_COMPONENT = "add_component"
UPDATE_RELATIONSHIP = "update_relationship"
DELETE_RELATIONSHIP = "delete_relationship"
ADD_RELATIONSHIP = "add_relationship"
# Actions that change what the next pass sees (upstream re-evaluates after them).
REEVALUATE = frozenset({DELETE_COMPONENT, ADD_COMPONENT, UPDATE_CONFIGURATION})

Action = dict[str, Any]


def add(op: str, item: dict[str, Any]) -> Action:
    return {"op": op, "value": {"item": item}}


def delete_component(component_id: str) -> Action:
    return {"op": DELETE_COMPONENT, "value": {"id": component_id}}


def delete_relationship(relationship: dict[str, Any]) -> Action:
    return {"op": DELETE_RELATIONSHIP, "value": {"id": relationship.get("id"), "relationship": relationship}}


def update_component(component_id: str, path: list[str], value: Any) -> Action:
    op = UPDATE_CONFIGURATION if paths.is_configuration(path) else UPDATE_COMPONENT
    return {"op": op, "value": {"id": component_id, "path": list(path), "value": value}}


def set_status(relationship_id: str, status: str) -> Action:
    return {"op": UPDATE_RELATIONSHIP, "value": {"id": relationship_id, "path": "/status", "value": status}}


def _pointer(path: Any) -> list[str]:
    if isinstance(path, str):
        return [p.replace("~1", "/").replace("~0", "~") for p in path.strip("/").split("/") if p]
    return [str(p) for p in path] if isinstance(path, list) else []


def _updated(items: list[dict[str, Any]], updates: dict[str, list[Action]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        changed = item
        for action in updates.get(str(item.get("id")), ()):
            changed = paths.put(changed, _pointer(action["value"].get("path")), action["value"].get("value"))
        out.append(changed)
    return out


def apply(design: dict[str, Any], actions: list[Action]) -> dict[str, Any]:
    """A copy of ``design`` with ``actions`` applied (items are replaced, never changed in place)."""
    by_op: dict[str, list[Action]] = {}
    for action in actions:
        by_op.setdefault(action["op"], []).append(action)
    out = dict(design)
    components = [c for c in design.get("components") or [] if isinstance(c, dict)]
    relationships = [r for r in design.get("relationships") or [] if isinstance(r, dict)]
    gone = {str(a["value"].get("id")) for a in by_op.get(DELETE_COMPONENT, ())}
    components = [c for c in components if str(c.get("id")) not in gone]
    known = {str(c.get("id")) for c in components}
    for action in by_op.get(ADD_COMPONENT, ()):
        item = action["value"]["item"]
        if str(item.get("id")) not in known:
            known.add(str(item.get("id")))
            components.append(item)
    updates: dict[str, list[Action]] = {}
    for action in (*by_op.get(UPDATE_COMPONENT, ()), *by_op.get(UPDATE_CONFIGURATION, ())):
        updates.setdefault(str(action["value"].get("id")), []).append(action)
    out["components"] = _updated(components, updates) if updates else components
    gone = {str(a["value"].get("id")) for a in by_op.get(DELETE_RELATIONSHIP, ())}
    relationships = [r for r in relationships if str(r.get("id")) not in gone]
    known = {str(r.get("id")) for r in relationships}
    for action in by_op.get(ADD_RELATIONSHIP, ()):
        item = action["value"]["item"]
        if str(item.get("id")) not in known:
            known.add(str(item.get("id")))
            relationships.append(item)
    updates = {}
    for action in by_op.get(UPDATE_RELATIONSHIP, ()):
        updates.setdefault(str(action["value"].get("id")), []).append(action)
    out["relationships"] = _updated(relationships, updates) if updates else relationships
    return out
