"""Convert a Docker Compose file into Kubernetes objects, the way kompose does.

Each service becomes a Deployment (image, entrypoint → command, command → args, environment,
container ports, replicas from ``deploy.replicas``/``scale``, resources, healthcheck → liveness
probe, security settings) labelled ``io.kompose.service: <name>`` with the service's labels as
annotations, and a ClusterIP Service when it lists ``ports`` (type from the
``kompose.service.type`` label). Named volumes become PersistentVolumeClaims (100Mi,
ReadWriteOnce; the Deployment then uses the Recreate strategy); bind mounts, anonymous
volumes and tmpfs become emptyDir volumes (a host path means nothing in a cluster; the path
is kept in the ``meshery.io/compose-bind-mounts`` annotation). ``${VAR:-default}`` takes its
default; other variables stay as written, since the server has no environment of the user's.

Not converted: build (the image defaults to the service name), depends_on, networks and
network_mode, env_file, secrets and configs, extends, profiles, logging, ulimits, devices,
dns, sysctls, pid/ipc, restart policies (a Deployment always restarts) and stop settings.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any

from generated import errors

SERVICE_LABEL = "io.kompose.service"
PVC_SIZE = "100Mi"
BIND_ANNOTATION = "meshery.io/compose-bind-mounts"
MAX_PORT_RANGE = 1000
_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)([^}]*)\}")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?\s*$", re.IGNORECASE)
_DNS = re.compile(r"[^a-z0-9-]+")


def dns_name(name: str) -> str:
    """A DNS-1123 label from a compose name (lower case; ``_`` and other characters become ``-``)."""
    cleaned = _DNS.sub("-", name.lower()).strip("-")[:63].strip("-")
    return cleaned or "service"


def is_compose(doc: Any) -> bool:
    """A mapping whose ``services`` are mappings, at least one with an image or a build."""
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict) or not doc["services"]:
        return False
    services = [s for s in doc["services"].values() if isinstance(s, dict)]
    return any("image" in s or "build" in s for s in services)


def convert(doc: Any) -> list[dict[str, Any]]:
    """The Kubernetes objects of one compose document (Deployments, Services, PersistentVolumeClaims)."""
    if not isinstance(doc, dict):
        raise errors.ErrImportComposeInvalid("a compose file must be a mapping")
    doc = _interpolate(doc)
    services = doc.get("services")
    if not isinstance(services, dict) or not services:
        raise errors.ErrImportComposeInvalid("the compose file has no services mapping")
    top_volumes = doc.get("volumes") if isinstance(doc.get("volumes"), dict) else {}
    objects: list[dict[str, Any]] = []
    claims: dict[str, dict[str, Any]] = {}
    for name, service in services.items():
        if not isinstance(service, dict):
            raise errors.ErrImportComposeInvalid(f"service {name} must be a mapping")
        try:
            objects.extend(_service(str(name), service, top_volumes, claims))
        except (TypeError, ValueError, AttributeError) as exc:
            raise errors.ErrImportComposeInvalid(f"service {name}: {exc}") from None
    return list(claims.values()) + objects


def _interpolate(value: Any) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: "$" if m.group(0) == "$$" else m.group(3), value) if "$" in value else value
    if isinstance(value, dict):
        return {k: _interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v) for v in value]
    return value


def _service(
    name: str, service: dict[str, Any], top_volumes: dict[str, Any], claims: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    object_name = dns_name(name)
    labels = {SERVICE_LABEL: object_name}
    annotations = _labels(service.get("labels"))
    container: dict[str, Any] = {
        "name": dns_name(str(service.get("container_name") or name)),
        "image": str(service.get("image") or object_name),
    }
    if service.get("entrypoint") is not None:
        container["command"] = _words(service["entrypoint"], "entrypoint")
    if service.get("command") is not None:
        container["args"] = _words(service["command"], "command")
    env = _environment(service.get("environment"))
    if env:
        container["env"] = env
    published = list(_ports(service.get("ports")))
    exposed = [(int(p), "TCP") for p in _expose(service.get("expose"))]
    container_ports = {(target, proto) for _, target, proto in published} | set(exposed)
    if container_ports:
        container["ports"] = [{"containerPort": t, "protocol": p} for t, p in sorted(container_ports)]
    if service.get("working_dir"):
        container["workingDir"] = str(service["working_dir"])
    for key, target in (("stdin_open", "stdin"), ("tty", "tty")):
        if service.get(key) is True:
            container[target] = True
    security = _security(service)
    if security:
        container["securityContext"] = security
    resources = _resources(service)
    if resources:
        container["resources"] = resources
    probe = _probe(service.get("healthcheck"))
    if probe:
        container["livenessProbe"] = probe
    volumes, mounts, uses_claims, binds = _volumes(
        service.get("volumes"), service.get("tmpfs"), top_volumes, claims, labels
    )
    own_annotations = {**annotations, BIND_ANNOTATION: ",".join(binds)} if binds else annotations
    if mounts:
        container["volumeMounts"] = mounts
    pod: dict[str, Any] = {"containers": [container]}
    if volumes:
        pod["volumes"] = volumes
    if service.get("hostname"):
        pod["hostname"] = dns_name(str(service["hostname"]))
    aliases = _host_aliases(service.get("extra_hosts"))
    if aliases:
        pod["hostAliases"] = aliases
    metadata: dict[str, Any] = {"name": object_name, "labels": dict(labels)}
    if own_annotations:
        metadata["annotations"] = own_annotations
    spec: dict[str, Any] = {
        "replicas": _replicas(service),
        "selector": {"matchLabels": dict(labels)},
        "template": {"metadata": {"labels": dict(labels)}, "spec": pod},
    }
    if uses_claims:
        spec["strategy"] = {"type": "Recreate"}
    out: list[dict[str, Any]] = [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": spec}]
    if published:
        out.append(_k8s_service(object_name, labels, annotations, published, service))
    return out


def _labels(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        out = {}
        for item in value:
            key, _, val = str(item).partition("=")
            out[key] = val
        return out
    if value is None:
        return {}
    raise ValueError("labels must be a mapping or a list")


def _words(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return shlex.split(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ValueError(f"{what} must be a string or a list")


def _environment(value: Any) -> list[dict[str, str]]:
    pairs: list[tuple[str, str | None]] = []
    if isinstance(value, dict):
        pairs = [(str(k), None if v is None else _scalar(v)) for k, v in value.items()]
    elif isinstance(value, list):
        for item in value:
            key, sep, val = str(item).partition("=")
            pairs.append((key, val if sep else None))
    elif value is not None:
        raise ValueError("environment must be a mapping or a list")
    # A variable without a value takes the host's in compose; there is no host here.
    return [{"name": k, "value": v} for k, v in pairs if v is not None and k]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _port_numbers(text: str) -> list[int]:
    first, sep, last = text.partition("-")
    start = int(first)
    end = int(last) if sep else start
    if not 0 < start <= end <= 65535 or end - start >= MAX_PORT_RANGE:
        raise ValueError(f"port {text!r} is out of range")
    return list(range(start, end + 1))


def _ports(value: Any) -> Iterator[tuple[int | None, int, str]]:
    """(published or None, target, protocol) of each port entry, ranges expanded."""
    if value is None:
        return
    if not isinstance(value, list):
        raise ValueError("ports must be a list")
    for item in value:
        if isinstance(item, dict):
            if item.get("target") is None:
                raise ValueError("a long-syntax port needs a target")
            published = item.get("published")
            yield from _pairs(
                "" if published is None else str(published), str(item["target"]), str(item.get("protocol") or "")
            )
            continue
        text, _, proto = str(item).partition("/")
        parts = text.rsplit(":", 2)
        yield from _pairs(parts[-2] if len(parts) >= 2 else "", parts[-1], proto)


def _pairs(published: str, target: str, proto: str) -> Iterator[tuple[int | None, int, str]]:
    targets = _port_numbers(target)
    pubs: list[int | None] = [None] * len(targets)
    if published:
        numbers = _port_numbers(published)
        pubs = list(numbers) if len(numbers) == len(targets) else [numbers[0]] * len(targets)
    for pub, port in zip(pubs, targets, strict=True):
        yield pub, port, (proto or "tcp").upper()


def _expose(value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expose must be a list")
    out: list[int] = []
    for item in value:
        out.extend(_port_numbers(str(item).partition("/")[0]))
    return out


def _k8s_service(
    name: str,
    labels: dict[str, str],
    annotations: dict[str, str],
    published: list[tuple[int | None, int, str]],
    service: dict[str, Any],
) -> dict[str, Any]:
    ports = []
    seen: set[tuple[int, str]] = set()
    for pub, target, proto in published:
        port = pub or target
        if (port, proto) in seen:
            continue
        seen.add((port, proto))
        port_name = str(port) if proto == "TCP" else f"{port}-{proto.lower()}"
        ports.append({"name": port_name, "port": port, "targetPort": target, "protocol": proto})
    service_type = _labels(service.get("labels")).get("kompose.service.type", "ClusterIP")
    kinds = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer"}
    metadata: dict[str, Any] = {"name": name, "labels": dict(labels)}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "type": kinds.get(service_type.lower(), "ClusterIP"),
            "selector": dict(labels),
            "ports": ports,
        },
    }


def _replicas(service: dict[str, Any]) -> int:
    deploy = service.get("deploy")
    if isinstance(deploy, dict) and deploy.get("replicas") is not None:
        return int(deploy["replicas"])
    if service.get("scale") is not None:
        return int(service["scale"])
    return 1


def _security(service: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    user = service.get("user")
    if user is not None:
        uid, _, gid = str(user).partition(":")
        if uid.isdigit():
            out["runAsUser"] = int(uid)
        if gid.isdigit():
            out["runAsGroup"] = int(gid)
    if service.get("privileged") is True:
        out["privileged"] = True
    if service.get("read_only") is True:
        out["readOnlyRootFilesystem"] = True
    caps: dict[str, list[str]] = {}
    for key, target in (("cap_add", "add"), ("cap_drop", "drop")):
        value = service.get(key)
        if isinstance(value, list) and value:
            caps[target] = [str(v) for v in value]
    if caps:
        out["capabilities"] = caps
    return out


def _quantity(value: Any, *, memory: bool) -> str:
    if not memory:
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value))
    match = _SIZE.match(str(value))
    if match is None:
        raise ValueError(f"size {value!r} is not understood")
    number, unit = match.groups()
    suffix = {"": "", "k": "Ki", "m": "Mi", "g": "Gi", "t": "Ti", "p": "Pi"}[unit.lower()]
    return f"{number}{suffix}"


def _resources(service: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, dict[str, str]] = {}
    deploy = service.get("deploy")
    declared = deploy.get("resources") if isinstance(deploy, dict) else None
    if isinstance(declared, dict):
        for source, target in (("limits", "limits"), ("reservations", "requests")):
            block = declared.get(source)
            if not isinstance(block, dict):
                continue
            values = {}
            if block.get("cpus") is not None:
                values["cpu"] = _quantity(block["cpus"], memory=False)
            if block.get("memory") is not None:
                values["memory"] = _quantity(block["memory"], memory=True)
            if values:
                out[target] = values
    if service.get("mem_limit") is not None:
        out.setdefault("limits", {})["memory"] = _quantity(service["mem_limit"], memory=True)
    if service.get("cpus") is not None:
        out.setdefault("limits", {})["cpu"] = _quantity(service["cpus"], memory=False)
    return dict(out)


def _seconds(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return max(1, int(value))
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    total = sum(float(n) * scale[u] for n, u in _DURATION.findall(str(value)))
    return max(1, round(total)) if total else None


def _probe(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or value.get("disable") is True:
        return None
    test = value.get("test")
    if isinstance(test, str):
        command = ["sh", "-c", test]
    elif isinstance(test, list) and test:
        head = str(test[0]).upper()
        if head == "NONE":
            return None
        rest = [str(t) for t in test[1:]]
        command = (
            ["sh", "-c", " ".join(rest)] if head == "CMD-SHELL" else rest if head == "CMD" else [str(t) for t in test]
        )
    else:
        return None
    probe: dict[str, Any] = {"exec": {"command": command}}
    for key, target in (
        ("interval", "periodSeconds"),
        ("timeout", "timeoutSeconds"),
        ("start_period", "initialDelaySeconds"),
    ):
        seconds = _seconds(value.get(key))
        if seconds is not None:
            probe[target] = seconds
    if value.get("retries") is not None:
        probe["failureThreshold"] = int(value["retries"])
    return probe


def _host_aliases(value: Any) -> list[dict[str, Any]]:
    entries: list[tuple[str, str]] = []
    if isinstance(value, dict):
        entries = [(str(k), str(v)) for k, v in value.items()]
    elif isinstance(value, list):
        for item in value:
            host, sep, ip = str(item).partition("=") if "=" in str(item) else str(item).partition(":")
            if sep:
                entries.append((host, ip))
    by_ip: dict[str, list[str]] = {}
    for host, ip in entries:
        by_ip.setdefault(ip, []).append(host)
    return [{"ip": ip, "hostnames": hosts} for ip, hosts in by_ip.items()]


def _volumes(
    value: Any,
    tmpfs: Any,
    top_volumes: dict[str, Any],
    claims: dict[str, dict[str, Any]],
    labels: dict[str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool, list[str]]:
    volumes: dict[str, dict[str, Any]] = {}
    binds: list[str] = []
    mounts: list[dict[str, Any]] = []
    uses_claims = False
    entries = value if isinstance(value, list) else [] if value is None else None
    if entries is None:
        raise ValueError("volumes must be a list")
    for index, item in enumerate(entries):
        source, target, kind, read_only = _volume_entry(item)
        if kind == "volume" and source:
            claim = dns_name(source)
            volume_name = claim
            definition = top_volumes.get(source) if isinstance(top_volumes, dict) else None
            external = isinstance(definition, dict) and bool(definition.get("external"))
            if not external and claim not in claims:
                claims[claim] = {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": claim, "labels": {SERVICE_LABEL: claim}},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": PVC_SIZE}}},
                }
            volumes[volume_name] = {"name": volume_name, "persistentVolumeClaim": {"claimName": claim}}
            uses_claims = True
        else:
            if kind == "bind":
                binds.append(f"{source}:{target}")
            volume_name = f"{labels[SERVICE_LABEL]}-{'tmp' if kind == 'tmpfs' else 'empty'}{index}"[:63]
            empty: dict[str, Any] = {"medium": "Memory"} if kind == "tmpfs" else {}
            volumes[volume_name] = {"name": volume_name, "emptyDir": empty}
        mount: dict[str, Any] = {"name": volume_name, "mountPath": target}
        if read_only:
            mount["readOnly"] = True
        mounts.append(mount)
    paths = [tmpfs] if isinstance(tmpfs, str) else tmpfs if isinstance(tmpfs, list) else []
    for index, path in enumerate(paths):
        volume_name = f"{labels[SERVICE_LABEL]}-tmpfs{index}"[:63]
        volumes[volume_name] = {"name": volume_name, "emptyDir": {"medium": "Memory"}}
        mounts.append({"name": volume_name, "mountPath": str(path).partition(":")[0]})
    return list(volumes.values()), mounts, uses_claims, binds


def _volume_entry(item: Any) -> tuple[str, str, str, bool]:
    """(source, target, kind: volume/bind/tmpfs/anonymous, read only) of one volume entry."""
    if isinstance(item, dict):
        kind = str(item.get("type") or "volume")
        target = item.get("target")
        if not target:
            raise ValueError("a long-syntax volume needs a target")
        source = str(item.get("source") or "")
        return source, str(target), kind if source or kind == "tmpfs" else "anonymous", bool(item.get("read_only"))
    parts = str(item).split(":")
    if len(parts) == 1:
        return "", parts[0], "anonymous", False
    source, target = parts[0], parts[1]
    read_only = len(parts) > 2 and "ro" in parts[2].split(",")
    bind = source.startswith((".", "/", "~", "$")) or "/" in source
    return source, target, "bind" if bind else "volume", read_only
