"""A synthetic model catalog shaped like the real upstream files, for the registry benchmark.

``generate(root, models=N, components=M)`` writes N model packages in the upstream
layout ``<model>/<version>/v1.0.0/{model.json, components/*.json, relationships/*.json}``
with M components each. Every component file has the keys, nesting and sizes of a
shipped one (embedded model with registrant and category, styles, eight capabilities,
metadata, and a JSON schema string of a few KB), with distinct kinds and names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CAPABILITY_KINDS = [
    ("Performance Test", "action", "operator", "perf-test"),
    ("Workload Configuration", "mutate", "configuration", "config"),
    ("Labels and Annotations", "mutate", "configuration", "labels-and-annotations"),
    ("Relationships", "view", "configuration", "relationship"),
    ("Json Schema", "view", "configuration", "definition"),
    ("Styling", "mutate", "", ""),
    ("Change Shape", "mutate", "style", "shape"),
    ("Compound Drag And Drop", "interaction", "graph", "compoundDnd"),
]


def _model(name: str, version: str) -> dict[str, Any]:
    return {
        "id": "00000000-0000-0000-0000-000000000000",
        "schemaVersion": "models.meshery.io/v1beta1",
        "version": "v1.0.0",
        "name": name,
        "displayName": name.replace("-", " ").title(),
        "status": "enabled",
        "registrant": {
            "id": "00000000-0000-0000-0000-000000000000",
            "name": "Artifact Hub",
            "type": "registry",
            "sub_type": "",
            "kind": "artifacthub",
            "status": "discovered",
            "created_at": "0001-01-01T00:00:00Z",
            "updated_at": "0001-01-01T00:00:00Z",
        },
        "connection_id": "00000000-0000-0000-0000-000000000000",
        "category": {"id": "00000000-0000-0000-0000-000000000000", "name": "Orchestration & Management"},
        "subCategory": "Scheduling & Orchestration",
        "metadata": {
            "isAnnotation": False,
            "primaryColor": "#326CE5",
            "secondaryColor": "#7aa1f0",
            "shape": "circle",
            "styleOverrides": "",
            "svgColor": f"ui/public/static/img/meshmodels/{name}/color/{name}-color.svg",
            "svgWhite": f"ui/public/static/img/meshmodels/{name}/white/{name}-white.svg",
            "svgComplete": "",
        },
        "model": {"version": version},
        "components_count": 0,
        "relationships_count": 0,
        "components": None,
        "relationships": None,
    }


def _schema(kind: str, index: int) -> str:
    props = {
        f"field{i}": {
            "description": f"Setting {i} of {kind}: controls part {i} of the resource's behaviour.",
            "type": ["string", "integer", "boolean"][i % 3],
        }
        for i in range(12 + index % 8)
    }
    spec = {"description": f"{kind}Spec defines the desired state of {kind}", "properties": props, "type": "object"}
    return json.dumps(
        {
            "description": f"{kind} is the Schema for the {kind.lower()}s API.",
            "properties": {"spec": spec},
            "title": kind,
            "type": "object",
        },
        indent=1,
    )


def _component(model: dict[str, Any], group: str, kind: str, index: int) -> dict[str, Any]:
    return {
        "id": "00000000-0000-0000-0000-000000000000",
        "schemaVersion": "components.meshery.io/v1beta1",
        "version": "v1.0.0",
        "displayName": " ".join(kind[i : i + 6] for i in range(0, len(kind), 6)),
        "description": "",
        "format": "JSON",
        "model": model,
        "styles": {
            "primaryColor": "#326CE5",
            "secondaryColor": "#7aa1f0",
            "shape": "circle",
            "svgColor": model["metadata"]["svgColor"],
            "svgWhite": model["metadata"]["svgWhite"],
            "svgComplete": "",
        },
        "capabilities": [
            {
                "description": f"{name} for {kind}",
                "displayName": name,
                "entityState": ["declaration"],
                "key": "",
                "kind": k,
                "schemaVersion": "capability.meshery.io/v1alpha1",
                "status": "enabled",
                "subType": sub,
                "type": t,
                "version": "0.7.0",
            }
            for name, k, t, sub in CAPABILITY_KINDS
        ],
        "status": "enabled",
        "metadata": {
            "configurationUISchema": "",
            "genealogy": "",
            "instanceDetails": None,
            "isAnnotation": False,
            "isNamespaced": index % 4 != 0,
            "published": False,
            "source_uri": f"https://charts.example.com/{model['name']}-1.0.0.tgz",
        },
        "configuration": None,
        "component": {"version": f"{group}/v1", "kind": kind, "schema": _schema(kind, index)},
        "created_at": "0001-01-01T00:00:00Z",
        "updated_at": "0001-01-01T00:00:00Z",
    }


def _relationship(name: str, kinds: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": "00000000-0000-0000-0000-000000000000",
        "schemaVersion": "relationships.meshery.io/v1alpha3",
        "version": "v1.0.0",
        "kind": "edge",
        "type": "non-binding",
        "subType": "reference",
        "status": "enabled",
        "evaluationQuery": "",
        "metadata": {"description": f"{kinds[0]} refers to {kinds[1]}"},
        "model": {"name": name, "version": "v1.0.0"},
        "selectors": [
            {
                "allow": {
                    "from": [{"kind": kinds[0], "model": {"name": name}}],
                    "to": [{"kind": kinds[1], "model": {"name": name}}],
                }
            }
        ],
    }


def generate(root: Path, *, models: int, components: int) -> int:
    """Write the catalog under ``root``; returns the number of component files."""
    written = 0
    for m in range(models):
        name = f"synthetic-model-{m:04d}"
        model = _model(name, f"1.{m % 7}.{m % 13}")
        base = root / name / model["model"]["version"] / "v1.0.0"
        (base / "components").mkdir(parents=True, exist_ok=True)
        (base / "relationships").mkdir(exist_ok=True)
        (base / "model.json").write_text(json.dumps(model, indent=1))
        group = f"m{m:04d}.example.com"
        kinds = [f"Resource{m:04d}Kind{c:04d}" for c in range(components)]
        for c, kind in enumerate(kinds):
            (base / "components" / f"{kind}.json").write_text(json.dumps(_component(model, group, kind, c)))
            written += 1
        for r in range(2):
            pair = (kinds[r % len(kinds)], kinds[(r + 1) % len(kinds)])
            (base / "relationships" / f"edge-non-binding-reference-{r}.json").write_text(
                json.dumps(_relationship(name, pair))
            )
    return written
