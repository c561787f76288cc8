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
import bisect
import contextlib
import copy
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from tests.kubeemu import errors, validate
from tests.kubeemu.defaults import apply_defaults, validate_name
from tests.kubeemu.events import Event, Key, Obj, Watcher, now
from tests.kubeemu.resources import CRD_KEY, NAMESPACE_KEY, Catalog, ResourceType

__all__ = ["Event", "Key", "Obj", "Store", "Watcher", "now"]

_log = logging.getLogger("tests.kubeemu")


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
        #: The last explicit ``compact()``: list continue tokens from before it expire (410).
        self.compacted = 0
        self.watchers: set[Watcher] = set()
        #: While set (``missed_by_watches``), watches miss every write: no events, no bookmarks, no history.
        self.watches_behind = False
        self._dependents: dict[str, set[tuple[Key, str, str]]] = {}
        self._sorted: dict[Key, list[tuple[str, str]]] = {}
        #: Called with every event once the write that caused it is complete (see ``transaction``).
        self.reactors: list[Callable[[Event], None]] = []
        self._pending: deque[Event] = deque()
        self._depth = 0
        self._reacting = False
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

    def _keys(self, key: Key, namespace: str | None) -> list[tuple[str, str]]:
        """Sorted (namespace, name) keys of one bucket (cached until an object comes or goes)."""
        keys = self._sorted.get(key)
        if keys is None:
            keys = self._sorted[key] = sorted(self.objects.get(key, {}))
        if namespace is None:
            return keys
        return keys[bisect.bisect_left(keys, (namespace, "")) : bisect.bisect_left(keys, (namespace + "\x00", ""))]

    def select(
        self,
        rt: ResourceType,
        namespace: str | None,
        matches: Callable[[Obj], bool] | None = None,
    ) -> tuple[list[Obj], int]:
        """Matching objects sorted by (namespace, name), and the list's resourceVersion."""
        items, rv, _ = self.page(rt, namespace, matches)
        return items, rv

    def page(
        self,
        rt: ResourceType,
        namespace: str | None,
        matches: Callable[[Obj], bool] | None = None,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 0,
    ) -> tuple[list[Obj], int, int | None]:
        """Up to ``limit`` (0: all) matching objects after key ``after``, the resourceVersion, and how
        many match beyond the page (None when the page is the last one or that count is unknown)."""
        with self.lock:
            bucket = self.objects.get(rt.key, {})
            keys = self._keys(rt.key, namespace)
            if after is not None:
                keys = keys[bisect.bisect_right(keys, after) :]
            objects = [bucket[k] for k in keys]
            rv = self.rv
        if matches is None:
            if 0 < limit < len(objects):
                return objects[:limit], rv, len(objects) - limit
            return objects, rv, None
        items: list[Obj] = []
        for n, obj in enumerate(objects):
            if matches(obj):
                if 0 < limit <= len(items):
                    rest = sum(1 for o in objects[n:] if matches(o))
                    return items, rv, rest
                items.append(obj)
        return items, rv, None

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
        with self.transaction():
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

    def _validate(self, rt: ResourceType, obj: Obj) -> None:
        found = validate.problems(rt, obj)
        if found:
            name = obj.get("metadata", {}).get("name", "") if isinstance(obj.get("metadata"), dict) else ""
            raise errors.invalid(rt.group, rt.kind, str(name), found)

    def _prepare_create(self, rt: ResourceType, namespace: str, obj: Obj) -> None:
        self._validate(rt, obj)
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
        apply_defaults(rt, obj)

    def _prepare_update(self, rt: ResourceType, current: Obj, new: Obj) -> None:
        self._validate(rt, new)
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
        if old is None:
            self._sorted.pop(rt.key, None)
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
        if key == NAMESPACE_KEY:  # its content goes first, as the namespace controller does it
            for other_key, bucket in list(self.objects.items()):
                for ns, obj_name in [k for k in bucket if k[0] == name]:
                    if other_key != NAMESPACE_KEY:
                        self._remove(other_key, ns, obj_name, bucket[(ns, obj_name)])
        gone = copy.deepcopy(final if final is not None else old)
        self.rv += 1
        gone["metadata"]["resourceVersion"] = str(self.rv)
        self.objects.get(key, {}).pop((namespace, name), None)
        self._sorted.pop(key, None)
        self._index_owners(key, namespace, name, old, None)
        self._record(Event(self.rv, key, "DELETED", gone))
        if key == CRD_KEY:
            self._drop_custom_resources(gone)
            self.catalog.unregister_crd(name)
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
        with self.transaction():
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
            if rt.key == NAMESPACE_KEY:
                current = self._terminating(current)
            gone = self._remove(rt.key, namespace, name, current)
            self._collect_dependents(str(meta.get("uid")), propagation)
            return gone, True

    def _terminating(self, namespace: Obj) -> Obj:
        """Record a namespace going Terminating (watchers see it) before its content and it go."""
        marked = copy.deepcopy(namespace)
        marked["metadata"]["deletionTimestamp"] = now()
        marked["status"] = {"phase": "Terminating"}
        self.rv += 1
        marked["metadata"]["resourceVersion"] = str(self.rv)
        self.objects[NAMESPACE_KEY][("", marked["metadata"]["name"])] = marked
        self._record(Event(self.rv, NAMESPACE_KEY, "MODIFIED", marked, namespace))
        return marked

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
        if self.watches_behind:  # missed by open watches and gone from the history: resuming gets 410
            self.history.clear()
            self.floor = self.compacted = event.rv
            if self.reactors:
                self._pending.append(event)
            return
        if self.history_size <= 0:
            self.floor = event.rv
        else:
            if len(self.history) >= self.history_size:
                self.floor = self.history.popleft().rv
            self.history.append(event)
        for watcher in list(self.watchers):
            watcher.offer(event)
        if self.reactors:
            self._pending.append(event)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock; when the outermost write ends, hand its events to the reactors (controllers).

        Reactors run in the writer's thread, so a write returns with its consequences applied;
        what they write is reacted to in turn, until nothing changes.
        """
        with self.lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            if self._depth == 0 and not self._reacting:
                self._reacting = True
                try:
                    while self._pending:
                        event = self._pending.popleft()
                        for react in list(self.reactors):
                            try:
                                react(event)
                            except Exception:  # a controller bug must not fail the client's request
                                _log.exception("kubeemu: reacting to %s %s failed", event.type, event.key)
                finally:
                    self._reacting = False

    def compact(self) -> int:
        """Forget the event history: watches from any older resourceVersion now get 410 Expired."""
        with self.lock:
            self.history.clear()
            self.floor = self.compacted = self.rv
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
            if not self.watches_behind:  # a bookmark would let the client skip what it missed
                watcher.push(Event(self.rv, watcher.key, "BOOKMARK", {}))

    def unwatch(self, watcher: Watcher) -> None:
        with self.lock:
            self.watchers.discard(watcher)

    def close_watches(self, *, expire: bool = False) -> None:
        """End every open watch; with ``expire`` each first gets an ERROR 410 and history is compacted."""
        with self.lock:
            watchers, self.watchers = self.watchers, set()
            if expire:
                self.history.clear()
                self.floor = self.compacted = self.rv
            for watcher in watchers:
                if expire:
                    watcher.push(Event(self.rv, watcher.key, "ERROR", {}))
                watcher.push(None)

    # --- seeding -------------------------------------------------------------------------------

    def seed(self, objects: Iterable[Obj], *, events: bool = True) -> int:
        """Store objects directly (no validation beyond kind lookup); namespaces appear as needed."""
        count = 0
        with self.transaction():
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
                if old is None:
                    self._sorted.pop(rt.key, None)
                self._index_owners(rt.key, namespace, name, old, obj)
                if rt.key == CRD_KEY:
                    self.catalog.register_crd(obj)
                if events:
                    self._record(Event(self.rv, rt.key, "ADDED" if old is None else "MODIFIED", obj, old))
                else:
                    self.floor = self.rv
                count += 1
        return count
