"""Design documents: parse either upstream form into the canonical v1beta1 dict, dump it, render objects.

The canonical design is a plain ``dict`` in the ``designs.meshery.io/v1beta1`` shape
(``name``, ``id``, ``schemaVersion``, ``version``, ``metadata``, ``components``,
``relationships``, optional ``preferences``). ``parse_design`` also accepts the older
``name`` + ``services:`` form and converts each service into a component.

Decisions on incomplete documents (what upstream's Go structs accept versus what its
design schema requires): a missing ``id`` (design or component) is generated, a missing
``version`` becomes ``0.0.1`` (the server owns design revisions), a missing
``schemaVersion`` becomes the v1beta1 one, null ``components``/``relationships``/``metadata``
become empty. A missing or empty ``name`` is refused (4xx), as is anything that is not a
mapping, ids that are not UUIDs, and documents that exceed the size, depth or
alias-expansion budget (``meshery.yamlio`` loads YAML).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from generated import errors
from meshery import yamlio
from meshery.designs import emit

DESIGN_SCHEMA_VERSION = "designs.meshery.io/v1beta1"
COMPONENT_SCHEMA_VERSION = "components.meshery.io/v1beta1"
DEFAULT_DESIGN_VERSION = "0.0.1"
DEFAULT_COMPONENT_VERSION = "v1.0.0"

MAX_DESIGN_BYTES = 32 * 1024 * 1024
"""Largest text accepted (a 1,000-component design with embedded models is about 3 MiB)."""


def load_text(data: str | bytes, *, what: str = "design") -> Any:
    """One YAML or JSON document, within the size and expansion budget; a 4xx on anything else."""
    docs = load_documents(data, what=what, keep_empty=True)
    if len(docs) > 1:
        raise errors.ErrDesignInvalid(f"the {what} holds {len(docs)} YAML documents; send one")
    return docs[0] if docs else None


def load_documents(
    data: str | bytes,
    *,
    what: str = "manifest",
    invalid: type[errors.MesheryError] = errors.ErrDesignInvalid,
    keep_empty: bool = False,
) -> list[Any]:
    """Every document of a multi-document YAML stream (or one JSON value), within the budget.

    Empty documents are left out unless ``keep_empty``. Text that is not YAML raises
    ``invalid``; oversized or exploding text raises ErrDesignTooLarge.
    """
    if len(data) > MAX_DESIGN_BYTES:
        raise errors.ErrDesignTooLarge(f"the {what} has {len(data)} bytes; the limit is {MAX_DESIGN_BYTES}")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise invalid(f"the {what} is not UTF-8 text: {exc.reason}") from None
    if data.lstrip()[:1] in ("{", "["):
        try:
            return [orjson.loads(data)]
        except orjson.JSONDecodeError:
            pass  # YAML flow style also starts with a brace
    docs = yamlio.load_all(data, what=what, invalid=invalid)
    return docs if keep_empty else [d for d in docs if d is not None]


def parse_design(data: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """The canonical v1beta1 design of YAML/JSON text or a mapping, in either upstream form."""
    if isinstance(data, Mapping):
        # An already decoded mapping (a JSON body, a stored design) holds no YAML aliases:
        # budgets apply where text is loaded.
        doc: Any = dict(data)
    else:
        doc = load_text(data)
    if not isinstance(doc, dict):
        raise errors.ErrDesignInvalid(f"the design must be a mapping, not {_type_name(doc)}")
    return normalise(doc)


def is_legacy(doc: Mapping[str, Any]) -> bool:
    """True for the pre-v1beta1 form: ``name`` with a ``services`` map (or nothing else) and no components."""
    if "components" in doc or "schemaVersion" in doc:
        return False
    return "services" in doc or set(doc) <= {"name", "id", "version"}


def normalise(doc: dict[str, Any], *, default_name: str | None = None) -> dict[str, Any]:
    """Fill defaults and check the types of a loaded design mapping (a new dict; components are copied)."""
    if is_legacy(doc):
        doc = _from_legacy(doc)
    name = doc.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        if not default_name:
            raise errors.ErrDesignInvalid("the design has no name")
        name = default_name
    if not isinstance(name, str):
        raise errors.ErrDesignInvalid(f"the design name must be a string, not {_type_name(name)}")
    design: dict[str, Any] = dict(doc)
    design["name"] = name
    design["id"] = _uuid(doc.get("id"), "design id")
    design["schemaVersion"] = _str_or(doc.get("schemaVersion"), DESIGN_SCHEMA_VERSION, "schemaVersion")
    design["version"] = _str_or(doc.get("version"), DEFAULT_DESIGN_VERSION, "version")
    design["metadata"] = _mapping_or_empty(doc.get("metadata"), "metadata")
    components = doc.get("components")
    if components is None:
        components = []
    if not isinstance(components, list):
        raise errors.ErrDesignInvalid(f"components must be a list, not {_type_name(components)}")
    relationships = doc.get("relationships")
    if relationships is None:
        relationships = []
    if not isinstance(relationships, list):
        raise errors.ErrDesignInvalid(f"relationships must be a list, not {_type_name(relationships)}")
    if "preferences" in doc and doc["preferences"] is not None and not isinstance(doc["preferences"], dict):
        raise errors.ErrDesignInvalid("preferences must be a mapping")
    seen: set[str] = set()
    normalised = []
    for index, component in enumerate(components):
        item = _component(component, index)
        if item["id"] in seen:
            raise errors.ErrDesignBadId(f"components[{index}] repeats the id {item['id']}")
        seen.add(item["id"])
        normalised.append(item)
    design["components"] = normalised
    design["relationships"] = relationships
    return design


def _component(value: Any, index: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise errors.ErrDesignInvalid(f"components[{index}] must be a mapping, not {_type_name(value)}")
    item = dict(value)
    item["id"] = _uuid(value.get("id"), f"components[{index}].id")
    item.setdefault("schemaVersion", COMPONENT_SCHEMA_VERSION)
    item.setdefault("version", DEFAULT_COMPONENT_VERSION)
    ref = value.get("component")
    if ref is None:
        ref = {}
    if not isinstance(ref, dict):
        raise errors.ErrDesignInvalid(f"components[{index}].component must be a mapping")
    ref = dict(ref)
    for key in ("kind", "version"):
        if key in ref and ref[key] is not None and not isinstance(ref[key], str):
            raise errors.ErrDesignInvalid(f"components[{index}].component.{key} must be a string")
        ref[key] = ref.get(key) or ""
    ref.setdefault("schema", "")
    item["component"] = ref
    model = value.get("model")
    if model is None:
        model = {}
    if not isinstance(model, dict):
        raise errors.ErrDesignInvalid(f"components[{index}].model must be a mapping")
    item["model"] = model
    configuration = value.get("configuration")
    if configuration is None:
        configuration = {}
    if not isinstance(configuration, dict):
        raise errors.ErrDesignInvalid(f"components[{index}].configuration must be a mapping")
    item["configuration"] = configuration
    if "metadata" in value:
        item["metadata"] = _mapping_or_empty(value["metadata"], f"components[{index}].metadata")
    display = value.get("displayName")
    if not isinstance(display, str) or not display:
        meta = configuration.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        item["displayName"] = name if isinstance(name, str) and name else (ref["kind"] or "component").lower()
    return item


def _from_legacy(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The v1beta1 form of a ``name`` + ``services:`` design: one component per service."""
    services = doc.get("services") or {}
    if not isinstance(services, dict):
        raise errors.ErrDesignInvalid("services must be a mapping of service name to service")
    components = []
    for key, service in services.items():
        if not isinstance(service, dict):
            raise errors.ErrDesignInvalid(f"services.{key} must be a mapping")
        settings = service.get("settings")
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            raise errors.ErrDesignInvalid(f"services.{key}.settings must be a mapping")
        configuration = dict(settings)
        meta = configuration.get("metadata")
        meta = dict(meta) if isinstance(meta, dict) else {}
        name = service.get("name") or str(key)
        meta.setdefault("name", name)
        namespace = service.get("namespace")
        if namespace:
            meta["namespace"] = namespace
        if service.get("labels"):
            meta.setdefault("labels", service["labels"])
        if service.get("annotations"):
            meta.setdefault("annotations", service["annotations"])
        configuration["metadata"] = meta
        kind = service.get("type") or ""
        component: dict[str, Any] = {
            "id": service.get("id") if _is_uuid(service.get("id")) else str(uuid.uuid4()),
            "schemaVersion": COMPONENT_SCHEMA_VERSION,
            "version": DEFAULT_COMPONENT_VERSION,
            "displayName": str(key),
            "component": {"kind": str(kind), "version": str(service.get("apiVersion") or ""), "schema": ""},
            "model": {"name": str(service.get("model") or "kubernetes")},
            "configuration": configuration,
        }
        if service.get("version"):
            component["model"]["model"] = {"version": str(service["version"])}
        traits = service.get("traits")
        extra: dict[str, Any] = {"legacyService": str(key)}
        if isinstance(traits, dict):
            extra["traits"] = traits
            meshmap = traits.get("meshmap")
            position = meshmap.get("position") if isinstance(meshmap, dict) else None
            if isinstance(position, dict) and {"posX", "posY"} <= set(position):
                component["styles"] = {"position": {"x": position["posX"], "y": position["posY"]}}
        if service.get("dependsOn"):
            extra["dependsOn"] = service["dependsOn"]
        component["metadata"] = {"additionalproperties": extra}
        components.append(component)
    design: dict[str, Any] = {
        "name": doc.get("name"),
        "schemaVersion": DESIGN_SCHEMA_VERSION,
        "version": doc.get("version") if isinstance(doc.get("version"), str) else DEFAULT_DESIGN_VERSION,
        "metadata": {},
        "components": components,
        "relationships": [],
    }
    if doc.get("id") is not None:
        design["id"] = doc["id"]
    return design


def dump_design(design: Mapping[str, Any]) -> str:
    """Block YAML text of a design, in key order; parse_design reads it back to the same dict.

    Written by ``meshery.designs.emit`` (values are JSON types after ``yamlio.jsonable``), which
    quotes every string a YAML 1.1 or 1.2 reader could take for something else.
    """
    return emit.dumps(yamlio.jsonable(dict(design)))


def to_manifest(component: Mapping[str, Any]) -> dict[str, Any]:
    """The Kubernetes object of one component: apiVersion and kind, then its configuration (a deep copy).

    ``metadata.name`` falls back to the component's displayName when the configuration has none.
    """
    ref = component.get("component") or {}
    configuration = component.get("configuration") or {}
    body = orjson.loads(orjson.dumps(configuration, option=orjson.OPT_NON_STR_KEYS))
    body.pop("apiVersion", None)
    body.pop("kind", None)
    obj: dict[str, Any] = {"apiVersion": ref.get("version") or "", "kind": ref.get("kind") or ""}
    obj.update(body)
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
        obj["metadata"] = meta
    if not meta.get("name") and component.get("displayName"):
        meta["name"] = component["displayName"]
    return obj


def _uuid(value: Any, what: str) -> str:
    if value is None or value == "":
        return str(uuid.uuid4())
    if not isinstance(value, str):
        raise errors.ErrDesignBadId(f"{what} must be a UUID string, not {_type_name(value)}")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise errors.ErrDesignBadId(f"{what} {value[:80]!r} is not a UUID") from None


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _str_or(value: Any, default: str, what: str) -> str:
    if value is None or value == "":
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise errors.ErrDesignInvalid(f"{what} must be a string, not {_type_name(value)}")
    return value


def _mapping_or_empty(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.ErrDesignInvalid(f"{what} must be a mapping, not {_type_name(value)}")
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)
