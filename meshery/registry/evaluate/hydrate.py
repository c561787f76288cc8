"""Components added by evaluation, completed from the registry (upstream's ``processEvaluationResponse``).

An alias child is born as ``{id, component: {kind}, model}``; upstream replaces it with the
registry's definition of that kind in that model (trimmed: no schema), keeping the id, the
display name and the configuration, with empty capabilities. A kind the registry lacks keeps
what evaluation gave it.
"""

from __future__ import annotations

from typing import Any

import orjson

from meshery.registry import codec, render
from meshery.registry.evaluate import actions
from meshery.store import Store
from meshery.store import registry_queries as rq

_DEFINITION_ONLY_METADATA = frozenset({"configurationUISchema", "source_uri"})


def _model_name(component: dict[str, Any]) -> str:
    model = component.get("model")
    name = model.get("name") if isinstance(model, dict) else None
    return name if isinstance(name, str) else ""


def _kind(component: dict[str, Any]) -> str:
    ref = component.get("component")
    kind = ref.get("kind") if isinstance(ref, dict) else None
    return kind if isinstance(kind, str) else ""


def declaration(component: dict[str, Any], fields: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k not in ("id", "model", "modelReference", "configuration")}
    metadata = {k: v for k, v in (fields.get("metadata") or {}).items() if k not in _DEFINITION_ONLY_METADATA}
    metadata.update(component.get("metadata") or {})
    ref = dict(fields.get("component") or {})
    ref["schema"] = ""
    out.update(
        {
            "id": component["id"],
            "displayName": component.get("displayName") or fields.get("displayName"),
            "component": ref,
            "model": model,
            "configuration": component.get("configuration") or {},
            "capabilities": [],
            "metadata": metadata,
        }
    )
    return out


async def hydrate(store: Store, design: dict[str, Any], taken: list[actions.Action]) -> None:
    """Complete the components ``taken`` added to ``design`` (both hold them) in place."""
    added = [a["value"]["item"] for a in taken if a["op"] == actions.ADD_COMPONENT]
    if not added:
        return
    async with rq.reading(store) as session:
        rows = await rq.latest_components_of_kinds(store, sorted({_kind(c) for c in added}), session=session)
        models = {
            row[0]: render.model(row)
            for row in await rq.models_by_id(store, sorted({r[3] for r in rows}), session=session)
        }
    found: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for _, kind, _, model_id, model_name, status, data in rows:
        if (model_name, kind) in found:
            continue
        body, _ = codec.unpack(bytes(data))
        fields = orjson.loads(body)
        fields["status"] = status
        found[(model_name, kind)] = (fields, models.get(model_id) or {"name": model_name})
    completed: dict[str, dict[str, Any]] = {}
    for component in added:
        hit = found.get((_model_name(component), _kind(component)))
        if hit is not None:
            completed[str(component["id"])] = declaration(component, *hit)
    for holder in (design.get("components") or [], added):
        for i, component in enumerate(holder):
            replacement = completed.get(str(component.get("id")))
            if replacement is not None:
                holder[i] = replacement
    for action in taken:
        if action["op"] == actions.ADD_COMPONENT:
            replacement = completed.get(str(action["value"]["item"].get("id")))
            if replacement is not None:
                action["value"]["item"] = replacement
