"""Bind a design's components to registry definitions and check their configurations against the schemas.

Binding looks up every distinct (apiVersion, kind) of a design in one registry query and
picks a model per pair: the model the component already names, else ``kubernetes`` (the
built-in groups), else the first model defining it (custom resource groups). A bound
component gets the definition's model, capabilities, styles, format, status and metadata,
as upstream designs carry them; one without a definition keeps what it has and is flagged
``metadata.unresolved = true``. Custom resources whose CustomResourceDefinition is a
component of the same design are bound to a definition generated from that CRD (as the
registry's generate-from-CRD does) when the registry has none.

Relationships naming a component the design lacks are reported too (``ErrRelationshipDangling``;
relationship evaluation deletes them, ``meshery.registry.evaluate``).

Definitions are cached per store and registry generation, each with its schema compiled
once by ``jsonschema_rs`` (JSON Schema 2020-12, as ``meshery.registry.validate`` uses; a
hundred times faster than ``jsonschema`` on Kubernetes schemas): ``is_valid`` answers for
every component, and only failing ones are walked for their errors, reported with the
registry validator's JSON pointers and error cap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import orjson

from generated import errors
from meshery.context import Services
from meshery.registry import codec, render
from meshery.registry.evaluate import service as evaluation
from meshery.registry.generate import crd_components
from meshery.registry.validate import MAX_ERRORS_PER_COMPONENT, pointer
from meshery.store import Store
from meshery.store import registry_queries as rq

log = logging.getLogger(__name__)

CACHE_KEY = "designs-definitions"
CACHE_TTL = 3600.0
MAX_CACHED_DEFINITIONS = 4096
KUBERNETES = "kubernetes"
CRD_API_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")
# Keys of a definition's metadata that describe the definition, not an instance.
_DEFINITION_ONLY_METADATA = frozenset({"configurationUISchema", "source_uri"})


@dataclass(frozen=True)
class Problem:
    """One finding about one component; ``path`` is a JSON pointer into its configuration."""

    component_id: str
    component: str
    kind: str
    path: str
    code: str
    message: str


@dataclass
class Definition:
    """A component definition as designs use it: what binding copies, and its schema, compiled once."""

    key: str
    model_name: str
    model: dict[str, Any]
    fields: dict[str, Any]
    schema_text: str  # the schema as a JSON string literal, as the registry stores it
    generated: bool = False
    _fast: Any = field(default=None, repr=False)
    _compiled: bool = field(default=False, repr=False)

    def validator(self) -> Any:
        """The compiled validator (None when the definition has no usable schema)."""
        if not self._compiled:
            self._compiled = True
            try:
                schema = orjson.loads(orjson.loads(self.schema_text) or "{}")
                self._fast = jsonschema_rs.validator_for(schema) if isinstance(schema, dict) and schema else None
            except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
                log.warning("definition %s has an unusable schema: %s", self.key, exc)
                self._fast = None
        return self._fast


@dataclass
class _Cache:
    generation: str | None
    found: dict[tuple[str, str], list[Definition]] = field(default_factory=dict)


def _ref(component: dict[str, Any]) -> tuple[str, str]:
    ref = component.get("component")
    if not isinstance(ref, dict):
        return "", ""
    kind, version = ref.get("kind"), ref.get("version")
    return (kind if isinstance(kind, str) else ""), (version if isinstance(version, str) else "")


def _model_name(component: dict[str, Any]) -> str:
    model = component.get("model")
    name = model.get("name") if isinstance(model, dict) else None
    return name if isinstance(name, str) else ""


def is_builtin_api_version(api_version: str) -> bool:
    """Whether an apiVersion belongs to Kubernetes itself (core, ``apps``, ``*.k8s.io``), not to a CRD."""
    group = api_version.rpartition("/")[0]
    return not group or "." not in group or group.endswith(".k8s.io")


def _choose(candidates: list[Definition], wanted: str, api_version: str) -> Definition | None:
    if not candidates:
        return None
    for name in (wanted, KUBERNETES if is_builtin_api_version(api_version) else ""):
        for definition in candidates:
            if name and definition.model_name == name:
                return definition
    return candidates[0]


async def _registry_definitions(store: Store, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], list[Definition]]:
    """Definitions of these (kind, apiVersion) pairs, cached per registry generation (3 statements on a miss)."""
    async with rq.reading(store) as session:
        generation = await rq.generation(store, session=session)
        cache: _Cache | None = store.cache.get(CACHE_KEY)
        if cache is None or cache.generation != generation or len(cache.found) > MAX_CACHED_DEFINITIONS:
            cache = _Cache(generation)
            store.cache.put(CACHE_KEY, cache, ttl=CACHE_TTL)
        missing = pairs - cache.found.keys()
        if missing:
            rows = await rq.latest_components_of_kinds(
                store, [k for k, _ in missing], [v for _, v in missing], session=session
            )
            rows = [r for r in rows if (r[1], r[2]) in missing]
            models = {
                row[0]: render.model(row)
                for row in await rq.models_by_id(store, sorted({r[3] for r in rows}), session=session)
            }
            for pair in missing:
                cache.found[pair] = []
            for comp_id, kind, api_version, model_id, model_name, status, data in rows:
                body, schema = codec.unpack(bytes(data))
                fields = orjson.loads(body)
                fields["status"] = status
                cache.found[(kind, api_version)].append(
                    Definition(
                        key=comp_id,
                        model_name=model_name,
                        model=models.get(model_id) or {"name": model_name},
                        fields=fields,
                        schema_text=schema.decode(),
                    )
                )
    return {pair: cache.found.get(pair, []) for pair in pairs}


def _crd_definitions(components: list[dict[str, Any]]) -> dict[tuple[str, str], Definition]:
    """Definitions generated from the CustomResourceDefinitions among the design's own components."""
    out: dict[tuple[str, str], Definition] = {}
    for index, component in enumerate(components):
        kind, api_version = _ref(component)
        if kind != "CustomResourceDefinition" or api_version not in CRD_API_VERSIONS:
            continue
        config = component.get("configuration")
        if not isinstance(config, dict):
            continue
        generated, _problems = crd_components(config, index)
        for item in generated:
            ref = item["component"]
            group = ref["version"].rpartition("/")[0]
            fields = {k: v for k, v in item.items() if k not in ("component", "configuration")}
            out[(ref["kind"], ref["version"])] = Definition(
                key=f"crd:{ref['version']}/{ref['kind']}",
                model_name=group,
                model={
                    "name": group,
                    "displayName": group,
                    "schemaVersion": "models.meshery.io/v1beta1",
                    "version": "v1.0.0",
                    "category": {"name": "Uncategorized"},
                    "model": {"version": ref["version"].rpartition("/")[2]},
                },
                fields=fields,
                schema_text=orjson.dumps(ref["schema"]).decode(),
                generated=True,
            )
    return out


async def _bind(services: Services, design: dict[str, Any]) -> list[Definition | None]:
    components = design.get("components")
    if not isinstance(components, list):
        raise errors.ErrDesignInvalid("components must be a list")
    pairs = {_ref(c) for c in components if isinstance(c, dict)}
    pairs = {(k, v) for k, v in pairs if k and v}
    found = await _registry_definitions(services.store, pairs) if pairs else {}
    crds: dict[tuple[str, str], Definition] | None = None
    bound: list[Definition | None] = []
    for component in components:
        kind, api_version = _ref(component)
        definition = _choose(found.get((kind, api_version), []), _model_name(component), api_version)
        if definition is None and kind and api_version:
            if crds is None:
                crds = _crd_definitions(components)
            definition = crds.get((kind, api_version))
        _apply(component, definition)
        bound.append(definition)
    return bound


def _apply(component: dict[str, Any], definition: Definition | None) -> None:
    metadata = component.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    if definition is None:
        metadata["unresolved"] = True
        component["metadata"] = metadata
        return
    metadata.pop("unresolved", None)
    fields = definition.fields
    definition_meta = fields.get("metadata")
    if isinstance(definition_meta, dict):
        for key, value in definition_meta.items():
            if key not in _DEFINITION_ONLY_METADATA:
                metadata.setdefault(key, value)
    if definition.generated:
        metadata["generatedFromCrd"] = True
    component["metadata"] = metadata
    component["model"] = definition.model
    for key in ("capabilities", "styles", "format", "status"):
        if key in fields and component.get(key) in (None, "", [], {}):
            component[key] = fields[key]
    ref = component.get("component")
    if isinstance(ref, dict):
        ref.setdefault("schema", "")


async def bind_definitions(services: Services, design: dict[str, Any]) -> None:
    """Tie each component to its registry definition (model and definition fields), flag the rest unresolved."""
    await _bind(services, design)


async def validate_design(services: Services, design: dict[str, Any]) -> list[Problem]:
    """Bind, then check each configuration against its definition's schema: one Problem per error."""
    definitions = await _bind(services, design)
    problems: list[Problem] = []
    for component, definition in zip(design["components"], definitions, strict=True):
        problems.extend(_check(component, definition))
    problems.extend(_dangling(design))
    return problems


def _dangling(design: dict[str, Any]) -> list[Problem]:
    """Relationships naming a component the design lacks (relationship evaluation deletes them)."""
    found = []
    for relationship, missing in evaluation.dangling(design):
        kind = "/".join(str(relationship.get(k) or "") for k in ("kind", "type", "subType"))
        found.append(
            Problem(
                component_id=missing,
                component="",
                kind=kind,
                path="",
                code=errors.ErrRelationshipDangling.code,
                message=f"relationship {relationship.get('id')} ({kind}) names component {missing}, not in the design",
            )
        )
    return found


def _check(component: dict[str, Any], definition: Definition | None) -> list[Problem]:
    kind, api_version = _ref(component)
    name = component.get("displayName")
    name = name if isinstance(name, str) else ""
    comp_id = str(component.get("id") or "")

    def problem(path: str, code: str, message: str) -> Problem:
        return Problem(component_id=comp_id, component=name, kind=kind, path=path, code=code, message=message)

    if not kind or not api_version:
        missing = "component.kind" if not kind else "component.version (the apiVersion)"
        return [problem("", errors.ErrDesignComponentIncomplete.code, f"the component has no {missing}")]
    if definition is None:
        return [
            problem(
                "",
                errors.ErrDesignComponentUnresolved.code,
                f"no component definition of kind {kind} ({api_version}) is registered",
            )
        ]
    validator = definition.validator()
    configuration = component.get("configuration")
    if configuration is None:
        configuration = {}
    try:
        if validator is None or validator.is_valid(configuration):
            return []
        found = []
        for err in validator.iter_errors(configuration):
            found.append(
                problem(pointer(err.instance_path), errors.ErrDesignConfigurationInvalid.code, err.message[:500])
            )
            if len(found) >= MAX_ERRORS_PER_COMPONENT:
                break
    except ValueError as exc:  # not JSON data (a caller's mapping with non-string keys, bytes, sets)
        return [problem("", errors.ErrDesignConfigurationInvalid.code, f"the configuration is not JSON: {exc}")]
    return found
