"""Kubernetes access: kubeconfig parsing, per-context clients, ping, discovery, list/watch, apply.

The only package that imports the official ``kubernetes`` client. It uses the client's asyncio
flavour (``kubernetes.aio``, aiohttp underneath): one event loop serves every context and every
watch without worker threads, and the client still does what it is trusted for (kubeconfig
loading, TLS material, bearer tokens, exec and auth-provider plugins). Answers are read as raw
JSON rather than as generated models: MeshSync stores the objects as JSON anyway, and skipping
model construction is what makes a 10,000-object discovery take well under a second.
"""

from meshery.kube.client import ApiResource, KubeClient, KubeError, KubeExpired, KubeUnreachable
from meshery.kube.kubeconfig import KubeconfigError, KubeContext, parse_kubeconfig

__all__ = [
    "ApiResource",
    "KubeClient",
    "KubeContext",
    "KubeError",
    "KubeExpired",
    "KubeUnreachable",
    "KubeconfigError",
    "parse_kubeconfig",
]
