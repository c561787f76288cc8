"""In-memory object store: one global resourceVersion counter, an event history and watchers.

Every write bumps the counter, stamps the object, appends an event to a bounded history and
hands it to the matching watchers. Watches resume from any resourceVersion still in the history;
older ones are "compacted" and answered with 410 Expired (``compact()`` forces that in tests).
All methods are thread-safe, so tests may seed objects from their own thread while the server
runs in another. Objects are never mutated after they are stored: writes store new dicts, so events
and stored objects can be shared without copying.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.kubeemu import errors
from tests.kubeemu.resources import CRD_KEY, NAMESPACE_KEY, Catalog, ResourceType

Key = tuple[str, str]
Obj = dict[str, Any]

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Event:
    rv: int
    key: Key
    type: str  # ADDED, MODIFIED, DELETED
    obj: Obj
    old: Obj | None = None


@dataclass(eq=False)
class Watcher:
    """One open watch; events are pushed onto ``queue`` from any thread (``None`` ends it)."""

    key: Key
    namespace: str | None
    matches: Callable[[Obj], bool]
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)

    def push(self, item: Event | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the watch is gone anyway
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def view(self, event: Event) -> Event | None:
        """The event as this watch sees it (an update out of a selector is a DELETED), or None."""
        if event.key != self.key:
            return None
        ns = event.obj.get("metadata", {}).get("namespace")
        if self.namespace is not None and ns != self.namespace:
            return None
        new_ok = self.matches(event.obj)
        if event.type == "MODIFIED" and event.old is not None:
            old_ok = self.matches(event.old)
            if old_ok and not new_ok:
                return Event(event.rv, event.key, "DELETED", event.obj)
            if new_ok and not old_ok:
                return Event(event.rv, event.key, "ADDED", event.obj)
        return event if new_ok else None

    def offer(self, event: Event) -> None:
        seen = self.view(event)
        if seen is not None:
            self.push(seen)


class Store:
    """Objects by (group, plural) then (namespace, name); namespace is "" for cluster-scoped kinds."""

    def __init__(self, catalog: Catalog, *, history_size: int = 10_000, cluster_name: str = "kubeemu") -> None:
        self.catalog = catalog
        self.lock = threading.RLock()
        self.rv = 0
        self.objects: dict[Key, dict[tuple[str, str], Obj]] = {}
        self.history: deque[Event] = deque()
        self.history_size = history_size
        #: Watches may resume from any resourceVersion >= floor.
        self.floor = 0
        self.watchers: set[Watcher] = set()
        self._dependents: dict[str, set[tuple[Key, str, str]]] = {}
        self.cluster_name = cluster_name
        self.require_namespace = True
        self._bootstrap()

    # --- bootstrap ---------------------------------------------------------------------------

    def stable_uid(self, what: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kubeemu://{self.cluster_name}/{what}"))

    def _bootstrap(self) -> None:
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.seed(
                [
                    {
                        "apiVersion": "v1",
                        "kind": "Namespace",
                        "metadata": {
                            "name": ns,
                            "uid": self.stable_uid(f"namespaces/{ns}"),
                            "labels": {"kubernetes.io/metadata.name": ns},
                        },
                        "spec": {"finalizers": ["kubernetes"]},
                        "status": {"phase": "Active"},
                    }
                ],
                events=False,
            )
        self.seed(
            [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver"}},
                    "spec": {
                        "type": "ClusterIP",
                        "clusterIP": "10.96.0.1",
                        "clusterIPs": ["10.96.0.1"],
                        "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                    },
                    "status": {"loadBalancer": {}},
                },
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "name": "kubeemu-node",
                        "labels": {"kubernetes.io/hostname": "kubeemu-node", "kubernetes.io/os": "linux"},
                    },
                    "spec": {},
                    "status": {
                        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                        "nodeInfo": {
                            "kubeletVersion": "v1.32.0",
                            "architecture": "amd64",
                            "operatingSystem": "linux",
                            "osImage": "kubeemu",
                            "containerRuntimeVersion": "kubeemu://1",
                            "kernelVersion": "",
                            "kubeProxyVersion": "",
                            "machineID": "",
                            "systemUUID": "",
                            "bootID": "",
                        },
                    },
                },
            ],
            events=False,
        )

    # --- reads ---------------------------------------------------------------------------------

    @property
    def cluster_id(self) -> str:
        """The UID of namespace kube-system (MeshSync's cluster id)."""
        return str(self.objects[NAMESPACE_KEY][("", "kube-system")]["metadata"]["uid"])

    def get(self, rt: ResourceType, namespace: str, name: str) -> Obj:
        with self.lock:
            obj = self.objects.get(rt.key, {}).get((namespace, name))
        if obj is None:
            raise errors.not_found(rt.group, rt.plural, name)
        return obj

    def find(self, rt: ResourceType, namespace: str, name: str) -> Obj | None:
        with self.lock:
            return self.objects.get(rt.key, {}).get((namespace, name))

    def select(
        self,
        rt: ResourceType,
        namespace: str | None,
        matches: Callable[[Obj], bool] | None = None,
    ) -> tuple[list[Obj], int]:
        """Matching objects sorted by (namespace, name), and the list's resourceVersion."""
        with self.lock:
            bucket = self.objects.get(rt.key, {})
            keys = sorted(bucket) if namespace is None else sorted(k for k in bucket if k[0] == namespace)
            items = [bucket[k] for k in keys]
            rv = self.rv
        if matches is not None:
            items = [o for o in items if matches(o)]
        return items, rv

    def count(self) -> int:
        with self.lock:
            return sum(len(b) for b in self.objects.values())

    # --- writes --------------------------------------------------------------------------------

    def mutate(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        change: Callable[[Obj | None], Obj | None],
        *,
        dry_run: bool = False,
    ) -> tuple[Obj | None, bool]:
        """Atomically replace one object with ``change(current)`` (current is None when absent).

        ``change`` returns the new object, or None to leave things as they are. Returns the stored
        result and whether the object was created.
        """
        with self.lock:
            current = self.objects.get(rt.key, {}).get((namespace, name))
            new = change(copy.deepcopy(current) if current is not None else None)
            if new is None:
                return current, False
            if current is None:
                self._prepare_create(rt, namespace, new)
            else:
                self._prepare_update(rt, current, new)
            if dry_run:
                return new, current is None
            return self._commit(rt, namespace, name, new, current), current is None

    def _prepare_create(self, rt: ResourceType, namespace: str, obj: Obj) -> None:
        meta = obj.setdefault("metadata", {})
        name = meta.get("name", "")
        if rt.namespaced:
            if (
                self.require_namespace
                and (rt.key != NAMESPACE_KEY)
                and (("", namespace) not in self.objects.get(NAMESPACE_KEY, {}))
            ):
                raise errors.not_found("", "namespaces", namespace)
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        validate_name(rt, name)
        meta["uid"] = meta.get("uid") or str(uuid.uuid4())
        meta["creationTimestamp"] = meta.get("creationTimestamp") or now()
        meta["generation"] = 1
        meta.pop("resourceVersion", None)
        meta.pop("deletionTimestamp", None)
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind
        _defaults(rt, obj, self)

    def _prepare_update(self, rt: ResourceType, current: Obj, new: Obj) -> None:
        meta = new.setdefault("metadata", {})
        old_meta = current["metadata"]
        for fixed in ("uid", "creationTimestamp", "name", "namespace"):
            if fixed in old_meta:
                meta[fixed] = old_meta[fixed]
            else:
                meta.pop(fixed, None)
        if "deletionTimestamp" in old_meta:
            meta["deletionTimestamp"] = old_meta["deletionTimestamp"]
        new["apiVersion"] = rt.api_version
        new["kind"] = rt.kind
        spec_old = {k: v for k, v in current.items() if k not in ("metadata", "status", "apiVersion", "kind")}
        spec_new = {k: v for k, v in new.items() if k not in ("metadata", "status", "apiVersion", "kind")}
        generation = int(old_meta.get("generation") or 1)
        meta["generation"] = generation + 1 if spec_old != spec_new else generation

    def _commit(self, rt: ResourceType, namespace: str, name: str, new: Obj, old: Obj | None) -> Obj:
        meta = new["metadata"]
        if old is not None and meta.get("deletionTimestamp") and not meta.get("finalizers"):
            return self._remove(rt.key, namespace, name, old, new)
        self.rv += 1
        meta["resourceVersion"] = str(self.rv)
        self.objects.setdefault(rt.key, {})[(namespace, name)] = new
        self._index_owners(rt.key, namespace, name, old, new)
        self._record(Event(self.rv, rt.key, "ADDED" if old is None else "MODIFIED", new, old))
        if rt.key == CRD_KEY:
            self.catalog.register_crd(new)
            new = self._crd_established(new)
        return new

    def _crd_established(self, crd: Obj) -> Obj:
        names = (crd.get("spec") or {}).get("names") or {}
        status = crd.get("status") or {}
        if status.get("acceptedNames") == names and status.get("conditions"):
            return crd
        stamp = now()
        updated = copy.deepcopy(crd)
        updated["status"] = {
            "acceptedNames": names,
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "reason": "NoConflicts",
                    "lastTransitionTime": stamp,
                    "message": "no conflicts found",
                },
                {
                    "type": "Established",
                    "status": "True",
                    "reason": "InitialNamesAccepted",
                    "lastTransitionTime": stamp,
                    "message": "the initial names have been accepted",
                },
            ],
            "storedVersions": [
                v.get("name") for v in (crd.get("spec") or {}).get("versions") or [] if v.get("storage")
            ],
        }
        self.rv += 1
        updated["metadata"]["resourceVersion"] = str(self.rv)
        self.objects[CRD_KEY][("", crd["metadata"]["name"])] = updated
        self._record(Event(self.rv, CRD_KEY, "MODIFIED", updated, crd))
        return updated

    def _remove(self, key: Key, namespace: str, name: str, old: Obj, final: Obj | None = None) -> Obj:
        gone = copy.deepcopy(final if final is not None else old)
        self.rv += 1
        gone["metadata"]["resourceVersion"] = str(self.rv)
        self.objects.get(key, {}).pop((namespace, name), None)
        self._index_owners(key, namespace, name, old, None)
        self._record(Event(self.rv, key, "DELETED", gone))
        if key == CRD_KEY:
            self._drop_custom_resources(gone)
            self.catalog.unregister_crd(name)
        if key == NAMESPACE_KEY:
            for other_key, bucket in list(self.objects.items()):
                for ns, obj_name in [k for k in bucket if k[0] == name]:
                    self._remove(other_key, ns, obj_name, bucket[(ns, obj_name)])
        return gone

    def _drop_custom_resources(self, crd: Obj) -> None:
        spec = crd.get("spec") or {}
        key = (str(spec.get("group") or ""), str((spec.get("names") or {}).get("plural") or ""))
        for (ns, obj_name), obj in list(self.objects.get(key, {}).items()):
            self._remove(key, ns, obj_name, obj)

    def delete(
        self,
        rt: ResourceType,
        namespace: str,
        name: str,
        *,
        propagation: str = "Background",
        uid: str | None = None,
        resource_version: str | None = None,
        dry_run: bool = False,
    ) -> tuple[Obj, bool]:
        """Delete (or mark for deletion when finalizers remain); returns (object, removed)."""
        with self.lock:
            current = self.objects.get(rt.key, {}).get((namespace, name))
            if current is None:
                raise errors.not_found(rt.group, rt.plural, name)
            meta = current["metadata"]
            if uid is not None and meta.get("uid") != uid:
                raise errors.conflict(
                    rt.group, rt.plural, name, "Precondition failed: UID in precondition does not match"
                )
            if resource_version is not None and meta.get("resourceVersion") != resource_version:
                raise errors.conflict(
                    rt.group,
                    rt.plural,
                    name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                )
            if dry_run:
                return current, False
            if meta.get("finalizers"):
                if meta.get("deletionTimestamp"):
                    return current, False
                marked = copy.deepcopy(current)
                marked["metadata"]["deletionTimestamp"] = now()
                marked["metadata"]["deletionGracePeriodSeconds"] = 0
                return self._commit(rt, namespace, name, marked, current), False
            gone = self._remove(rt.key, namespace, name, current)
            self._collect_dependents(str(meta.get("uid")), propagation)
            return gone, True

    def _collect_dependents(self, owner_uid: str, propagation: str) -> None:
        for key, namespace, name in sorted(self._dependents.get(owner_uid, set())):
            obj = self.objects.get(key, {}).get((namespace, name))
            if obj is None:
                continue
            if propagation == "Orphan":
                orphan = copy.deepcopy(obj)
                refs = [r for r in orphan["metadata"].get("ownerReferences", []) if r.get("uid") != owner_uid]
                if refs:
                    orphan["metadata"]["ownerReferences"] = refs
                else:
                    orphan["metadata"].pop("ownerReferences", None)
                rt = self.catalog.by_key(key)
                if rt is not None:
                    self._commit(rt, namespace, name, orphan, obj)
            else:
                rt = self.catalog.by_key(key)
                if rt is not None:
                    with contextlib.suppress(errors.ApiError):
                        self.delete(rt, namespace, name, propagation=propagation)

    def _index_owners(self, key: Key, namespace: str, name: str, old: Obj | None, new: Obj | None) -> None:
        entry = (key, namespace, name)
        for obj, add in ((old, False), (new, True)):
            if obj is None:
                continue
            for ref in obj["metadata"].get("ownerReferences") or []:
                owner = str(ref.get("uid", ""))
                if add:
                    self._dependents.setdefault(owner, set()).add(entry)
                else:
                    deps = self._dependents.get(owner)
                    if deps is not None:
                        deps.discard(entry)
                        if not deps:
                            del self._dependents[owner]

    # --- events and watches ------------------------------------------------------------------

    def _record(self, event: Event) -> None:
        if self.history_size <= 0:
            self.floor = event.rv
        else:
            if len(self.history) >= self.history_size:
                self.floor = self.history.popleft().rv
            self.history.append(event)
        for watcher in list(self.watchers):
            watcher.offer(event)

    def compact(self) -> int:
        """Forget the event history: watches from any older resourceVersion now get 410 Expired."""
        with self.lock:
            self.history.clear()
            self.floor = self.rv
            return self.rv

    def watch(
        self,
        rt: ResourceType,
        namespace: str | None,
        matches: Callable[[Obj], bool],
        since: int | None,
        loop: asyncio.AbstractEventLoop,
    ) -> tuple[Watcher, list[Event], int]:
        """Open a watch; returns it, the events to send first and the resourceVersion it opened at.

        ``since`` None means "from now, starting with the current objects as ADDED".
        """
        with self.lock:
            watcher = Watcher(rt.key, namespace, matches, loop)
            if since is None:
                items, _ = self.select(rt, namespace, matches)
                backlog = [Event(int(o["metadata"]["resourceVersion"]), rt.key, "ADDED", o) for o in items]
            else:
                if since < self.floor:
                    raise errors.expired(f"too old resource version: {since} ({self.floor})")
                backlog = [
                    seen for event in self.history if event.rv > since and (seen := watcher.view(event)) is not None
                ]
            self.watchers.add(watcher)
            return watcher, backlog, self.rv

    def request_bookmark(self, watcher: Watcher) -> None:
        """Queue a BOOKMARK marker at the current resourceVersion behind the events already queued."""
        with self.lock:
            watcher.push(Event(self.rv, watcher.key, "BOOKMARK", {}))

    def unwatch(self, watcher: Watcher) -> None:
        with self.lock:
            self.watchers.discard(watcher)

    def close_watches(self) -> None:
        with self.lock:
            watchers, self.watchers = self.watchers, set()
        for watcher in watchers:
            watcher.push(None)

    # --- seeding -------------------------------------------------------------------------------

    def seed(self, objects: Iterable[Obj], *, events: bool = True) -> int:
        """Store objects directly (no validation beyond kind lookup); namespaces appear as needed."""
        count = 0
        with self.lock:
            for obj in objects:
                rt = self.catalog.by_kind(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
                if rt is None:
                    raise ValueError(f"unknown kind {obj.get('apiVersion')}/{obj.get('kind')}")
                meta = obj.setdefault("metadata", {})
                namespace = str(meta.get("namespace") or "default") if rt.namespaced else ""
                if rt.namespaced and ("", namespace) not in self.objects.get(NAMESPACE_KEY, {}):
                    self.seed(
                        [
                            {
                                "apiVersion": "v1",
                                "kind": "Namespace",
                                "metadata": {"name": namespace},
                                "status": {"phase": "Active"},
                            }
                        ],
                        events=events,
                    )
                if rt.namespaced:
                    meta["namespace"] = namespace
                meta.setdefault("uid", str(uuid.uuid4()))
                meta.setdefault("creationTimestamp", now())
                meta.setdefault("generation", 1)
                name = str(meta["name"])
                old = self.objects.get(rt.key, {}).get((namespace, name))
                self.rv += 1
                meta["resourceVersion"] = str(self.rv)
                self.objects.setdefault(rt.key, {})[(namespace, name)] = obj
                self._index_owners(rt.key, namespace, name, old, obj)
                if rt.key == CRD_KEY:
                    self.catalog.register_crd(obj)
                if events:
                    self._record(Event(self.rv, rt.key, "ADDED" if old is None else "MODIFIED", obj, old))
                else:
                    self.floor = self.rv
                count += 1
        return count


def validate_name(rt: ResourceType, name: str) -> None:
    if not name:
        raise errors.invalid(
            rt.group, rt.kind, name, [("metadata.name", "Required value: name or generateName is required")]
        )
    pattern = _LABEL_RE if rt.key == NAMESPACE_KEY else _NAME_RE
    if len(name) > 253 or not pattern.match(name):
        raise errors.invalid(
            rt.group,
            rt.kind,
            name,
            [
                (
                    "metadata.name",
                    f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case '
                    "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                )
            ],
        )


_cluster_ip = [0]


def _defaults(rt: ResourceType, obj: Obj, store: Store) -> None:
    """The few defaults clients rely on (no controllers run here)."""
    if rt.key == NAMESPACE_KEY:
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj.setdefault("status", {"phase": "Active"})
        labels = obj["metadata"].setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"]["name"])
    elif rt.key == ("", "pods"):
        obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    elif rt.key == ("", "services"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if spec.get("clusterIP") != "None":
            with store.lock:
                _cluster_ip[0] += 1
                n = _cluster_ip[0]
            ip = f"10.96.{(n // 250) % 250}.{n % 250 + 2}"
            spec.setdefault("clusterIP", ip)
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("sessionAffinity", "None")
        obj.setdefault("status", {"loadBalancer": {}})
    elif rt.key == ("", "secrets"):
        obj.setdefault("type", "Opaque")
