"""The resource catalog: built-in kinds the emulator serves, plus kinds added by CRDs.

A ``ResourceType`` is one served (group, version, plural). Objects are stored per (group, plural),
so every served version of a CRD sees the same objects (no conversion; ``apiVersion`` is rewritten
on the way out). The catalog is what discovery, OpenAPI and routing read, so a CRD becomes
discoverable the moment it is registered here.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key (ascending = most preferred first) in Kubernetes' version order.

    ``v2`` > ``v1`` > ``v1beta2`` > ``v1beta1`` > ``v1alpha1`` > anything else (alphabetical).
    """
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), version)


ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ("status",)
    #: False for CRD-defined kinds: kubectl then uses JSON merge patch, and the emulator
    #: answers a strategic merge patch with 415 as a real API server does.
    builtin: bool = True
    preferred: bool = True
    #: False for create-only review kinds (access and token reviews): answered, never stored.
    stored: bool = True

    @property
    def key(self) -> tuple[str, str]:
        """Storage key: every version of one group/plural shares the same objects."""
        return (self.group, self.plural)

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def base_path(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


def _r(  # noqa: PLR0917 - the table of built-in kinds reads best positionally
    group: str,
    version: str,
    plural: str,
    kind: str,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    subresources: tuple[str, ...] = ("status",),
) -> ResourceType:
    return ResourceType(
        group=group,
        version=version,
        plural=plural,
        kind=kind,
        namespaced=namespaced,
        short_names=short,
        categories=categories,
        subresources=subresources,
    )


_ALL = ("all",)
NO_STATUS: tuple[str, ...] = ()

BUILTIN: tuple[ResourceType, ...] = (
    # core/v1
    _r("", "v1", "namespaces", "Namespace", False, ("ns",)),
    _r("", "v1", "pods", "Pod", True, ("po",), _ALL, ("status", "log", "exec")),
    _r("", "v1", "services", "Service", True, ("svc",), _ALL),
    _r("", "v1", "configmaps", "ConfigMap", True, ("cm",), subresources=NO_STATUS),
    _r("", "v1", "secrets", "Secret", True, subresources=NO_STATUS),
    _r("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",), subresources=("token",)),
    _r("", "v1", "nodes", "Node", False, ("no",)),
    _r("", "v1", "persistentvolumes", "PersistentVolume", False, ("pv",)),
    _r("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",)),
    _r("", "v1", "events", "Event", True, ("ev",), subresources=NO_STATUS),
    _r("", "v1", "endpoints", "Endpoints", True, ("ep",), subresources=NO_STATUS),
    _r("", "v1", "replicationcontrollers", "ReplicationController", True, ("rc",), _ALL),
    _r("", "v1", "limitranges", "LimitRange", True, ("limits",), subresources=NO_STATUS),
    _r("", "v1", "resourcequotas", "ResourceQuota", True, ("quota",)),
    _r("", "v1", "podtemplates", "PodTemplate", True, subresources=NO_STATUS),
    # apps/v1
    _r("apps", "v1", "deployments", "Deployment", True, ("deploy",), _ALL, ("status", "scale")),
    _r("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), _ALL, ("status", "scale")),
    _r("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), _ALL, ("status", "scale")),
    _r("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), _ALL),
    _r("apps", "v1", "controllerrevisions", "ControllerRevision", True, subresources=NO_STATUS),
    # batch/v1
    _r("batch", "v1", "jobs", "Job", True, (), _ALL),
    _r("batch", "v1", "cronjobs", "CronJob", True, ("cj",), _ALL),
    # autoscaling, policy
    _r("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ("hpa",), _ALL),
    _r("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",)),
    # networking, discovery
    _r("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",)),
    _r("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False, subresources=NO_STATUS),
    _r("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",), subresources=NO_STATUS),
    _r("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True, subresources=NO_STATUS),
    # rbac
    _r("rbac.authorization.k8s.io", "v1", "roles", "Role", True, subresources=NO_STATUS),
    _r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True, subresources=NO_STATUS),
    _r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False, subresources=NO_STATUS),
    _r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False, subresources=NO_STATUS),
    # storage, coordination, scheduling
    _r("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",), subresources=NO_STATUS),
    _r("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", False),
    _r("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False, subresources=NO_STATUS),
    _r("coordination.k8s.io", "v1", "leases", "Lease", True, subresources=NO_STATUS),
    _r("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, ("pc",), subresources=NO_STATUS),
    # extension points
    _r("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False, ("crd", "crds")),
    _r("apiregistration.k8s.io", "v1", "apiservices", "APIService", False),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        False,
        subresources=NO_STATUS,
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        False,
        subresources=NO_STATUS,
    ),
    _r("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", False, ("csr",)),
    _r("events.k8s.io", "v1", "events", "Event", True, ("ev",), subresources=NO_STATUS),
    *(
        ResourceType(group, "v1", plural, kind, namespaced, verbs=("create",), subresources=(), stored=False)
        for group, plural, kind, namespaced in (
            ("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False),
            ("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False),
            ("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", False),
            ("authorization.k8s.io", "localsubjectaccessreviews", "LocalSubjectAccessReview", True),
            ("authentication.k8s.io", "tokenreviews", "TokenReview", False),
            ("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview", False),
        )
    ),
)

CRD_KEY = ("apiextensions.k8s.io", "customresourcedefinitions")
NAMESPACE_KEY = ("", "namespaces")


@dataclass
class Catalog:
    """Served resource types, indexed for routing; thread-safe (CRDs change it at run time)."""

    _types: dict[tuple[str, str, str], ResourceType] = field(default_factory=dict)
    _crd_owned: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    #: Bumped on every change, so discovery and OpenAPI hashes change with the catalog.
    generation: int = 0

    @classmethod
    def builtin(cls) -> Catalog:
        catalog = cls()
        for rt in BUILTIN:
            catalog._types[(rt.group, rt.version, rt.plural)] = rt
        return catalog

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._types.get((group, version, plural))

    def by_key(self, key: tuple[str, str]) -> ResourceType | None:
        """The preferred served version of one group/plural."""
        with self._lock:
            found = [rt for (g, _v, p), rt in self._types.items() if (g, p) == key]
        preferred = [rt for rt in found if rt.preferred]
        candidates = preferred or found
        return candidates[0] if candidates else None

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        with self._lock:
            for rt in self._types.values():
                if rt.group == group and rt.version == version and rt.kind == kind:
                    return rt
        return None

    def all(self) -> list[ResourceType]:
        with self._lock:
            return list(self._types.values())

    def groups(self) -> dict[str, list[str]]:
        """group -> served versions, preferred first."""
        out: dict[str, list[str]] = {}
        with self._lock:
            types = list(self._types.values())
        for rt in sorted(types, key=lambda r: version_priority(r.version)):
            versions = out.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
        return out

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        with self._lock:
            return [rt for (g, v, _p), rt in self._types.items() if g == group and v == version]

    def register_crd(self, crd: dict[str, Any]) -> None:
        """Serve the kinds of one CustomResourceDefinition (replacing an earlier registration)."""
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        group = str(spec.get("group") or "")
        plural = str(names.get("plural") or "")
        kind = str(names.get("kind") or "")
        if not (group and plural and kind):
            return
        versions = [v for v in spec.get("versions") or [] if v.get("served", True)]
        best = min((str(v.get("name") or "") for v in versions), key=version_priority, default="")
        name = crd["metadata"]["name"]
        with self._lock:
            self._unregister_locked(name)
            owned: list[tuple[str, str, str]] = []
            for entry in versions:
                version = str(entry.get("name") or "")
                if not version:
                    continue
                subresources = tuple(sorted((entry.get("subresources") or spec.get("subresources") or {}).keys()))
                rt = ResourceType(
                    group=group,
                    version=version,
                    plural=plural,
                    kind=kind,
                    namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                    singular=str(names.get("singular") or kind.lower()),
                    short_names=tuple(names.get("shortNames") or ()),
                    categories=tuple(names.get("categories") or ()),
                    subresources=subresources,
                    builtin=False,
                    preferred=version == best,
                )
                self._types[(group, version, plural)] = rt
                owned.append((group, version, plural))
            self._crd_owned[name] = owned
            self.generation += 1

    def unregister_crd(self, name: str) -> None:
        with self._lock:
            self._unregister_locked(name)
            self.generation += 1

    def _unregister_locked(self, name: str) -> None:
        for triple in self._crd_owned.pop(name, []):
            self._types.pop(triple, None)
