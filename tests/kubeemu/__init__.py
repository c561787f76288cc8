"""A Kubernetes API emulator for tests and benchmarks: a real HTTP server that the real ``kubectl``
and the real ``kubernetes`` Python client talk to. No cluster, no Docker, all in memory.

Python API::

    from tests.kubeemu import KubeEmulator, KubeContext, write_kubeconfig

    # In a background thread with its own event loop (sync or async tests alike):
    with KubeEmulator(tokens=["secret"]) as emu:          # start() ... close()
        emu.url                                           # http://127.0.0.1:<free port>
        emu.write_kubeconfig(tmp_path / "config")         # one context named emu.cluster_name
        emu.seed_pods(10_000, namespace="bench")          # direct seeding, no HTTP (fast)
        emu.seed([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}}])
        emu.get("v1", "Pod", "pod-1", "bench"); emu.list("apps/v1", "Deployment"); emu.delete(...)
        emu.patch("v1", "Pod", "pod-1", "bench", merge={"status": {"phase": "Failed"}})  # MODIFIED
        emu.wait_for_watches(1, plural="pods")            # a client is watching: changes reach it
        emu.stop(); emu.start()                           # same port, objects kept, watches cut
        with emu.unreachable(): ...                       # connections refused inside the block
        emu.compact()                                     # older resourceVersions -> 410 Expired
        emu.drop_watches(expire=True)                     # open watches get ERROR 410 and end
        with emu.missed_by_watches(): emu.delete(...)     # watches miss it, then get 410 and end
        emu.fail(503, times=2, path="/api/v1/pods")        # inject errors (Status objects)
        emu.latency = 0.5                                 # delay every answer
        emu.requests                                      # what clients sent (method, path, query...)
        emu.cluster_id                                    # UID of kube-system (stable per cluster_name)

    # Or in the running event loop:
    async with KubeEmulator() as emu: ...                 # astart() ... astop()

    # Several emulators or tokens in one kubeconfig:
    write_kubeconfig(path, [a.context("one"), b.context("two", token="other"),
                            KubeContext(name="down", server="http://127.0.0.1:9")], current="one")

``KubeEmulator(host, port=0, tokens=(), version="1.32.0", bookmark_interval=1.0, watch_timeout=1800,
history_size=10_000, cluster_name="kubeemu", tls=False, controllers=False)``. With ``controllers``
(or ``emu.controllers.attach()`` later) workloads come alive at once: Deployment -> ReplicaSet ->
Pods, StatefulSet/DaemonSet/Job -> Pods, every Pod bound to the node and Running (a Job's
Succeeded), owners' status all ready, deleted owned Pods replaced (see ``controllers``).
With ``tokens``, every request except ``/healthz``, ``/livez`` and ``/readyz`` needs
``Authorization: Bearer <one of them>`` (401 ``Status`` otherwise).

Pytest fixtures (``tests/fixtures/kubeemu.py``): ``kube_emulator`` (http, token ``TOKEN``),
``kube_emulator_tls`` and ``kubectl`` (the venv's kubectl with a per-test cache:
``kubectl("get", "pods", kubeconfig=path)``, ``kubectl.popen(...)``). ``pod(name, ...)`` builds a
complete Running Pod for ``seed``; ``emu.resource_version`` is the current resourceVersion.

As a process: ``python -m tests.kubeemu --port 6443 --token T [--tls] [--kubeconfig PATH]
[--seed-pods N] [--cluster-name NAME] [--version 1.32.0] [--controllers]`` (prints
``kubeemu listening on <url>`` once ready; SIGTERM/SIGINT stop it).

What it serves (see ``reference/kubernetes-testing.md``):

- ``/version`` and ``/version/`` (full ``version.Info``), ``/healthz``, ``/livez``, ``/readyz``.
- Discovery: aggregated (``apidiscovery.k8s.io`` v2 and v2beta1, chosen from Accept) and legacy
  (``/api``, ``/apis``, ``/api/v1``, ``/apis/<group>``, ``/apis/<group>/<version>``).
- ``/openapi/v3`` (root and one document per group-version, each ``patch`` with
  ``x-kubernetes-group-version-kind`` and ``fieldValidation``) and a JSON ``/openapi/v2``.
- Core, apps, batch, networking, rbac, storage, policy, autoscaling, coordination, discovery,
  admissionregistration, apiregistration and apiextensions kinds (``resources.BUILTIN``). A
  CustomResourceDefinition serves its kinds at once (discovery, OpenAPI, CRUD, watch) and gets an
  ``Established`` condition; deleting it deletes its custom resources.
- GET/POST/PUT/PATCH/DELETE and deletecollection; ``status`` subresource (the main resource keeps
  status on update; a create keeps what was sent, so tests can create Running pods);
  ``generateName``; ``dryRun=All``; namespaces must exist (404 otherwise); a deleted namespace
  turns Terminating (MODIFIED), then its objects and it are deleted at once; finalizers delay
  removal (``deletionTimestamp``); ownerReferences drive Background/Foreground/Orphan
  propagation.
- PATCH: JSON merge, JSON patch, strategic merge (merge keys of the common list fields; 415 for
  custom resources, as a real server) and server-side apply with ``managedFields``, field managers,
  409 conflicts unless ``force=true`` and removal of fields a manager stopped applying.
- LIST with ``labelSelector``, ``fieldSelector``, ``limit``/``continue``; WATCH with
  ``resourceVersion`` resume, ``allowWatchBookmarks`` (BOOKMARK every ``bookmark_interval`` s),
  ``timeoutSeconds``, ERROR 410 Expired for compacted versions, ``sendInitialEvents`` (initial
  ADDED events then a BOOKMARK annotated ``k8s.io/initial-events-end``).
- Structural validation of writes (metadata field types, spec/status objects, workload, pod,
  service and CRD field types; ``validate``): malformed objects get 422 with one cause per field.
- Errors as ``Status`` objects: 400 BadRequest, 401, 404 NotFound, 409 AlreadyExists/Conflict,
  410 Expired, 415, 422 Invalid, 500 InternalError (an emulator bug, logged).
- Subresources: ``status``, ``scale`` (``kubectl scale``), ``pods/<name>/log`` (text from
  ``emu.pod_logs[(namespace, name)]``), ``serviceaccounts/<name>/token`` (``kubectl create token``:
  a new token, accepted from then on; one hour unless a JSON body asks otherwise); ``exec`` 405.
- Access and token reviews (``kubectl auth can-i``, ``auth whoami``, TokenReview): every request
  is allowed; a TokenReview authenticates the tokens the emulator accepts. Never stored.
- Request bodies in JSON or YAML, and the protobuf that ``kubectl create <kind>`` sends for
  namespaces, configmaps, secrets, serviceaccounts, services, deployments, jobs, cronjobs, roles,
  (cluster)rolebindings, priorityclasses, resourcequotas, poddisruptionbudgets and ingresses
  (``protobuf.SCHEMAS``); answers are always JSON.
- TLS with ``tls=True``: a fresh CA per emulator, embedded in its kubeconfigs. kubectl sends bearer
  tokens only over https, so kubectl with tokens needs ``tls=True`` (the Python client sends them
  over http too). With TLS a client certificate signed by that CA (``context(client_cert=True)``)
  also authenticates.
- Table answers (``as=Table``) with the real server's columns for pods, services, namespaces,
  nodes, configmaps, secrets and the apps kinds, a CRD's ``additionalPrinterColumns``, else Name/Age.

Not emulated: controllers unless asked for (without them a Deployment gets no pods), admission,
RBAC authorization, full OpenAPI schema validation (required fields, unknown fields), protobuf
answers, CBOR.
"""

from __future__ import annotations

from tests.kubeemu.emulator import KubeEmulator, pod, running
from tests.kubeemu.errors import ApiError
from tests.kubeemu.kubeconfig import KubeContext, kubeconfig, write_kubeconfig
from tests.kubeemu.resources import ResourceType

__all__ = [
    "ApiError",
    "KubeContext",
    "KubeEmulator",
    "ResourceType",
    "kubeconfig",
    "pod",
    "running",
    "write_kubeconfig",
]
