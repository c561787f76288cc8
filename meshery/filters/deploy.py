"""Deploy and undeploy a filter (``/api/filter/deploy``): its configuration's objects on Kubernetes connections.

Upstream's filter deploy is its design deploy with the filter's file as the body. Here the
configuration YAML of the filter (its Kubernetes objects, such as an Istio ``EnvoyFilter`` or
``WasmPlugin`` that loads the module) becomes a design of one component per object, and the
design deploy (``meshery.designs.deploy``) applies it: server-side apply, Namespaces and CRDs
first, one result per object and connection, events, 200 or 207.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from generated import errors
from meshery.context import Services, User
from meshery.designs import deploy as design_deploy
from meshery.designs import document
from meshery.designs.importers import kubernetes
from meshery.filters import resource, service

ID_FIELDS = ("filter_id", "id")
CONFIG_FIELDS = ("config", "filter_file")


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.ErrFilterConfigInvalid("the body is not UTF-8 text") from None


def request_of(body: Any) -> tuple[str | None, str | None]:
    """The filter id and the configuration a deploy body names (either may be None)."""
    if isinstance(body, (bytes, bytearray)):
        text = _text(bytes(body))
        try:
            doc = json.loads(text)
        except ValueError:
            return None, text
        if isinstance(doc, dict) and set(doc) & {*ID_FIELDS, *CONFIG_FIELDS}:
            return request_of(doc)
        return None, text
    if not isinstance(body, Mapping):
        raise errors.ErrFilterNoConfig("the body must be a JSON object or the configuration's YAML")
    filter_id = next((str(body[k]) for k in ID_FIELDS if body.get(k) not in (None, "")), None)
    config = next((body[k] for k in CONFIG_FIELDS if body.get(k) not in (None, "")), None)
    if config is not None and not isinstance(config, str):
        raise errors.ErrFilterConfigInvalid("config must be YAML text")
    return filter_id, config


def design_of(config: str, *, name: str, design_id: str | None = None) -> dict[str, Any]:
    """A design holding one component per Kubernetes object of the configuration."""
    if not config.strip():
        raise errors.ErrFilterNoConfig(f"filter {name} has no configuration to deploy")
    docs = document.load_documents(config, what="filter configuration", invalid=errors.ErrFilterConfigInvalid)
    try:
        objects = kubernetes.objects(docs, where="configuration document")
    except errors.MesheryError as exc:
        raise errors.ErrFilterConfigInvalid(str(exc)) from None
    if not objects:
        raise errors.ErrFilterNoConfig(f"the configuration of filter {name} holds no Kubernetes object")
    for obj in objects:
        meta = obj.get("metadata")
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
            raise errors.ErrFilterConfigInvalid(f"a {obj['kind']} of the configuration has no metadata.name")
    design: dict[str, Any] = {
        "name": name,
        "components": [kubernetes.component(obj) for obj in objects],
    }
    if design_id:
        design["id"] = design_id
    return document.normalise(design)


async def execute(
    services: Services, user: User | None, body: Any, *, contexts: list[str], undeploy: bool, dry_run: bool
) -> tuple[dict[str, Any], int]:
    """Apply (or delete) the filter's objects on the target connections; the deploy answer and its status."""
    filter_id, config = request_of(body)
    if filter_id is None and config is None:
        raise errors.ErrFilterNoConfig("give filter_id (a saved filter) or config (its YAML)")
    name = "filter"
    if filter_id is not None:
        row = await service.get_record(services, user, filter_id)
        name = row.name
        filter_id = row.id
        if config is None:
            config = resource.config_of(row.filter_resource)
    design = design_of(config or "", name=name, design_id=filter_id)
    req = design_deploy.Request(design=design, contexts=contexts, undeploy=undeploy, dry_run=dry_run)
    return await design_deploy.execute(services, user_id=service.viewer_of(user), req=req)
