"""Export a model with its components and relationships: JSON, YAML or a tar.gz in the upstream layout.

The archive holds ``<name>/<model-version>/<def-version>/model.json`` with
``components/<Kind>.json`` and ``relationships/*.json`` (or ``.yaml``), so
it can be imported again by this server or by upstream.
"""

from __future__ import annotations

import io
import tarfile
import time
from typing import Any

import orjson
import yaml

from generated import errors
from meshery import http
from meshery.registry import codec, render
from meshery.store import Store
from meshery.store import registry_queries as rq


def _component_doc(row: Any, model: dict[str, Any] | None) -> dict[str, Any]:
    comp_id, status, kind, api_version, data = row
    body, schema = codec.unpack(data)
    doc: dict[str, Any] = {"id": comp_id, "status": status, **orjson.loads(body)}
    doc["component"] = {"version": api_version, "kind": kind, "schema": orjson.loads(schema)}
    if model is not None:
        doc["model"] = model
    return doc


def _relationship_doc(row: Any) -> dict[str, Any]:
    rel_id, status, body = row
    return {"id": rel_id, "status": status, **orjson.loads(body)}


async def package_documents(store: Store, package_id: str) -> list[dict[str, Any]]:
    """The component and relationship definitions stored for a package (for re-registration)."""
    model_id = await rq.model_id_of_package(store, package_id)
    if model_id is None:
        return []
    components, relationships, _ = await rq.model_export(store, model_id)
    return [*(_component_doc(r, None) for r in components), *(_relationship_doc(r) for r in relationships)]


def _dump(doc: Any, file_type: str) -> bytes:
    if file_type == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)


def _tar(model: dict[str, Any], comps: list[dict[str, Any]], rels: list[dict[str, Any]], file_type: str) -> bytes:
    model_version = (model.get("model") or {}).get("version") or "unversioned"
    base = f"{model['name']}/{model_version}/{model.get('version') or 'v1.0.0'}"
    ext = "yaml" if file_type == "yaml" else "json"
    out = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size, info.mtime = len(data), int(now)
            archive.addfile(info, io.BytesIO(data))

        add(f"model.{ext}", _dump(model, file_type))
        for comp in comps:
            add(f"components/{comp['component']['kind']}-{comp['id'][:8]}.{ext}", _dump(comp, file_type))
        for rel in rels:
            name = f"{rel.get('kind')}-{rel.get('type')}-{rel.get('subType')}-{rel['id'][:8]}"
            add(f"relationships/{name}.{ext}", _dump(rel, file_type))
    return out.getvalue()


async def export_model(
    store: Store,
    *,
    model_id: str | None,
    name: str | None,
    version: str | None,
    output_format: str,
    file_type: str,
    components: bool,
    relationships: bool,
) -> http.Reply:
    if not model_id and not name:
        raise errors.ErrRegistryNotFound("no model selected: give its id or name")
    f = rq.ModelFilter(model_id=model_id, name=name, version=version)
    total, rows = await rq.list_models(store, f, rq.Page(0, 1), order="", desc=False)
    if not total:
        raise errors.ErrRegistryNotFound(f"no model {model_id or name!r}" + (f" version {version}" if version else ""))
    model = render.model(rows[0])
    model.pop("duplicates", None)
    comp_rows, rel_rows, _ = await rq.model_export(store, model["id"])
    comps = [_component_doc(r, None) for r in comp_rows] if components else []
    rels = [_relationship_doc(r) for r in rel_rows] if relationships else []
    if output_format == "tar":
        data = _tar(model, [{**c, "model": model} for c in comps], rels, file_type)
        filename = f"{model['name']}.tar.gz"
        return http.raw(
            data, media_type="application/gzip", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
    full = {**model, "components": comps, "relationships": rels}
    if output_format == "yaml":
        return http.raw(_dump(full, "yaml"), media_type="application/yaml")
    return http.raw(orjson.dumps(full))
