"""The sample application the sample adapter installs: a ConfigMap, a Deployment and a Service."""

from __future__ import annotations

from typing import Any

APP = "meshery-sample-app"


def sample_application(namespace: str) -> list[dict[str, Any]]:
    """The objects, namespace first; applied in this order and deleted in reverse."""
    labels = {"app.kubernetes.io/name": APP, "app.kubernetes.io/managed-by": "meshery-sample-adapter"}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{APP}-config", "namespace": namespace, "labels": labels},
            "data": {"greeting": "Hello from the Meshery sample adapter"},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": APP, "namespace": namespace, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app.kubernetes.io/name": APP}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "docker.io/kennethreitz/httpbin:latest",
                                "ports": [{"containerPort": 80}],
                                "envFrom": [{"configMapRef": {"name": f"{APP}-config"}}],
                            }
                        ]
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": APP, "namespace": namespace, "labels": labels},
            "spec": {
                "selector": {"app.kubernetes.io/name": APP},
                "ports": [{"name": "http", "port": 8000, "targetPort": 80}],
            },
        },
    ]
