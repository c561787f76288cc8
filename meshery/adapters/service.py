"""What the adapters routes do: list, ping, add, remove, run operations, deploy.

One ``AdapterRuntime`` per server (``Services.adapters``) holds the tracker, the event relay,
the users' lists (``preferences``), the kubeconfig lookup and the local deployer. Every failure
is raised as a catalogued error; nothing here returns a gRPC error to a handler.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from generated import errors
from generated.meshes import meshops_pb2 as pb
from meshery import adapter_address as address
from meshery import users
from meshery.adapters.client import (
    AdapterCallFailed,
    AdapterClient,
    AdapterError,
    AdapterInfo,
    AdapterProtocolError,
    Operation,
)
from meshery.adapters.deploy import SAMPLE, LocalDeployer
from meshery.adapters.kubeconfigs import ConnectionKubeconfigs, ContextNotFound, FolderKubeconfigs, KubeconfigSource
from meshery.adapters.preferences import AdapterPreferences, SavedAdapter, StoredAdapterPreferences
from meshery.adapters.relay import EventRelay, OperationOwners
from meshery.adapters.tracker import AdapterState, AdapterTracker
from meshery.context import RequestContext, Services
from meshery.events import NewEvent, raise_event
from meshery.store import adapters as adapter_store

log = logging.getLogger(__name__)

SAMPLE_PORT = 10020
#: Upstream's list of known adapters (name, default port), plus the sample adapter shipped here.
AVAILABLE: tuple[tuple[str, str], ...] = (
    ("meshery-istio", "10000"), ("meshery-linkerd", "10001"), ("meshery-consul", "10002"),
    ("meshery-kuma", "10007"), ("meshery-nsm", "10004"), ("meshery-nginx-sm", "10010"),
    ("meshery-app-mesh", "10005"), ("meshery-cilium", "10012"), ("meshery-traefik-mesh", "10006"),
    ("meshery-nighthawk", "10013"), (SAMPLE, str(SAMPLE_PORT)),
)
CATEGORY_NAMES = {0: "Service Mesh", 1: "Sample Applications", 2: "Configuration", 4: "Custom Operations"}


@dataclass
class AdapterRuntime:
    tracker: AdapterTracker
    owners: OperationOwners
    preferences: AdapterPreferences
    kubeconfigs: KubeconfigSource
    deployer: LocalDeployer = field(default_factory=LocalDeployer)
    #: Locations every user may use: ADAPTER_URLS and adapters deployed with changeAdapterStatus.
    configured: set[str] = field(default_factory=set)


# --- lifecycle ---------------------------------------------------------------------------------


async def start(services: Services) -> AdapterRuntime:
    """Build the runtime and start watching ``ADAPTER_URLS`` (the users' lists follow once the database is ready)."""
    owners = OperationOwners()
    settings = services.settings
    tracker = AdapterTracker(on_event=EventRelay(services, owners), allow_remote=not settings.adapter_loopback_only)
    runtime = AdapterRuntime(
        tracker=tracker,
        owners=owners,
        preferences=StoredAdapterPreferences(services.store),
        kubeconfigs=ConnectionKubeconfigs(services, FolderKubeconfigs(settings.kubeconfig_folder)),
    )
    services.adapters = runtime
    for url in settings.adapter_urls:
        try:
            tracker.add(url)
            runtime.configured.add(address.normalize(url))
        except address.InvalidLocation as exc:
            err: errors.MesheryError = (
                errors.ErrAdapterNotAllowed(str(exc))
                if isinstance(exc, address.LocationNotAllowed)
                else errors.ErrAdapterLocationInvalid(str(exc))
            )
            log.error("ADAPTER_URLS: %s: %s", err.code, err.message)
    return runtime


async def load_saved(services: Services) -> None:
    """Watch every adapter in any user's list (called once the database is migrated)."""
    runtime = _runtime(services)
    for location in await runtime.preferences.locations():
        try:
            runtime.tracker.add(location)
        except address.InvalidLocation as exc:
            log.warning("skipping a saved adapter: %s", exc)


async def stop(services: Services) -> None:
    runtime = services.adapters
    if runtime is not None:
        await runtime.tracker.stop()
        await runtime.deployer.stop()


def _runtime(services: Services) -> AdapterRuntime:
    if services.adapters is None:
        raise errors.ErrDatabaseNotReady("adapters are not started yet")
    runtime: AdapterRuntime = services.adapters
    return runtime


# --- values by Python name (the answer schemas name them on the wire) -----------------------------


def _ops(operations: Iterable[Operation]) -> list[dict[str, Any]]:
    return [{"key": o.key, "value": o.value, "category": o.category} for o in operations]


def _state_view(state: AdapterState) -> dict[str, Any]:
    return {
        "adapter_location": state.location, "name": state.name, "version": state.version,
        "git_commit_sha": state.git_commit_sha, "ops": _ops(state.operations),
        "health": state.health, "service": state.service, "error": state.error,
    }


def _saved_view(saved: SavedAdapter, state: AdapterState | None) -> dict[str, Any]:
    body = {
        "adapter_location": saved.location, "name": saved.name, "version": saved.version,
        "git_commit_sha": saved.git_commit_sha, "ops": _ops(saved.operations),
    }
    if state is not None:
        body.update(health=state.health, service=state.service, error=state.error)
    return body


def available() -> list[dict[str, Any]]:
    return [
        {"adapter_location": port, "name": name, "version": "", "git_commit_sha": "", "ops": None}
        for name, port in AVAILABLE
    ]


def categorize(operations: Iterable[Operation]) -> dict[str, Any]:
    """Operations grouped by category the way upstream's adapter-registered event shows them."""
    result: dict[str, Any] = {}
    config: dict[str, list[str]] = {}
    for op in operations:
        if op.category == pb.VALIDATE:
            continue
        if op.category == pb.CONFIGURE:
            for prefix, group in (("Add-on:", "Add-ons"), ("Policy:", "Policies")):
                if op.value.startswith(prefix):
                    config.setdefault(group, []).append(op.value[len(prefix):].strip())
                    break
            else:
                config.setdefault("Other", []).append(op.value)
        else:
            result.setdefault(CATEGORY_NAMES.get(op.category, "Custom Operations"), []).append(op.value)
    if config:
        result["Configuration"] = config
    return result


# --- errors --------------------------------------------------------------------------------------


def _location(runtime: AdapterRuntime, raw: str) -> str:
    try:
        runtime.tracker.check(raw)
        return address.normalize(raw)
    except address.LocationNotAllowed as exc:
        raise errors.ErrAdapterNotAllowed(str(exc)) from None
    except address.InvalidLocation as exc:
        raise errors.ErrAdapterLocationInvalid(str(exc)) from None


def _adapter_error(exc: AdapterError) -> errors.MesheryError:
    if isinstance(exc, AdapterProtocolError):
        return errors.ErrAdapterProtocol(str(exc))
    if isinstance(exc, AdapterCallFailed):
        client_side = exc.code in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND", "OUT_OF_RANGE")
        return errors.ErrAdapterOperationFailed(str(exc), status=400 if client_side else None)
    return errors.ErrAdapterUnavailable(str(exc))


async def _describe(location: str) -> AdapterInfo:
    client = AdapterClient(address.parse(location))
    try:
        return await client.describe()
    except AdapterError as exc:
        raise _adapter_error(exc) from None
    finally:
        await client.close()


# --- routes ----------------------------------------------------------------------------------------


def list_adapters(services: Services) -> list[dict[str, Any]]:
    return [_state_view(s) for s in _runtime(services).tracker.states()]


async def _user_list(runtime: AdapterRuntime, user_id: str) -> list[SavedAdapter]:
    return await runtime.preferences.list(user_id)


async def preference_locations(ctx: RequestContext | None) -> set[str]:
    """Locations in the user's preferences (``meshAdapters``), e.g. set by the UI with POST /api/user/prefs."""
    if ctx is None or ctx.user is None:
        return set()
    try:
        prefs = await users.preferences(ctx)
    except errors.MesheryError as exc:
        log.warning("preferences unavailable for the adapter list: %s", exc.message)
        return set()
    found = set()
    for entry in prefs.get("meshAdapters") or []:
        if isinstance(entry, dict) and isinstance(entry.get("adapter_location"), str):
            try:
                found.add(address.normalize(entry["adapter_location"]))
            except address.InvalidLocation:
                continue
    return found


async def _known(runtime: AdapterRuntime, user_id: str, location: str, ctx: RequestContext | None = None) -> bool:
    if location in runtime.configured:
        return True
    if any(s.location == location for s in await _user_list(runtime, user_id)):
        return True
    return location in await preference_locations(ctx)


async def mirror_to_preferences(ctx: RequestContext | None, adapters: list[dict[str, Any]]) -> None:
    """Keep the user's preferences (``meshAdapters``, synced to a remote provider) equal to their list."""
    if ctx is None or ctx.user is None:
        return
    upstream = [{k: a[k] for k in ("adapter_location", "name", "version", "git_commit_sha", "ops")} for a in adapters]
    try:
        await users.record_preferences(ctx, {"meshAdapters": upstream})
    except errors.MesheryError as exc:
        log.warning("the adapter list was saved but not mirrored to preferences: %s", exc.message)


async def ping(services: Services, user_id: str, raw: str, ctx: RequestContext | None = None) -> None:
    runtime = _runtime(services)
    location = _location(runtime, raw)
    if not await _known(runtime, user_id, location, ctx):
        raise errors.ErrAdapterNotConfigured(f"{location} is not in your adapters")
    client = runtime.tracker.client(location)
    temporary = client is None
    client = client or AdapterClient(address.parse(location))
    try:
        await client.ping()
    except AdapterError as exc:
        raise _adapter_error(exc) from None
    finally:
        if temporary:
            await client.close()


async def user_adapters(services: Services, user_id: str) -> list[dict[str, Any]]:
    runtime = _runtime(services)
    return [_saved_view(s, runtime.tracker.get(s.location)) for s in await _user_list(runtime, user_id)]


async def add_adapter(services: Services, user_id: str, raw: str) -> list[dict[str, Any]]:
    runtime = _runtime(services)
    location = _location(runtime, raw)
    if any(s.location == location for s in await _user_list(runtime, user_id)):
        await _event(services, user_id, "register", "informational",
                     f"An adapter is already configured at {location}", metadata={"location": location})
        return await user_adapters(services, user_id)
    try:
        info = await _describe(location)
    except (errors.ErrAdapterUnavailable, errors.ErrAdapterProtocol) as exc:
        # The location is the caller's input: nothing usable there is a client-side problem.
        await _event(services, user_id, "register", "error", "Error adding Adapter",
                     metadata={"location": location, "Details": exc.message, "code": exc.code})
        raise errors.ErrAdapterUnreachable(exc.detail) from None
    except errors.MesheryError as exc:
        await _event(services, user_id, "register", "error", "Error adding Adapter",
                     metadata={"location": location, "Details": exc.message, "code": exc.code})
        raise
    saved = SavedAdapter(location=location, name=info.name, version=info.version,
                         git_commit_sha=info.git_commit_sha, operations=info.operations)
    await runtime.preferences.add(user_id, saved)
    runtime.tracker.add(location)
    description = f"{info.name} Adapter ({info.version}) configured"
    await _event(services, user_id, "register", "success", description, metadata={
        "adapter_name": info.name, "version": info.version, "location": location,
        "manifest": categorize(info.operations),
    })
    return await user_adapters(services, user_id)


async def remove_adapter(services: Services, user_id: str, raw: str) -> list[dict[str, Any]]:
    runtime = _runtime(services)
    location = _location(runtime, raw)
    saved = next((s for s in await _user_list(runtime, user_id) if s.location == location), None)
    if saved is None or not await runtime.preferences.remove(user_id, location):
        raise errors.ErrAdapterNotConfigured(f"{location} is not in your adapters")
    if location not in runtime.configured and location not in await runtime.preferences.locations():
        await runtime.tracker.remove(location)
    await _event(
        services, user_id, "unregister", "success", f"Removed {saved.name} Adapter", metadata={"location": location}
    )
    return await user_adapters(services, user_id)


async def run_operation(
    services: Services,
    user_id: str,
    *,
    adapter: str,
    query: str,
    custom_body: str,
    namespace: str,
    delete_op: bool,
    version: str,
    contexts: list[str],
    ctx: RequestContext | None = None,
) -> dict[str, Any]:
    runtime = _runtime(services)
    location = _location(runtime, adapter)
    if not await _known(runtime, user_id, location, ctx):
        raise errors.ErrAdapterNotConfigured(f"{location} is not in your adapters")
    runtime.tracker.add(location)
    state = runtime.tracker.get(location)
    if state is not None and state.health == "up":
        operations = state.operations
    else:
        operations = (await _describe(location)).operations
    if not any(op.key == query for op in operations):
        known = ", ".join(op.key for op in operations) or "none"
        raise errors.ErrAdapterOperationUnknown(f"{query!r} is not an operation of {location} (it offers: {known})")
    try:
        kubeconfigs = await runtime.kubeconfigs.kubeconfigs(user_id, contexts)
    except ContextNotFound as exc:
        raise errors.ErrAdapterContextNotFound(str(exc)) from None
    operation_id = str(uuid.uuid4())
    runtime.owners.record(operation_id, user_id)
    await adapter_store.record_operation(services.store, operation_id, user_id, location, query)
    client = runtime.tracker.client(location)
    assert client is not None
    request = pb.ApplyRuleRequest(
        opName=query, namespace=namespace or "default", username=user_id, custom_body=custom_body,
        delete_op=delete_op, operation_id=operation_id, kube_configs=kubeconfigs, version=version,
    )
    try:
        await client.apply(request)
    except AdapterError as exc:
        raise _adapter_error(exc) from None
    verb = "undo" if delete_op else "run"
    return {"operation_id": operation_id,
            "message": f"{location} accepted {query!r} ({verb}) for {len(kubeconfigs)} context(s)"}


async def change_status(services: Services, user_id: str | None, *, target: str, adapter: str, port: str) -> str:
    """Deploy (ENABLED) or undeploy (DISABLED) an adapter on this host; answers PROCESSING."""
    runtime = _runtime(services)
    if not adapter and not port:
        raise errors.ErrAdapterStatusInput("give the adapter's name, its port, or both")
    if not port:
        port = next((p for n, p in AVAILABLE if n == adapter), "")
        if not port:
            raise errors.ErrAdapterStatusInput(f"{adapter!r} is not a known adapter, so its port is unknown")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise errors.ErrAdapterStatusInput(f"targetPort {port!r} is not a port number")
    if target not in ("ENABLED", "DISABLED"):
        raise errors.ErrAdapterStatusInput(f"targetStatus must be ENABLED or DISABLED, not {target}")
    location = f"localhost:{int(port)}"
    if target == "ENABLED":
        started = await runtime.deployer.deploy(adapter, int(port))
        runtime.configured.add(location)
        runtime.tracker.add(location)
        description = f"{'Started' if started else 'Watching'} adapter {adapter or location} at {location}"
    else:
        await runtime.deployer.undeploy(int(port))
        runtime.configured.discard(location)
        if location not in await runtime.preferences.locations():
            await runtime.tracker.remove(location)
        description = f"Undeployed adapter {adapter or location} at {location}"
    await _event(services, user_id, "deploy" if target == "ENABLED" else "undeploy", "informational", description,
                 metadata={"location": location, "adapter_name": adapter})
    return "PROCESSING"


async def _event(
    services: Services, user_id: str | None, action: str, severity: Any, description: str, *, metadata: dict[str, Any]
) -> None:
    await raise_event(services, NewEvent(category="adapter", action=action, severity=severity,
                                         description=description, user_id=user_id, metadata=metadata))
