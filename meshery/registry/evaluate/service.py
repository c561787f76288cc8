"""Relationship evaluation as the server runs it: the request, the registry's index, the answer.

``evaluate`` serves ``POST /api/meshmodels/relationships/evaluate``; ``dangling`` is what design
validation and deploy report from it (relationships whose components are gone). Large designs are
evaluated in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from generated import errors
from meshery.context import Services
from meshery.registry.evaluate import engine, hydrate, index, selectors
from meshery.registry.evaluate.identify import DesignView

# Designs with more components than this are evaluated off the event loop.
OFF_LOOP_COMPONENTS = 200


async def run(services: Services, design: Any) -> engine.Result:
    checked = engine.check(design)
    current = await index.current(services.store)
    keys = {selectors.ComponentKey.of(c) for c in checked["components"]}
    candidates = current.candidates(keys)
    if len(checked["components"]) > OFF_LOOP_COMPONENTS:
        result = await asyncio.to_thread(engine.run, checked, candidates)
    else:
        result = engine.run(checked, candidates)
    await hydrate.hydrate(services.store, result.design, result.actions)
    return result


async def evaluate(services: Services, body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``EvaluationResponse`` of an ``EvaluationRequest``."""
    design = body.get("design")
    if design is None:
        raise errors.ErrEvaluationDesign("the request has no design")
    options = body.get("options")
    diff_only = bool(options.get("returnDiffOnly")) if isinstance(options, dict) else False
    result = await run(services, design)
    return result.answer(diff_only=diff_only)


def dangling(design: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Relationships of a design naming a component it lacks: (relationship, missing component id)."""
    try:
        checked = engine.check(dict(design))
    except errors.ErrEvaluationDesign:
        return []
    view = DesignView.of(checked)
    found = []
    for relationship in checked["relationships"]:
        if str(relationship.get("status") or "").lower() == "deleted":
            continue
        source, target = engine.ends(relationship)
        for item in (source, target):
            if item and str(item.get("id")) not in view.by_id:
                found.append((relationship, str(item.get("id"))))
                break
    return found
