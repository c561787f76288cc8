"""``KubeEmulator``: lifecycle (thread or asyncio task), seeding and direct access for tests."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, Self

from aiohttp import web

from tests.kubeemu import errors
from tests.kubeemu.base import RequestRecord, ServerState
from tests.kubeemu.controllers import Controllers
from tests.kubeemu.kubeconfig import KubeContext, write_kubeconfig
from tests.kubeemu.kubeconfig import kubeconfig as build_kubeconfig
from tests.kubeemu.patch import merge_patch
from tests.kubeemu.resources import Catalog, ResourceType
from tests.kubeemu.server import build_app
from tests.kubeemu.store import Obj, Store


class KubeEmulator:
    """An emulated Kubernetes API server on ``host:port`` (see the package docstring)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Iterable[str] = (),
        version: str = "1.32.0",
        bookmark_interval: float = 1.0,
        watch_timeout: float = 1800.0,
        history_size: int = 10_000,
        cluster_name: str = "kubeemu",
        tls: bool = False,
        controllers: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.cluster_name = cluster_name
        self.catalog = Catalog.builtin()
        self.store = Store(self.catalog, history_size=history_size, cluster_name=cluster_name)
        self.controllers = Controllers(self.store)
        if controllers:
            self.controllers.attach()
        major, minor, patch = [*version.lstrip("v").split("."), "0", "0"][:3]
        self.state = ServerState(
            store=self.store,
            tokens=set(tokens),
            version=(major, minor, patch),
            bookmark_interval=bookmark_interval,
            watch_timeout=watch_timeout,
        )
        self._ssl: ssl.SSLContext | None = None
        self.ca_pem = b""
        self._client_cert: tuple[bytes, bytes] | None = None
        if tls:
            self._setup_tls()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._owns_loop = False

    # --- addresses -----------------------------------------------------------------------------

    def _setup_tls(self) -> None:
        import trustme

        ca = trustme.CA(organization_name="kubeemu")
        server = ca.issue_cert(self.host, "localhost", "127.0.0.1")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.configure_cert(context)
        ca.configure_trust(context)
        context.verify_mode = ssl.CERT_OPTIONAL  # a client certificate signed by our CA authenticates
        self._ssl = context
        self.ca_pem = ca.cert_pem.bytes()
        client = ca.issue_cert("kubeemu-admin")
        self._client_cert = (client.cert_chain_pems[0].bytes(), client.private_key_pem.bytes())

    @property
    def tls(self) -> bool:
        return self._ssl is not None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def tokens(self) -> set[str]:
        return self.state.tokens

    @property
    def cluster_id(self) -> str:
        """UID of namespace kube-system: stable for a given ``cluster_name``."""
        return self.store.cluster_id

    @property
    def requests(self) -> list[RequestRecord]:
        return list(self.state.requests)

    @property
    def pod_logs(self) -> dict[tuple[str, str], str]:
        """Text served at ``pods/<name>/log``, keyed by (namespace, name)."""
        return self.state.pod_logs

    @property
    def latency(self) -> float:
        return self.state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.state.latency = seconds

    # --- lifecycle in the caller's event loop ----------------------------------------------------

    async def astart(self) -> Self:
        """Listen from the running event loop (the same port again after a stop)."""
        if self._runner is not None:
            return self
        self._loop = asyncio.get_running_loop()
        app = build_app(self.state)
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=0.5, handle_signals=False, handler_cancellation=True
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True, backlog=512, ssl_context=self._ssl)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = int(runner.addresses[0][1])
        self.state.address = f"{self.host}:{self.port}"
        self._runner = runner
        return self

    async def astop(self) -> None:
        """Stop listening and drop every connection (open watches end); objects are kept."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.store.close_watches()
        for stream in list(self.state.streams):
            with contextlib.suppress(Exception):
                if stream.task is not None:
                    stream.task.cancel()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    # --- lifecycle in a background thread --------------------------------------------------------

    def start(self) -> Self:
        """Listen from a background thread with its own event loop; returns once listening."""
        if self._thread is None:
            ready = threading.Event()

            def run() -> None:
                loop = asyncio.new_event_loop()
                self._loop = loop
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

            self._thread = threading.Thread(target=run, name=f"kubeemu-{self.cluster_name}", daemon=True)
            self._thread.start()
            ready.wait()
            self._owns_loop = True
        self._call(self.astart())
        return self

    def stop(self) -> None:
        """Stop listening (objects are kept; ``start()`` serves them again on the same port)."""
        if self._owns_loop:
            self._call(self.astop())

    def close(self) -> None:
        """Stop and end the background thread."""
        self.stop()
        if self._thread is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._thread = None
            self._owns_loop = False

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def make_unreachable(self) -> None:
        """Refuse connections (as a stopped API server does) until ``make_reachable()``."""
        self.stop()

    def make_reachable(self) -> None:
        self.start()

    @contextlib.contextmanager
    def unreachable(self) -> Iterator[None]:
        self.make_unreachable()
        try:
            yield
        finally:
            self.make_reachable()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    # --- kubeconfig ----------------------------------------------------------------------------

    def context(
        self,
        name: str | None = None,
        *,
        token: str | None = None,
        namespace: str | None = None,
        client_cert: bool = False,
    ) -> KubeContext:
        """A kubeconfig context for this emulator.

        The token defaults to one the emulator accepts. With TLS the CA is embedded, and
        ``client_cert=True`` authenticates with a client certificate instead of a token.
        """
        if token is None and self.tokens and not client_cert:
            token = sorted(self.tokens)[0]
        cert = key = None
        if client_cert:
            if self._client_cert is None:
                raise ValueError("client certificates need KubeEmulator(tls=True)")
            cert, key = (base64.b64encode(p).decode() for p in self._client_cert)
        return KubeContext(
            name=name or self.cluster_name,
            server=self.url,
            token=token,
            namespace=namespace,
            ca_data=base64.b64encode(self.ca_pem).decode() if self.tls else None,
            client_cert_data=cert,
            client_key_data=key,
        )

    def kubeconfig(self, name: str | None = None, *, token: str | None = None) -> dict[str, Any]:
        return build_kubeconfig([self.context(name, token=token)])

    def write_kubeconfig(self, path: str | Path, name: str | None = None, *, token: str | None = None) -> Path:
        return write_kubeconfig(path, [self.context(name, token=token)])

    # --- direct access (no HTTP) ---------------------------------------------------------------

    def resource(self, api_version: str, kind: str) -> ResourceType:
        rt = self.catalog.by_kind(api_version, kind)
        if rt is None:
            raise KeyError(f"{api_version}/{kind} is not served")
        return rt

    def seed(self, objects: Iterable[Obj], *, events: bool = True) -> int:
        """Store objects as given (fast: no validation, patching or managedFields).

        Missing namespaces are created. With ``events`` (default) watchers see them as ADDED.
        The dicts are taken over by the store: do not change them afterwards.
        """
        return self.store.seed(objects, events=events)

    def seed_pods(
        self,
        count: int,
        *,
        namespace: str = "default",
        prefix: str = "pod",
        labels: dict[str, str] | None = None,
        phase: str = "Running",
        events: bool = True,
    ) -> int:
        """Seed ``count`` realistic Running pods named ``<prefix>-<n>``."""
        return self.seed(
            (pod(f"{prefix}-{n}", namespace=namespace, labels=labels, phase=phase) for n in range(count)), events=events
        )

    def get(self, api_version: str, kind: str, name: str, namespace: str = "") -> Obj | None:
        rt = self.resource(api_version, kind)
        found = self.store.find(rt, namespace if rt.namespaced else "", name)
        return copy.deepcopy(found) if found is not None else None

    def list(self, api_version: str, kind: str, namespace: str | None = None) -> list[Obj]:
        items, _ = self.store.select(self.resource(api_version, kind), namespace)
        return copy.deepcopy(items)

    def delete(self, api_version: str, kind: str, name: str, namespace: str = "") -> None:
        """Delete as an API DELETE does (finalizers, propagation); KeyError-free: ApiError 404 if absent."""
        rt = self.resource(api_version, kind)
        self.store.delete(rt, namespace if rt.namespaced else "", name)

    def patch(self, api_version: str, kind: str, name: str, namespace: str = "", *, merge: Obj) -> Obj:
        """JSON-merge-patch one object directly (status included); watchers see MODIFIED."""
        rt = self.resource(api_version, kind)

        def change(current: Obj | None) -> Obj:
            if current is None:
                raise errors.not_found(rt.group, rt.plural, name)
            result: Obj = merge_patch(current, merge)
            return result

        obj, _ = self.store.mutate(rt, namespace if rt.namespaced else "", name, change)
        assert obj is not None
        return copy.deepcopy(obj)

    def watch_count(self, plural: str | None = None) -> int:
        """Open watches (of one resource plural, or all)."""
        with self.store.lock:
            return sum(1 for w in self.store.watchers if plural is None or w.key[1] == plural)

    def wait_for_watches(self, count: int = 1, *, plural: str | None = None, timeout: float = 5.0) -> None:
        """Block until at least ``count`` watches are open, so changes made next reach them."""
        deadline = time.monotonic() + timeout
        while self.watch_count(plural) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.watch_count(plural)} watches open, wanted {count}")
            time.sleep(0.01)

    def drop_watches(self, *, expire: bool = False) -> None:
        """End every open watch while the server stays up (clients re-watch from their last
        resourceVersion). With ``expire`` each gets ERROR 410 Expired first and the history is
        compacted, so clients must relist."""
        self.store.close_watches(expire=expire)

    @contextlib.contextmanager
    def missed_by_watches(self) -> Iterator[None]:
        """Open watches miss every change made inside the block, as a watch that fell too far behind:
        no events and no bookmarks reach them, the history is not kept (resuming from any earlier
        resourceVersion gets 410 Expired), and at the end each gets ERROR 410 Expired and ends.
        Only a relist shows the client what changed."""
        with self.store.lock:
            self.store.watches_behind = True
        try:
            yield
        finally:
            with self.store.lock:
                self.store.watches_behind = False
                self.store.close_watches(expire=True)

    def fail(self, status: int = 500, *, times: int = 1, method: str = "", path: str = "/") -> None:
        """Answer the next ``times`` requests matching ``method`` (any if empty) and path prefix with
        an error ``Status`` of ``status`` (e.g. 503 ServiceUnavailable, 429 TooManyRequests)."""
        self.state.faults.append([status, times, method.upper(), path])

    def compact(self) -> int:
        """Forget the watch history: older resourceVersions now get 410 Expired. Returns the current one."""
        return self.store.compact()

    @property
    def resource_version(self) -> int:
        return self.store.rv


def pod(
    name: str,
    *,
    namespace: str = "default",
    labels: dict[str, str] | None = None,
    phase: str = "Running",
    image: str = "nginx:1.27",
) -> Obj:
    """A complete Pod object (spec and status) as a kubelet would report it."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {"app": "bench"})},
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": image,
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {},
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "nodeName": "kubeemu-node",
            "restartPolicy": "Always",
            "serviceAccountName": "default",
        },
        "status": {
            "phase": phase,
            "podIP": "10.244.0.10",
            "hostIP": "127.0.0.1",
            "conditions": [{"type": "Ready", "status": "True" if phase == "Running" else "False"}],
            "containerStatuses": [
                {
                    "name": "main",
                    "ready": phase == "Running",
                    "restartCount": 0,
                    "image": image,
                    "imageID": "",
                    "started": phase == "Running",
                }
            ],
        },
    }


@contextlib.asynccontextmanager
async def running(**kwargs: Any) -> AsyncIterator[KubeEmulator]:
    """``async with running(tokens=["t"]) as emu:`` in the current event loop."""
    emu = KubeEmulator(**kwargs)
    await emu.astart()
    try:
        yield emu
    finally:
        await emu.astop()
