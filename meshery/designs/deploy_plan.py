"""The order a design's objects are applied in: Namespaces, then CRDs, then everything else.

A deploy applies phase by phase (undeploy walks the phases backwards), so a namespace exists
before the objects in it and a CustomResourceDefinition is served before its custom objects.
Each component becomes one ``Step``: its Kubernetes manifest (``document.to_manifest``) and
the names results are reported under; a component that cannot become a manifest keeps the
reason, and is reported as failed on every target without reaching a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from meshery.designs import document

NAMESPACES, CRDS, OBJECTS = 0, 1, 2
PHASES = (NAMESPACES, CRDS, OBJECTS)
CRD_API_GROUP = "apiextensions.k8s.io"


@dataclass(slots=True)
class Step:
    """One component of the design as one Kubernetes object."""

    component_id: str
    name: str
    kind: str
    api_version: str
    namespace: str
    phase: int
    manifest: dict[str, Any] | None
    problem: str = ""  # why there is no manifest (a failure)
    skip: str = ""  # why the step is not sent to clusters at all (not a failure)

    @property
    def is_crd(self) -> bool:
        return self.kind == "CustomResourceDefinition" and self.api_version.startswith(f"{CRD_API_GROUP}/")

    def served_kinds(self) -> set[tuple[str, str]]:
        """For a CRD: the ``(apiVersion, kind)`` pairs it makes the cluster serve."""
        if not self.is_crd or self.manifest is None:
            return set()
        spec = self.manifest.get("spec") or {}
        group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
        if not isinstance(group, str) or not isinstance(kind, str):
            return set()
        versions = [v.get("name") for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("served", True)]
        if isinstance(spec.get("version"), str):  # apiextensions v1beta1 shape
            versions.append(spec["version"])
        return {(f"{group}/{v}", kind) for v in versions if isinstance(v, str) and v}


def _phase(kind: str, api_version: str) -> int:
    if kind == "Namespace" and api_version == "v1":
        return NAMESPACES
    if kind == "CustomResourceDefinition" and api_version.startswith(f"{CRD_API_GROUP}/"):
        return CRDS
    return OBJECTS


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def step_of(component: Mapping[str, Any]) -> Step:
    """The step of one canonical component (never raises: a bad component keeps its problem)."""
    comp_id = _text(component.get("id"))
    definition = _mapping(component.get("component"))
    config = _mapping(component.get("configuration"))
    meta = _mapping(config.get("metadata"))
    kind, api_version = _text(definition.get("kind")), _text(definition.get("version"))
    name = _text(meta.get("name")) or _text(component.get("displayName"))
    namespace = _text(meta.get("namespace"))
    flags = _mapping(component.get("metadata"))
    if flags.get("isAnnotation") is True:  # drawings and notes of the design, nothing to deploy
        return Step(
            comp_id, name, kind, api_version, namespace, OBJECTS, None, skip="annotation, not a Kubernetes object"
        )
    missing = [what for what, value in (("kind", kind), ("apiVersion", api_version)) if not value]
    if not _text(meta.get("name")):
        missing.append("metadata.name")
    if missing:
        problem = f"component {name or comp_id or '?'} has no {', '.join(missing)}"
        return Step(comp_id, name, kind, api_version, namespace, _phase(kind, api_version), None, problem)
    try:
        manifest = document.to_manifest(component)
    except Exception as exc:  # a component the document layer refuses is reported, never fatal
        problem = f"component {name}: {getattr(exc, 'message', None) or exc}"
        return Step(comp_id, name, kind, api_version, namespace, _phase(kind, api_version), None, problem)
    return Step(comp_id, name, kind, api_version, namespace, _phase(kind, api_version), manifest)


def plan(components: Iterable[Mapping[str, Any]]) -> list[Step]:
    """Every component as a step, ordered by phase (the design's order kept within a phase)."""
    steps = [step_of(c) for c in components if isinstance(c, Mapping)]
    return sorted(steps, key=lambda s: s.phase)


def by_phase(steps: list[Step], *, reverse: bool = False) -> list[list[Step]]:
    """The steps grouped per phase, in apply order (or delete order with ``reverse``)."""
    groups = [[s for s in steps if s.phase == phase] for phase in PHASES]
    return list(reversed(groups)) if reverse else groups
