"""Import designs from upstream design files, Kubernetes manifests, Helm charts and Docker Compose files.

``import_source`` takes the artifact's bytes (the route layer fetches URLs), detects its
type when none is given, converts it into the canonical design (every object one
component), binds the components to registry definitions and validates them. The
original bytes are kept in ``ImportResult.source``.

Detection: gzip/tar bytes or a ``.tgz`` name are a Helm chart; otherwise the YAML/JSON
documents decide: a ``designs.meshery.io`` schemaVersion or ``components`` is a design; a
``services`` map whose entries have an image or a build is a compose file (also any
``services`` file named like ``docker-compose.yml``/``compose.yaml``), one with
``type``/``settings`` entries is the older design form; documents with apiVersion and kind
are a Kubernetes manifest.
"""

from __future__ import annotations

import logging
import posixpath
import time
from dataclasses import dataclass, field
from typing import Any

from generated import errors
from meshery import safe_load
from meshery.context import Services
from meshery.designs import compose
from meshery.designs.document import (
    DEFAULT_DESIGN_VERSION,
    DESIGN_SCHEMA_VERSION,
    is_legacy,
    load_documents,
    normalise,
)
from meshery.designs.importers import helm, kubernetes
from meshery.designs.validate import Problem, validate_design

log = logging.getLogger(__name__)

DESIGN = "Design"
MANIFEST = "Kubernetes Manifest"
HELM_CHART = "Helm Chart"
DOCKER_COMPOSE = "Docker Compose"
SOURCE_TYPES: tuple[str, ...] = (DESIGN, MANIFEST, HELM_CHART, DOCKER_COMPOSE)
_ALIASES = {
    **{t.lower(): t for t in SOURCE_TYPES},
    "pattern": DESIGN,
    "meshery design": DESIGN,
    "manifest": MANIFEST,
    "kubernetes": MANIFEST,
    "k8s manifest": MANIFEST,
    "helm": HELM_CHART,
    "compose": DOCKER_COMPOSE,
    "docker-compose": DOCKER_COMPOSE,
}
_COMPOSE_NAMES = ("docker-compose", "compose")


@dataclass
class ImportResult:
    """A converted, bound and validated design, with the artifact it came from."""

    design: dict[str, Any]
    source_type: str
    source: bytes
    problems: list[Problem] = field(default_factory=list)


def source_type_of(value: str) -> str:
    """The canonical source type for a name (case-insensitive; a few upstream spellings); a 4xx otherwise."""
    found = _ALIASES.get(value.strip().lower().replace("_", " "))
    if found is None:
        raise errors.ErrImportSourceType(f"{value[:60]!r}; use one of {', '.join(SOURCE_TYPES)}")
    return found


def _stem(filename: str | None) -> str:
    base = posixpath.basename((filename or "").replace("\\", "/"))
    for suffix in (".tar.gz", ".tgz", ".tar", ".yaml", ".yml", ".json"):
        if base.lower().endswith(suffix):
            return base[: -len(suffix)]
    return base


def _looks_like_compose_file(filename: str | None) -> bool:
    return _stem(filename).lower().startswith(_COMPOSE_NAMES)


def detect(docs: list[Any], filename: str | None) -> str:
    """The source type of loaded documents (see the module docstring)."""
    if len(docs) == 1 and isinstance(docs[0], dict):
        doc = docs[0]
        schema_version = doc.get("schemaVersion")
        if isinstance(schema_version, str) and schema_version.startswith("designs.meshery.io"):
            return DESIGN
        if "components" in doc and "kind" not in doc:
            return DESIGN
        if isinstance(doc.get("services"), dict) and "kind" not in doc:
            if compose.is_compose(doc) or _looks_like_compose_file(filename):
                return DOCKER_COMPOSE
            return DESIGN
        if "apiVersion" in doc and "kind" in doc:
            return MANIFEST
        if is_legacy(doc) and "name" in doc:
            return DESIGN
    if docs and all(_is_object_or_list(d) for d in docs):
        return MANIFEST
    raise errors.ErrImportSourceType("the content is no design, Kubernetes manifest, Helm chart or compose file")


def _is_object_or_list(doc: Any) -> bool:
    if isinstance(doc, list):
        return bool(doc) and all(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in doc)
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def _design(name: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
    return normalise(
        {
            "name": name,
            "schemaVersion": DESIGN_SCHEMA_VERSION,
            "version": DEFAULT_DESIGN_VERSION,
            "metadata": {},
            "components": [kubernetes.component(o) for o in objects],
            "relationships": [],
        }
    )


async def import_source(
    services: Services,
    data: bytes,
    *,
    name: str | None = None,
    source_type: str | None = None,
    filename: str | None = None,
) -> ImportResult:
    """Convert an artifact into a design, bind it to the registry and validate it (see the module docstring)."""
    started = time.perf_counter()
    wanted = source_type_of(source_type) if source_type else None
    name = name.strip() if isinstance(name, str) and name.strip() else None
    default_name = name or _stem(filename) or None
    if wanted == HELM_CHART or (wanted is None and helm.is_chart_archive(data, filename)):
        chart, docs = await helm.render_chart(data, release=compose.dns_name(name or _stem(filename) or "release")[:53])
        kind = HELM_CHART
        design = _design(name or chart, kubernetes.objects(docs, where="rendered document"))
    else:
        invalid = {MANIFEST: errors.ErrImportManifestInvalid, DOCKER_COMPOSE: errors.ErrImportComposeInvalid}.get(
            wanted or "", errors.ErrDesignInvalid
        )
        what = (wanted or "file").lower()
        docs = await safe_load.off_loop(
            lambda: load_documents(data, what=what, invalid=invalid), what=what, seconds=safe_load.DOCUMENT_SECONDS
        )
        kind = wanted or detect(docs, filename)
        if kind == DESIGN:
            if len(docs) != 1 or not isinstance(docs[0], dict):
                raise errors.ErrDesignInvalid("a design file holds exactly one mapping")
            design = normalise(dict(docs[0]), default_name=default_name)
            if name:
                design["name"] = name
        elif kind == DOCKER_COMPOSE:
            if len(docs) != 1:
                raise errors.ErrImportComposeInvalid("a compose file holds exactly one document")
            own = docs[0].get("name") if isinstance(docs[0], dict) else None
            title = name or (own if isinstance(own, str) and own else None) or default_name or DOCKER_COMPOSE
            design = _design(title, compose.convert(docs[0]))
        elif kind == MANIFEST:
            design = _design(default_name or MANIFEST, kubernetes.objects(docs))
        else:
            raise errors.ErrImportSourceType(f"{kind} needs a chart archive (.tgz)")
    problems = await validate_design(services, design)
    log.info(
        "imported %s %r: %d components, %d problems in %.3fs",
        kind,
        design["name"],
        len(design["components"]),
        len(problems),
        time.perf_counter() - started,
    )
    return ImportResult(design=design, source_type=kind, source=bytes(data), problems=problems)
