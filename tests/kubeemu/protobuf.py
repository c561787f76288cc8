"""Decode the protobuf request bodies ``kubectl create <kind>`` sends, for the kinds it creates.

kubectl sends typed objects (``kubectl create namespace|configmap|secret|deployment|...``) as
``application/vnd.kubernetes.protobuf``: the magic ``k8s\\0``, then a ``runtime.Unknown`` wrapping the
object's own message. The schemas below name the fields those commands fill in (field numbers of
the Kubernetes API's protobuf definitions); anything else in the message is skipped. Empty values
are dropped, as JSON's ``omitempty`` does. Answers stay JSON (kubectl also accepts JSON).
"""

from __future__ import annotations

from typing import Any

MAGIC = b"k8s\x00"


class ProtobufError(ValueError):
    """The body is not a Kubernetes protobuf envelope, or holds a kind we have no schema for."""


# A field: (json name, type, repeated). Types: "string", "int", "bool", "bytes" (base64 in JSON),
# "map" (map<string,string>), "bmap" (map<string,bytes>), "qmap" (map<string,Quantity>),
# "intstr" (IntOrString), or the name of a message below (an empty json name embeds it inline).
Field = tuple[str, str, bool]


def _f(name: str, kind: str = "string", repeated: bool = False) -> Field:
    return (name, kind, repeated)


SCHEMAS: dict[str, dict[int, Field]] = {
    "Unknown": {1: _f("typeMeta", "TypeMeta"), 2: _f("raw", "raw")},
    "TypeMeta": {1: _f("apiVersion"), 2: _f("kind")},
    "ObjectMeta": {
        1: _f("name"),
        2: _f("generateName"),
        3: _f("namespace"),
        5: _f("uid"),
        6: _f("resourceVersion"),
        11: _f("labels", "map"),
        12: _f("annotations", "map"),
        13: _f("ownerReferences", "OwnerReference", True),
        14: _f("finalizers", "string", True),
    },
    "OwnerReference": {
        1: _f("kind"),
        3: _f("name"),
        4: _f("uid"),
        5: _f("apiVersion"),
        6: _f("controller", "bool"),
        7: _f("blockOwnerDeletion", "bool"),
    },
    "LabelSelector": {1: _f("matchLabels", "map"), 2: _f("matchExpressions", "LabelSelectorRequirement", True)},
    "LabelSelectorRequirement": {1: _f("key"), 2: _f("operator"), 3: _f("values", "string", True)},
    "LocalObjectReference": {1: _f("name")},
    "ObjectReference": {1: _f("kind"), 2: _f("namespace"), 3: _f("name"), 4: _f("uid"), 5: _f("apiVersion")},
    # core/v1
    "Namespace": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: _f("finalizers", "string", True)},
    "ConfigMap": {
        1: _f("metadata", "ObjectMeta"),
        2: _f("data", "map"),
        3: _f("binaryData", "bmap"),
        4: _f("immutable", "bool"),
    },
    "Secret": {
        1: _f("metadata", "ObjectMeta"),
        2: _f("data", "bmap"),
        3: _f("type"),
        4: _f("stringData", "map"),
        5: _f("immutable", "bool"),
    },
    "ServiceAccount": {
        1: _f("metadata", "ObjectMeta"),
        2: _f("secrets", "ObjectReference", True),
        3: _f("imagePullSecrets", "LocalObjectReference", True),
        4: _f("automountServiceAccountToken", "bool"),
    },
    "Service": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "ServiceSpec")},
    "ServiceSpec": {
        1: _f("ports", "ServicePort", True),
        2: _f("selector", "map"),
        3: _f("clusterIP"),
        4: _f("type"),
        5: _f("externalIPs", "string", True),
        7: _f("sessionAffinity"),
        11: _f("externalName"),
    },
    "ServicePort": {
        1: _f("name"),
        2: _f("protocol"),
        3: _f("port", "int"),
        4: _f("targetPort", "intstr"),
        5: _f("nodePort", "int"),
    },
    "ResourceQuota": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "ResourceQuotaSpec")},
    "ResourceQuotaSpec": {1: _f("hard", "qmap"), 2: _f("scopes", "string", True)},
    "PodTemplateSpec": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "PodSpec")},
    "PodSpec": {
        1: _f("volumes", "Volume", True),
        2: _f("containers", "Container", True),
        3: _f("restartPolicy"),
        7: _f("nodeSelector", "map"),
        8: _f("serviceAccountName"),
        10: _f("nodeName"),
        15: _f("imagePullSecrets", "LocalObjectReference", True),
        20: _f("initContainers", "Container", True),
    },
    "Volume": {1: _f("name")},
    "Container": {
        1: _f("name"),
        2: _f("image"),
        3: _f("command", "string", True),
        4: _f("args", "string", True),
        5: _f("workingDir"),
        6: _f("ports", "ContainerPort", True),
        7: _f("env", "EnvVar", True),
        8: _f("resources", "ResourceRequirements"),
        14: _f("imagePullPolicy"),
    },
    "ContainerPort": {
        1: _f("name"),
        2: _f("hostPort", "int"),
        3: _f("containerPort", "int"),
        4: _f("protocol"),
    },
    "EnvVar": {1: _f("name"), 2: _f("value")},
    "ResourceRequirements": {1: _f("limits", "qmap"), 2: _f("requests", "qmap")},
    # apps/v1, batch/v1
    "Deployment": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "DeploymentSpec")},
    "DeploymentSpec": {
        1: _f("replicas", "int"),
        2: _f("selector", "LabelSelector"),
        3: _f("template", "PodTemplateSpec"),
        4: _f("strategy", "DeploymentStrategy"),
    },
    "DeploymentStrategy": {1: _f("type")},
    "Job": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "JobSpec")},
    "JobSpec": {
        1: _f("parallelism", "int"),
        2: _f("completions", "int"),
        4: _f("selector", "LabelSelector"),
        6: _f("template", "PodTemplateSpec"),
        7: _f("backoffLimit", "int"),
    },
    "CronJob": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "CronJobSpec")},
    "CronJobSpec": {
        1: _f("schedule"),
        3: _f("concurrencyPolicy"),
        4: _f("suspend", "bool"),
        5: _f("jobTemplate", "JobTemplateSpec"),
    },
    "JobTemplateSpec": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "JobSpec")},
    # rbac, scheduling, policy, networking
    "Role": {1: _f("metadata", "ObjectMeta"), 2: _f("rules", "PolicyRule", True)},
    "ClusterRole": {1: _f("metadata", "ObjectMeta"), 2: _f("rules", "PolicyRule", True)},
    "PolicyRule": {
        1: _f("verbs", "string", True),
        2: _f("apiGroups", "string", True),
        3: _f("resources", "string", True),
        4: _f("resourceNames", "string", True),
        5: _f("nonResourceURLs", "string", True),
    },
    "RoleBinding": {1: _f("metadata", "ObjectMeta"), 2: _f("subjects", "Subject", True), 3: _f("roleRef", "RoleRef")},
    "ClusterRoleBinding": {
        1: _f("metadata", "ObjectMeta"),
        2: _f("subjects", "Subject", True),
        3: _f("roleRef", "RoleRef"),
    },
    "Subject": {1: _f("kind"), 2: _f("apiGroup"), 3: _f("name"), 4: _f("namespace")},
    "RoleRef": {1: _f("apiGroup"), 2: _f("kind"), 3: _f("name")},
    "PriorityClass": {
        1: _f("metadata", "ObjectMeta"),
        2: _f("value", "int"),
        3: _f("globalDefault", "bool"),
        4: _f("description"),
        5: _f("preemptionPolicy"),
    },
    "PodDisruptionBudget": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "PodDisruptionBudgetSpec")},
    "PodDisruptionBudgetSpec": {
        1: _f("minAvailable", "intstr"),
        2: _f("selector", "LabelSelector"),
        3: _f("maxUnavailable", "intstr"),
    },
    "Ingress": {1: _f("metadata", "ObjectMeta"), 2: _f("spec", "IngressSpec")},
    "IngressSpec": {
        1: _f("defaultBackend", "IngressBackend"),
        2: _f("tls", "IngressTLS", True),
        3: _f("rules", "IngressRule", True),
        4: _f("ingressClassName"),
    },
    "IngressTLS": {1: _f("hosts", "string", True), 2: _f("secretName")},
    "IngressRule": {1: _f("host"), 2: _f("", "IngressRuleValue")},
    "IngressRuleValue": {1: _f("http", "HTTPIngressRuleValue")},
    "HTTPIngressRuleValue": {1: _f("paths", "HTTPIngressPath", True)},
    "HTTPIngressPath": {1: _f("path"), 2: _f("backend", "IngressBackend"), 3: _f("pathType")},
    "IngressBackend": {4: _f("service", "IngressServiceBackend")},
    "IngressServiceBackend": {1: _f("name"), 2: _f("port", "ServiceBackendPort")},
    "ServiceBackendPort": {1: _f("name"), 2: _f("number", "int")},
}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated field")
            out.append((number, data[pos : pos + length]))
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
    return out


def _scalar(kind: str, raw: int | bytes) -> Any:
    if kind == "int":
        value = raw if isinstance(raw, int) else 0
        return value - (1 << 64) if value >= 1 << 63 else value
    if kind == "bool":
        return bool(raw)
    if isinstance(raw, int):
        raise ProtobufError(f"expected bytes for a {kind}")
    if kind == "bytes":
        import base64

        return base64.b64encode(raw).decode()
    return raw.decode()


def _entry(raw: bytes, value_kind: str) -> tuple[str, Any]:
    key: str = ""
    value: Any = ""
    for number, item in _fields(raw):
        if number == 1 and isinstance(item, bytes):
            key = item.decode()
        elif number == 2:
            if value_kind == "qmap" and isinstance(item, bytes):
                value = message(item, "Quantity")
            else:
                value = _scalar("bytes" if value_kind == "bmap" else "string", item)
    return key, value


def message(data: bytes, name: str) -> Any:
    """Decode one message into its JSON form (empty values dropped)."""
    if name == "Quantity":
        return next((i.decode() for n, i in _fields(data) if n == 1 and isinstance(i, bytes)), "")
    if name == "intstr":
        parts = dict(_fields(data))
        if parts.get(1, 0) == 1:
            text = parts.get(3, b"")
            return text.decode() if isinstance(text, bytes) else ""
        number = parts.get(2, 0)
        return number if isinstance(number, int) else 0
    schema = SCHEMAS[name]
    out: dict[str, Any] = {}
    for number, raw in _fields(data):
        field = schema.get(number)
        if field is None:
            continue
        json_name, kind, repeated = field
        if kind in ("map", "bmap", "qmap"):
            if isinstance(raw, bytes):
                entry_key, entry_value = _entry(raw, kind)
                out.setdefault(json_name, {})[entry_key] = entry_value
            continue
        value: Any
        if kind == "raw":
            value = raw
        elif kind in SCHEMAS or kind == "intstr":
            if not isinstance(raw, bytes):
                raise ProtobufError(f"expected a message for {json_name}")
            value = message(raw, kind)
        else:
            value = _scalar(kind, raw)
        if repeated:
            out.setdefault(json_name, []).append(value)
        elif not json_name and isinstance(value, dict):  # an embedded struct: fields inline
            out.update(value)
        else:
            out[json_name] = value
    return _prune(out)


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ("", None, {}, [], False) or k in ("data",)}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def decode(body: bytes) -> dict[str, Any]:
    """The JSON object of a ``application/vnd.kubernetes.protobuf`` request body."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf magic number")
    envelope = message(body[len(MAGIC) :], "Unknown")
    type_meta = envelope.get("typeMeta") or {}
    kind = str(type_meta.get("kind", ""))
    if kind not in SCHEMAS or "metadata" not in SCHEMAS[kind].get(1, ("",))[0]:
        raise ProtobufError(f"kubeemu cannot decode protobuf for kind {kind!r}; send JSON (e.g. kubectl apply -f)")
    obj = message(envelope.get("raw") or b"", kind)
    obj["apiVersion"] = type_meta.get("apiVersion", "")
    obj["kind"] = kind
    obj.setdefault("metadata", {})
    return dict(obj)
