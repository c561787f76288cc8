"""Optional stand-ins for kube-controller-manager, the scheduler and the kubelet (``controllers=True``).

They make workloads look alive, instantly and deterministically: a Deployment gets a ReplicaSet per
pod template (older ones scaled to zero), a ReplicaSet, StatefulSet or DaemonSet gets its Pods, a
Job gets one Pod that has Succeeded, every Pod is bound to the emulator's node and Running, and the
owners' ``status`` reports every replica ready. Deleting an owned Pod makes its owner create a new
one. They run in the writer's thread when a write completes (``Store.transaction``), so a
``kubectl apply`` returns with the Pods already there.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import string
from typing import Any

from tests.kubeemu import errors
from tests.kubeemu.store import Event, Obj, Store, now

NODE = "kubeemu-node"
DEPLOYMENTS = ("apps", "deployments")
REPLICASETS = ("apps", "replicasets")
STATEFULSETS = ("apps", "statefulsets")
DAEMONSETS = ("apps", "daemonsets")
JOBS = ("batch", "jobs")
PODS = ("", "pods")
WORKLOADS = (REPLICASETS, STATEFULSETS, DAEMONSETS, JOBS)


def _suffix() -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=5))


def _owner_ref(owner: Obj) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


_TIMES = frozenset({"lastUpdateTime", "lastTransitionTime", "startTime", "completionTime", "lastProbeTime"})


def _timeless(value: Any) -> Any:
    """``value`` without timestamps, to tell a real status change from a clock tick."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in _TIMES}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def _replicas(spec: Obj) -> int:
    value = spec.get("replicas")
    return value if isinstance(value, int) and value >= 0 else 1


def _controller_uid(obj: Obj) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid"))
    return None


class Controllers:
    """Reacts to store events; attach with ``Controllers(store).attach()``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.catalog = store.catalog

    def attach(self) -> None:
        self.store.reactors.append(self.react)

    def detach(self) -> None:
        if self.react in self.store.reactors:
            self.store.reactors.remove(self.react)

    # --- dispatch --------------------------------------------------------------------------------

    def react(self, event: Event) -> None:
        obj = event.obj
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        if event.type == "DELETED":
            if event.key == PODS:
                self._reconcile_owner_of(obj)
            return
        if meta.get("deletionTimestamp"):
            return
        if event.key == DEPLOYMENTS:
            self._deployment(namespace, name)
        elif event.key in WORKLOADS:
            self._workload(event.key, namespace, name)
        elif event.key == PODS:
            self._kubelet(namespace, name)

    def _reconcile_owner_of(self, pod: Obj) -> None:
        owner_uid = _controller_uid(pod)
        if owner_uid is None:
            return
        namespace = pod["metadata"].get("namespace", "")
        for key in WORKLOADS:
            for obj in self._objects(key, namespace):
                if obj["metadata"].get("uid") == owner_uid and not obj["metadata"].get("deletionTimestamp"):
                    self._workload(key, namespace, obj["metadata"]["name"])
                    return

    # --- helpers ---------------------------------------------------------------------------------

    def _objects(self, key: tuple[str, str], namespace: str) -> list[Obj]:
        rt = self.catalog.by_key(key)
        if rt is None:
            return []
        items, _ = self.store.select(rt, namespace)
        return items

    def _owned(self, key: tuple[str, str], owner: Obj) -> list[Obj]:
        uid = owner["metadata"]["uid"]
        namespace = owner["metadata"].get("namespace", "")
        return [o for o in self._objects(key, namespace) if _controller_uid(o) == uid]

    def _set_status(self, key: tuple[str, str], namespace: str, name: str, status: dict[str, Any]) -> None:
        rt = self.catalog.by_key(key)
        if rt is None:
            return

        def change(current: Obj | None) -> Obj | None:
            if current is None or _timeless(current.get("status")) == _timeless(status):
                return None
            current["status"] = status
            return current

        self.store.mutate(rt, namespace, name, change)

    def _create(self, key: tuple[str, str], namespace: str, obj: Obj) -> None:
        rt = self.catalog.by_key(key)
        if rt is None:
            return
        name = obj["metadata"]["name"]

        def change(current: Obj | None) -> Obj | None:
            return None if current is not None else obj

        try:
            self.store.mutate(rt, namespace, name, change)
        except errors.ApiError:  # e.g. the namespace is going away
            return

    def _delete(self, key: tuple[str, str], namespace: str, name: str) -> None:
        rt = self.catalog.by_key(key)
        if rt is not None:
            try:
                self.store.delete(rt, namespace, name)
            except errors.ApiError:
                return

    # --- Deployment -> ReplicaSets ---------------------------------------------------------------

    def _deployment(self, namespace: str, name: str) -> None:
        rt = self.catalog.by_key(DEPLOYMENTS)
        deploy = self.store.find(rt, namespace, name) if rt else None
        if deploy is None:
            return
        spec = deploy.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
        replicas = _replicas(spec)
        current_name = f"{name}-{digest}"
        for rs in self._owned(REPLICASETS, deploy):
            if rs["metadata"]["name"] != current_name and (rs.get("spec") or {}).get("replicas", 0) != 0:
                self._scale(REPLICASETS, namespace, rs["metadata"]["name"], 0)
        labels = {**((template.get("metadata") or {}).get("labels") or {}), "pod-template-hash": digest}
        template.setdefault("metadata", {})["labels"] = labels
        selector = copy.deepcopy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})["pod-template-hash"] = digest
        replicaset = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": current_name,
                "namespace": namespace,
                "labels": labels,
                "annotations": {"deployment.kubernetes.io/revision": "1"},
                "ownerReferences": [_owner_ref(deploy)],
            },
            "spec": {"replicas": replicas, "selector": selector, "template": template},
        }
        self._create(REPLICASETS, namespace, replicaset)
        self._scale(REPLICASETS, namespace, current_name, replicas)
        stamp = now()
        self._set_status(
            DEPLOYMENTS,
            namespace,
            name,
            {
                "observedGeneration": deploy["metadata"].get("generation", 1),
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "reason": "MinimumReplicasAvailable",
                        "lastUpdateTime": stamp,
                        "lastTransitionTime": stamp,
                    },
                    {
                        "type": "Progressing",
                        "status": "True",
                        "reason": "NewReplicaSetAvailable",
                        "lastUpdateTime": stamp,
                        "lastTransitionTime": stamp,
                    },
                ],
            },
        )

    def _scale(self, key: tuple[str, str], namespace: str, name: str, replicas: int) -> None:
        rt = self.catalog.by_key(key)
        if rt is None:
            return

        def change(current: Obj | None) -> Obj | None:
            if current is None or (current.get("spec") or {}).get("replicas") == replicas:
                return None
            current.setdefault("spec", {})["replicas"] = replicas
            return current

        self.store.mutate(rt, namespace, name, change)

    # --- ReplicaSet, StatefulSet, DaemonSet, Job -> Pods -----------------------------------------

    def _workload(self, key: tuple[str, str], namespace: str, name: str) -> None:
        rt = self.catalog.by_key(key)
        owner = self.store.find(rt, namespace, name) if rt else None
        if owner is None or owner["metadata"].get("deletionTimestamp"):
            return
        spec = owner.get("spec") or {}
        if key == JOBS and (owner.get("status") or {}).get("succeeded"):
            return  # done: its pod stays, as a finished Job's does
        wanted = 1 if key in (DAEMONSETS, JOBS) else _replicas(spec)
        pods = sorted(self._owned(PODS, owner), key=lambda p: p["metadata"]["name"])
        if key == STATEFULSETS:
            names = [f"{name}-{n}" for n in range(wanted)]
            for pod in pods:
                if pod["metadata"]["name"] not in names:
                    self._delete(PODS, namespace, pod["metadata"]["name"])
            existing = {p["metadata"]["name"] for p in pods}
            for pod_name in names:
                if pod_name not in existing:
                    self._create(PODS, namespace, self._pod(owner, pod_name))
        else:
            for pod in pods[wanted:]:
                self._delete(PODS, namespace, pod["metadata"]["name"])
            for _ in range(max(wanted - len(pods), 0)):
                self._create(PODS, namespace, self._pod(owner, f"{name}-{_suffix()}"))
        self._workload_status(key, owner, wanted)

    def _pod(self, owner: Obj, name: str) -> Obj:
        template = copy.deepcopy((owner.get("spec") or {}).get("template") or {})
        meta = template.get("metadata") or {}
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": owner["metadata"].get("namespace", ""),
                "labels": meta.get("labels") or {},
                "annotations": meta.get("annotations") or {},
                "ownerReferences": [_owner_ref(owner)],
            },
            "spec": template.get("spec") or {"containers": []},
        }

    def _workload_status(self, key: tuple[str, str], owner: Obj, wanted: int) -> None:
        meta = owner["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        generation = meta.get("generation", 1)
        if key == REPLICASETS:
            status: dict[str, Any] = {
                "replicas": wanted,
                "fullyLabeledReplicas": wanted,
                "readyReplicas": wanted,
                "availableReplicas": wanted,
                "observedGeneration": generation,
            }
        elif key == STATEFULSETS:
            status = {
                "replicas": wanted,
                "readyReplicas": wanted,
                "currentReplicas": wanted,
                "updatedReplicas": wanted,
                "availableReplicas": wanted,
                "observedGeneration": generation,
            }
        elif key == DAEMONSETS:
            status = {
                "desiredNumberScheduled": 1,
                "currentNumberScheduled": 1,
                "numberReady": 1,
                "numberAvailable": 1,
                "updatedNumberScheduled": 1,
                "numberMisscheduled": 0,
                "observedGeneration": generation,
            }
        else:
            stamp = (owner.get("status") or {}).get("completionTime") or now()
            status = {
                "succeeded": 1,
                "startTime": stamp,
                "completionTime": stamp,
                "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": stamp}],
            }
        self._set_status(key, namespace, name, status)

    # --- scheduler + kubelet -------------------------------------------------------------------------

    def _kubelet(self, namespace: str, name: str) -> None:
        rt = self.catalog.by_key(PODS)
        pod = self.store.find(rt, namespace, name) if rt else None
        if pod is None or rt is None:
            return
        owner_kind = next(
            (r.get("kind") for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")), ""
        )
        phase = "Succeeded" if owner_kind == "Job" else "Running"
        containers = (pod.get("spec") or {}).get("containers") or []
        status = pod.get("status") or {}
        if (pod.get("spec") or {}).get("nodeName") and status.get("phase") in ("Running", "Succeeded", "Failed"):
            return
        stamp = now()
        seed = int(hashlib.sha256(pod["metadata"]["uid"].encode()).hexdigest()[:4], 16)

        def change(current: Obj | None) -> Obj | None:
            if current is None:
                return None
            current.setdefault("spec", {})["nodeName"] = NODE
            current["status"] = {
                "phase": phase,
                "hostIP": "127.0.0.1",
                "podIP": f"10.244.{seed // 250 % 250}.{seed % 250 + 2}",
                "startTime": stamp,
                "qosClass": "BestEffort",
                "conditions": [
                    {
                        "type": t,
                        "status": "True" if phase == "Running" or t == "PodScheduled" else "False",
                        "lastTransitionTime": stamp,
                    }
                    for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
                ],
                "containerStatuses": [
                    {
                        "name": c.get("name", ""),
                        "image": c.get("image", ""),
                        "imageID": "",
                        "ready": phase == "Running",
                        "started": phase == "Running",
                        "restartCount": 0,
                        "state": {"running": {"startedAt": stamp}}
                        if phase == "Running"
                        else {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    }
                    for c in containers
                ],
            }
            return current

        self.store.mutate(rt, namespace, name, change)
