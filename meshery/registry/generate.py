"""Generate a model's components from CustomResourceDefinitions given in the request.

One component per served version of each CRD, carrying the version's
``openAPIV3Schema`` as its JSON schema, as upstream's generator does for CRDs
found in Helm charts and manifests. With ``register`` the result is
registered like an uploaded package.

The CRD text is read by the budgeted loader (``meshery.safe_load``: size, aliases, expansion,
depth) in a worker thread with a time budget, together with building the components (which
serialises every schema): a hostile document costs a 4xx, not the event loop.
"""

from __future__ import annotations

import json
from typing import Any

from generated import errors
from meshery import safe_load
from meshery.context import Services
from meshery.registry import builtin, importer, prepare
from meshery.registry.parse import Problem, parse_documents
from meshery.store import registry as store_registry


def _display(kind: str) -> str:
    out = ""
    for i, ch in enumerate(kind):
        if i and ch.isupper() and not kind[i - 1].isupper():
            out += " "
        out += ch
    return out


def crd_components(doc: dict[str, Any], index: int) -> tuple[list[dict[str, Any]], list[Problem]]:
    spec: dict[str, Any] = doc["spec"] if isinstance(doc.get("spec"), dict) else {}
    names: dict[str, Any] = spec["names"] if isinstance(spec.get("names"), dict) else {}
    kind, group = str(names.get("kind") or ""), str(spec.get("group") or "")
    if not kind or not group:
        return [], [
            Problem(
                errors.ErrRegistryEntityInvalid.code, f"document {index}", "CRD without spec.group or spec.names.kind"
            )
        ]
    out = []
    versions: list[Any] = spec["versions"] if isinstance(spec.get("versions"), list) else []
    for version in versions:
        if not isinstance(version, dict) or version.get("served") is False or not version.get("name"):
            continue
        holder: dict[str, Any] = version["schema"] if isinstance(version.get("schema"), dict) else {}
        schema: dict[str, Any] = holder["openAPIV3Schema"] if isinstance(holder.get("openAPIV3Schema"), dict) else {}
        out.append(
            {
                "schemaVersion": "components.meshery.io/v1beta1",
                "version": "v1.0.0",
                "displayName": _display(kind),
                "description": str(schema.get("description") or "")[:5000],
                "format": "JSON",
                "status": "enabled",
                "metadata": {
                    "isNamespaced": spec.get("scope", "Namespaced") == "Namespaced",
                    "isAnnotation": False,
                    "genealogy": "",
                    "published": False,
                },
                "configuration": None,
                "component": {"version": f"{group}/{version['name']}", "kind": kind, "schema": json.dumps(schema)},
            }
        )
    return out, []


def read_crds(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Problem]]:
    """The CRDs of ``text``, their components and the problems found (run off the event loop)."""
    components: list[dict[str, Any]] = []
    problems: list[Problem] = []
    try:
        docs = safe_load.yaml_documents(text, what="crds", invalid=errors.ErrRegistryEntityInvalid)
    except errors.ErrRegistryEntityInvalid as exc:
        problems.append(Problem(errors.ErrRegistryEntityInvalid.code, "crds", f"not YAML: {str(exc.detail)[:200]}"))
        docs = []
    crds = [d for d in docs if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"]
    if not crds and not problems:
        problems.append(Problem(errors.ErrRegistryEntityInvalid.code, "crds", "no CustomResourceDefinition found"))
    for index, crd in enumerate(crds):
        found, bad = crd_components(crd, index)
        components += found
        problems += bad
    return crds, components, problems


async def generate(services: Services, body: dict[str, Any]) -> dict[str, Any]:
    text = str(body.get("crds") or "")
    crds, components, problems = await safe_load.off_loop(lambda: read_crds(text), what="crds")
    given: dict[str, Any] = body["model"] if isinstance(body.get("model"), dict) else {}
    first_spec: dict[str, Any] = crds[0]["spec"] if crds and isinstance(crds[0].get("spec"), dict) else {}
    first_group = str(first_spec.get("group") or "generated")
    model: dict[str, Any] = {
        "schemaVersion": "models.meshery.io/v1beta1",
        "version": "v1.0.0",
        "name": first_group.split(".", maxsplit=1)[0],
        "displayName": first_group,
        "status": "enabled",
        "category": {"name": "Uncategorized"},
        "subCategory": "Uncategorized",
        "registrant": {"kind": "meshery", "name": "Meshery", "type": "registry"},
        "model": {"version": "v0.0.1"},
        **given,
    }
    registered = False
    if body.get("register") and components:
        builtin.refuse(model.get("name"))
        prepared = prepare.register_parsed(parse_documents("generate", [model, *components]), origin="generate")
        outcome, _rows, more = await importer.store_prepared(services.store, prepared)
        problems += more
        registered = outcome == "imported"
        if prepared.facts is not None:
            await store_registry.refresh_latest(services.store, [prepared.facts.name])
    return {
        "model": model,
        "components": components,
        "errors": [p.as_dict() for p in problems],
        "registered": registered,
    }
