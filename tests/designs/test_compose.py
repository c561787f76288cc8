"""Docker Compose to Kubernetes objects, kompose-style: the reference sample and every converted field."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from generated import errors
from meshery.designs import compose
from tests.designs.conftest import SAMPLES, reference_file


def _by(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def test_reference_sample() -> None:
    objects = _by(compose.convert(yaml.safe_load(reference_file(SAMPLES / "valid-docker-compose.yml"))))
    assert set(objects) == {
        ("Deployment", "web"),
        ("Service", "web"),
        ("Deployment", "db"),
        ("PersistentVolumeClaim", "postgres-data"),
    }
    web = objects[("Deployment", "web")]
    assert web["metadata"]["labels"] == {"io.kompose.service": "web"}
    assert web["spec"]["selector"]["matchLabels"] == {"io.kompose.service": "web"}
    (container,) = web["spec"]["template"]["spec"]["containers"]
    assert container["name"] == "my-web-server"  # container_name, as a DNS label
    assert container["image"] == "nginx:latest"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    # a bind mount has no meaning in a cluster: emptyDir, the host path kept in an annotation
    assert web["spec"]["template"]["spec"]["volumes"] == [{"name": "web-empty0", "emptyDir": {}}]
    assert container["volumeMounts"] == [{"name": "web-empty0", "mountPath": "/usr/share/nginx/html"}]
    assert web["metadata"]["annotations"][compose.BIND_ANNOTATION] == "./html:/usr/share/nginx/html"
    service = objects[("Service", "web")]
    assert service["spec"]["ports"] == [{"name": "80", "port": 80, "targetPort": 80, "protocol": "TCP"}]
    assert "annotations" not in service["metadata"]
    db = objects[("Deployment", "db")]
    (db_container,) = db["spec"]["template"]["spec"]["containers"]
    assert db_container["env"] == [
        {"name": "POSTGRES_USER", "value": "admin"},
        {"name": "POSTGRES_PASSWORD", "value": "secret"},
        {"name": "POSTGRES_DB", "value": "myapp_db"},
    ]
    assert db["spec"]["strategy"] == {"type": "Recreate"}
    assert db["spec"]["template"]["spec"]["volumes"] == [
        {"name": "postgres-data", "persistentVolumeClaim": {"claimName": "postgres-data"}}
    ]
    claim = objects[("PersistentVolumeClaim", "postgres-data")]
    assert claim["spec"]["resources"]["requests"]["storage"] == compose.PVC_SIZE
    assert ("Service", "db") not in objects  # no ports, no Service


FULL = """
name: shop
services:
  api_server:
    image: ${IMAGE:-shop/api}:${TAG-1.2}
    entrypoint: /bin/run --fast
    command: ["serve", "--port", "8080"]
    environment:
      - MODE=prod
      - FROM_HOST
      - COST=$$5
    ports:
      - "8080:80"
      - "127.0.0.1:9000-9001:9000-9001/udp"
      - target: 443
        published: "8443"
        protocol: tcp
    expose: ["7000"]
    labels:
      kompose.service.type: NodePort
      team: payments
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.5", memory: 512M}
        reservations: {memory: 1g}
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
      interval: 1m30s
      timeout: 10s
      retries: 3
    user: "1000:2000"
    cap_add: [NET_ADMIN]
    read_only: true
    working_dir: /srv
    tmpfs: /run
    volumes:
      - type: volume
        source: cache
        target: /cache
        read_only: true
      - /scratch
    extra_hosts: ["db.local:10.0.0.5"]
  worker:
    build: ./worker
    scale: 2
    volumes: ["cache:/cache:ro"]
volumes:
  cache: {}
"""


def test_every_converted_field() -> None:
    objects = _by(compose.convert(yaml.safe_load(FULL)))
    api = objects[("Deployment", "api-server")]
    assert api["spec"]["replicas"] == 3
    assert api["metadata"]["annotations"] == {"kompose.service.type": "NodePort", "team": "payments"}
    pod = api["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "shop/api:1.2"
    assert container["command"] == ["/bin/run", "--fast"]
    assert container["args"] == ["serve", "--port", "8080"]
    assert container["env"] == [{"name": "MODE", "value": "prod"}, {"name": "COST", "value": "$5"}]
    assert container["ports"] == [
        {"containerPort": 80, "protocol": "TCP"},
        {"containerPort": 443, "protocol": "TCP"},
        {"containerPort": 7000, "protocol": "TCP"},
        {"containerPort": 9000, "protocol": "UDP"},
        {"containerPort": 9001, "protocol": "UDP"},
    ]
    assert container["resources"] == {"limits": {"cpu": "0.5", "memory": "512Mi"}, "requests": {"memory": "1Gi"}}
    assert container["livenessProbe"] == {
        "exec": {"command": ["sh", "-c", "curl -f http://localhost/ || exit 1"]},
        "periodSeconds": 90,
        "timeoutSeconds": 10,
        "failureThreshold": 3,
    }
    assert container["securityContext"] == {
        "runAsUser": 1000,
        "runAsGroup": 2000,
        "readOnlyRootFilesystem": True,
        "capabilities": {"add": ["NET_ADMIN"]},
    }
    assert container["workingDir"] == "/srv"
    assert {m["mountPath"]: m.get("readOnly", False) for m in container["volumeMounts"]} == {
        "/cache": True,
        "/scratch": False,
        "/run": False,
    }
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["cache"] == {"name": "cache", "persistentVolumeClaim": {"claimName": "cache"}}
    assert volumes["api-server-tmpfs0"]["emptyDir"] == {"medium": "Memory"}
    assert pod["hostAliases"] == [{"ip": "10.0.0.5", "hostnames": ["db.local"]}]
    service = objects[("Service", "api-server")]
    assert service["spec"]["type"] == "NodePort"
    assert service["spec"]["ports"] == [
        {"name": "8080", "port": 8080, "targetPort": 80, "protocol": "TCP"},
        {"name": "9000-udp", "port": 9000, "targetPort": 9000, "protocol": "UDP"},
        {"name": "9001-udp", "port": 9001, "targetPort": 9001, "protocol": "UDP"},
        {"name": "8443", "port": 8443, "targetPort": 443, "protocol": "TCP"},
    ]
    worker = objects[("Deployment", "worker")]
    assert worker["spec"]["replicas"] == 2
    assert worker["spec"]["template"]["spec"]["containers"][0]["image"] == "worker"  # build: no image
    assert ("Service", "worker") not in objects
    # one claim for the volume both services use
    assert [k for k in objects if k[0] == "PersistentVolumeClaim"] == [("PersistentVolumeClaim", "cache")]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[1, 2]", "mapping"),
        ("version: '3'\n", "no services"),
        ("services: {web: [1]}\n", "web must be a mapping"),
        ("services: {web: {image: x, ports: 80}}\n", "ports must be a list"),
        ("services: {web: {image: x, ports: ['1-5000:1-5000']}}\n", "out of range"),
        ("services: {web: {image: x, environment: 3}}\n", "environment"),
        ("services: {web: {image: x, deploy: {resources: {limits: {memory: lots}}}}}\n", "lots"),
        ("services: {web: {image: x, volumes: [{source: a}]}}\n", "target"),
    ],
)
def test_bad_compose_files(text: str, match: str) -> None:
    with pytest.raises(errors.ErrImportComposeInvalid, match=match):
        compose.convert(yaml.safe_load(text))


def test_names_become_dns_labels() -> None:
    assert compose.dns_name("My_Web.Server") == "my-web-server"
    assert compose.dns_name("___") == "service"
    assert len(compose.dns_name("x" * 100)) == 63
