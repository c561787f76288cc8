"""Kubernetes status answers of the REST routes that replace GraphQL queries.

The operator's status with its controllers (``getOperatorStatus``), one controller's status
(``getMeshsyncStatus``/``getNatsStatus``) and the server-wide controller defaults, all
computed by ``meshery.controllers`` (one look at the cluster per answer) and the settings.
"""

from __future__ import annotations

from typing import Any

from meshery import controllers
from meshery.context import Services
from meshery.operator_manifests import OPERATOR_IMAGE

SCHEMA_VERSION = "controllers_config.meshery.io/v1alpha1"

# MesheryControllersStatusListItem statuses -> the `Status` enum of the GraphQL answers.
_PLAIN = {"RUNNING": "ENABLED", "DEPLOYED": "ENABLED", "CONNECTED": "CONNECTED", "NOTDEPLOYED": "DISABLED"}
_NAMES = {"OPERATOR": "operator", "MESHSYNC": "meshsync", "BROKER": "broker"}


def _controller(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": _NAMES[item["controller"]],
        "version": item["version"],
        "status": _PLAIN.get(item["status"], "UNKNOWN"),
        "error": None,
        "connectionID": item["connectionID"],
    }


async def operator_status(services: Services, connection_id: str) -> dict[str, Any]:
    """The operator's status and version, with MeshSync's and the broker's beside it."""
    items = await controllers.statuses(services, connection_id)
    by_name = {item["controller"]: item for item in items}
    operator = by_name["OPERATOR"]
    return {
        "status": _PLAIN.get(operator["status"], "UNKNOWN"),
        "version": operator["version"],
        "controller": "OPERATOR",
        "connectionID": operator["connectionID"],
        "error": None,
        "controllers": [_controller(by_name[name]) for name in ("MESHSYNC", "BROKER") if name in by_name],
    }


async def controller_status(services: Services, connection_id: str, controller: str) -> dict[str, Any]:
    """``MESHSYNC`` or ``BROKER`` as GraphQL's ``OperatorControllerStatus``."""
    return await controllers.controller_status(services, connection_id, controller)


def default_config(services: Services) -> dict[str, Any]:
    """What a Kubernetes connection uses unless its own controller configuration overrides it."""
    settings = services.settings
    mode = settings.meshsync_default_deployment_mode
    return {
        "schemaVersion": SCHEMA_VERSION,
        "operator": {
            "enabled": not settings.disable_operator,
            "deploymentMode": mode,
            "image": OPERATOR_IMAGE,
            "version": OPERATOR_IMAGE.rpartition(":")[2],
        },
        "meshsync": {"deploymentMode": mode, "version": "embedded" if mode == "embedded" else "", "replicas": 1},
        "broker": {"url": settings.nats_url or "", "version": "", "replicas": 1 if settings.nats_url else 0},
    }
