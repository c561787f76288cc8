"""Applying (or deleting) a design's steps on one cluster: phases, bounded concurrency, outcomes.

Deploy: server-side apply with field manager ``meshery-server`` (``force``, so our manager owns
what the design says), phase by phase; after the CRDs, custom objects of the kinds they define
wait until discovery serves those kinds. Undeploy: deletes in the reverse phase order. At most
``IN_FLIGHT`` requests per cluster. Every step ends as one ``Outcome``; a failure is never
raised past this module, it is the outcome of that one object (with a catalogued code), and
the other objects still run. ``dry_run`` sends ``dryRun=All``: the cluster validates, stores
nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from generated import errors
from meshery.designs.deploy_plan import CRDS, NAMESPACES, OBJECTS, Step, by_phase
from meshery.designs.deploy_targets import Target
from meshery.kube import ApiResource, KubeClient, KubeError, KubeUnreachable

log = logging.getLogger(__name__)

FIELD_MANAGER = "meshery-server"
APPLY_PATCH = "application/apply-patch+yaml"
IN_FLIGHT = 16
CRD_WAIT_SECONDS = 30.0
PREFETCH_MIN = 8  # objects of one kind in one namespace from which one LIST replaces their GETs
LIST_PAGE = 500
APPLY_SECONDS = 30.0

APPLIED, UNCHANGED, DELETED, FAILED, SKIPPED = "applied", "unchanged", "deleted", "failed", "skipped"
STATUSES = (APPLIED, UNCHANGED, DELETED, FAILED, SKIPPED)


@dataclass(slots=True)
class Outcome:
    """What happened to one step on one target."""

    step: Step
    connection_id: str
    status: str
    namespace: str = ""
    error: errors.MesheryError | None = None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """Documented exception to encoding from the spec: this dict is also the ``result`` of a failure
        event's metadata (stored and sent on the bus as plain JSON); in the HTTP answer the encoder still
        validates it against ``DeployItem``."""
        out: dict[str, Any] = {
            "componentId": self.step.component_id,
            "name": self.step.name,
            "kind": self.step.kind,
            "apiVersion": self.step.api_version,
            "namespace": self.namespace,
            "connectionId": self.connection_id,
            "status": self.status,
        }
        if self.error is not None:
            out["error"] = {"code": self.error.code, "message": self.error.message}
        if self.message:
            out["message"] = self.message
        return out


class _Failed(Exception):
    def __init__(self, error: errors.MesheryError) -> None:
        super().__init__(error.message)
        self.error = error


_VOLATILE_META = ("managedFields", "resourceVersion", "generation")


def _comparable(obj: dict[str, Any] | None) -> dict[str, Any]:
    """An object without the fields every write changes, to tell a no-op apply."""
    if not obj:
        return {}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _VOLATILE_META}
    return {**obj, "metadata": meta}


class ClusterRun:
    """One target's share of a deploy or undeploy."""

    def __init__(self, target: Target, *, dry_run: bool, skip_crd: bool) -> None:
        self.target = target
        self.dry_run = dry_run
        self.skip_crd = skip_crd
        self.down: errors.MesheryError | None = target.error
        self.unserved: dict[tuple[str, str], str] = {}  # (apiVersion, kind) -> why it is not served
        self.dry_namespaces: set[str] = set()  # namespaces of the design a dry run does not create
        self.current: dict[str, dict[str, Any] | None] = {}  # object path -> prefetched object (None: absent)

    @property
    def client(self) -> KubeClient:
        assert self.target.client is not None
        return self.target.client

    def _outcome(self, step: Step, status: str, **kw: Any) -> Outcome:
        return Outcome(step=step, connection_id=self.target.connection_id, status=status, **kw)

    def _fail(self, step: Step, error: errors.MesheryError) -> Outcome:
        return self._outcome(step, FAILED, namespace=step.namespace, error=error)

    def _unreachable(self, exc: KubeUnreachable) -> errors.MesheryError:
        if self.down is None:
            self.down = errors.ErrDeployClusterUnreachable(f"connection {self.target.name}: {exc}")
        return self.down

    async def _resource(self, step: Step) -> ApiResource:
        key = (step.api_version, step.kind)
        if key in self.unserved:
            raise _Failed(errors.ErrDeployKindNotServed(self.unserved[key]))
        try:
            return await self.client.resource_for(step.api_version, step.kind)
        except KubeError as exc:
            if exc.status != 404:
                raise
            why = f"connection {self.target.name} serves no {step.kind} in {step.api_version}"
            self.unserved[key] = why
            raise _Failed(errors.ErrDeployKindNotServed(why)) from None

    def _query(self, *extra: tuple[str, str]) -> list[tuple[str, str]]:
        return [*extra, *([("dryRun", "All")] if self.dry_run else [])]

    async def _get(self, path: str) -> dict[str, Any] | None:
        try:
            doc = await self.client.request("GET", path)
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise
        return doc if isinstance(doc, dict) else None

    async def apply(self, step: Step) -> Outcome:
        assert step.manifest is not None
        res = await self._resource(step)
        namespace = (step.namespace or "default") if res.namespaced else ""
        if namespace in self.dry_namespaces:
            why = f"its Namespace {namespace} is not created by a dry run"
            return self._outcome(step, SKIPPED, namespace=namespace, message=why)
        path = res.path(namespace or None, step.name)
        before = self.current.pop(path) if path in self.current else await self._get(path)
        query = self._query(("fieldManager", FIELD_MANAGER), ("force", "true"))
        after = await self.client.request(
            "PATCH", path, query=query, body=step.manifest, content_type=APPLY_PATCH, seconds=APPLY_SECONDS
        )
        if before is None and self.dry_run and step.phase == NAMESPACES:
            self.dry_namespaces.add(step.name)
        # Compared by content, not resourceVersion: a server may count a no-op write as a write.
        if before is not None and isinstance(after, dict) and _comparable(before) == _comparable(after):
            return self._outcome(step, UNCHANGED, namespace=namespace)
        return self._outcome(step, APPLIED, namespace=namespace)

    async def _list(self, res: ApiResource, namespace: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            query: list[tuple[str, Any]] = [("limit", LIST_PAGE), *([("continue", token)] if token else [])]
            page = await self.client.request("GET", res.path(namespace or None), query=query, seconds=APPLY_SECONDS)
            items.extend(i for i in (page or {}).get("items") or [] if isinstance(i, dict))
            token = str(((page or {}).get("metadata") or {}).get("continue") or "")
            if not token:
                return items

    async def prefetch(self, steps: list[Step]) -> None:
        """What the cluster holds of crowded kinds, one LIST per kind and namespace instead of a GET each.

        Best effort: anything not prefetched is read with a GET when it is applied.
        """
        groups: dict[tuple[ApiResource, str], list[str]] = {}
        for step in steps:
            if step.manifest is None or step.skip or self.down is not None:
                continue
            try:
                res = await self._resource(step)
            except (_Failed, KubeError, KubeUnreachable):
                continue
            namespace = (step.namespace or "default") if res.namespaced else ""
            groups.setdefault((res, namespace), []).append(step.name)
        for (res, namespace), names in groups.items():
            if len(names) < PREFETCH_MIN or namespace in self.dry_namespaces:
                continue
            try:
                items = await self._list(res, namespace)
            except (KubeError, KubeUnreachable):
                continue
            held = {str((i.get("metadata") or {}).get("name")): i for i in items}
            for name in names:
                obj = held.get(name)
                if obj is not None:  # list items carry no apiVersion/kind; single reads do
                    obj = {"apiVersion": res.api_version, "kind": res.kind, **obj}
                self.current[res.path(namespace or None, name)] = obj

    async def delete(self, step: Step) -> Outcome:
        try:
            res = await self._resource(step)
        except _Failed as exc:
            return self._outcome(
                step, SKIPPED, namespace=step.namespace, message=f"nothing to delete: {exc.error.detail}"
            )
        namespace = (step.namespace or "default") if res.namespaced else ""
        body: dict[str, Any] = {"propagationPolicy": "Background", **({"dryRun": ["All"]} if self.dry_run else {})}
        try:
            await self.client.request("DELETE", res.path(namespace or None, step.name), query=self._query(), body=body)
        except KubeError as exc:
            if exc.status == 404:
                return self._outcome(step, SKIPPED, namespace=namespace, message="already absent")
            raise _Failed(errors.ErrDeployDeleteRefused(f"{step.kind} {step.name}: {exc}")) from None
        return self._outcome(step, DELETED, namespace=namespace)

    async def guarded(self, step: Step, action: Callable[[Step], Awaitable[Outcome]]) -> Outcome:
        """``action`` on one step, every failure turned into that step's outcome."""
        if step.skip:
            return self._outcome(step, SKIPPED, namespace=step.namespace, message=step.skip)
        if step.manifest is None:
            return self._fail(step, errors.ErrDeployManifestInvalid(step.problem))
        if self.down is not None:
            return self._fail(step, self.down)
        if step.is_crd and self.skip_crd:
            return self._outcome(step, SKIPPED, message="skipCRD=true")
        try:
            return await action(step)
        except _Failed as exc:
            return self._fail(step, exc.error)
        except KubeUnreachable as exc:
            return self._fail(step, self._unreachable(exc))
        except KubeError as exc:
            return self._fail(step, errors.ErrDeployObjectRefused(f"{step.kind} {step.name}: {exc}"))

    async def each(self, steps: list[Step], action: Callable[[Step], Awaitable[Outcome]]) -> list[Outcome]:
        """Run ``action`` on every step, at most ``IN_FLIGHT`` at once; outcomes in step order."""
        results: list[Outcome | None] = [None] * len(steps)
        queue = iter(enumerate(steps))

        async def worker() -> None:
            for index, step in queue:
                results[index] = await self.guarded(step, action)

        await asyncio.gather(*(worker() for _ in range(min(IN_FLIGHT, len(steps)))))
        return [r for r in results if r is not None]

    async def _served(self) -> set[tuple[str, str]]:
        return {(r.api_version, r.kind) for r in await self.client.discover(refresh=True)}

    async def wait_for_crds(self, crd_outcomes: list[Outcome], objects: list[Step]) -> dict[int, Outcome]:
        """Wait until the kinds of the applied CRDs are served; the custom objects that cannot go.

        Returns outcomes (by ``id(step)``) for the custom objects that must not be applied:
        their CRD failed, was not served in time, or (dry run) was never created.
        """
        provides: dict[tuple[str, str], Outcome] = {}
        for outcome in crd_outcomes:
            for key in outcome.step.served_kinds():
                provides[key] = outcome
        waiting = [s for s in objects if (s.api_version, s.kind) in provides and s.manifest is not None]
        if not waiting or self.down is not None:
            return {}
        blocked: dict[int, Outcome] = {}
        wanted = {(s.api_version, s.kind) for s in waiting}
        try:
            served = await self._served()
            if self.dry_run:
                missing = wanted - served
            else:
                ok = {k for k in wanted if provides[k].status in (APPLIED, UNCHANGED)}
                deadline = time.monotonic() + CRD_WAIT_SECONDS
                delay = 0.05
                while ok - served and time.monotonic() < deadline:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    served = await self._served()
                missing = wanted - served
        except KubeUnreachable as exc:
            self._unreachable(exc)
            return {}
        except KubeError:
            missing = wanted
        for step in waiting:
            key = (step.api_version, step.kind)
            if key not in missing:
                continue
            crd = provides[key]
            if self.dry_run and crd.status == APPLIED:
                blocked[id(step)] = self._outcome(
                    step, SKIPPED, namespace=step.namespace,
                    message=f"its CustomResourceDefinition {crd.step.name} is not created by a dry run",
                )  # fmt: skip
            elif crd.status == SKIPPED:
                continue  # skipCRD: the kind may be served already; applying it tells
            else:
                why = f"CustomResourceDefinition {crd.step.name} is {crd.status}"
                if crd.status in (APPLIED, UNCHANGED):
                    why = f"CustomResourceDefinition {crd.step.name} not served within {CRD_WAIT_SECONDS:.0f} s"
                blocked[id(step)] = self._fail(step, errors.ErrDeployCrdNotServed(why))
        return blocked

    async def deploy(self, steps: list[Step]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if self.down is None:
            try:
                await self.client.discover()
            except KubeUnreachable as exc:
                self._unreachable(exc)
            except KubeError:
                pass
        for phase, group in enumerate(by_phase(steps)):
            blocked: dict[int, Outcome] = {}
            if phase == OBJECTS:
                crds = [o for o in outcomes if o.step.phase == CRDS]
                blocked = await self.wait_for_crds(crds, group)
            todo = [s for s in group if id(s) not in blocked]
            await self.prefetch(todo)
            done = {id(o.step): o for o in await self.each(todo, self.apply)}
            self.current.clear()
            outcomes.extend(blocked.get(id(s)) or done[id(s)] for s in group)
        return outcomes

    async def undeploy(self, steps: list[Step]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for group in by_phase(steps, reverse=True):
            outcomes.extend(await self.each(group, self.delete))
        return outcomes


async def run(target: Target, steps: list[Step], *, undeploy: bool, dry_run: bool, skip_crd: bool) -> list[Outcome]:
    """Every step on one target; logs the counts and the rate."""
    started = time.perf_counter()
    cluster = ClusterRun(target, dry_run=dry_run, skip_crd=skip_crd)
    outcomes = await (cluster.undeploy(steps) if undeploy else cluster.deploy(steps))
    seconds = time.perf_counter() - started
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in STATUSES}
    log.info(
        "%s%s on %s: %d objects in %.2f s (%.0f/s): %s",
        "undeploy" if undeploy else "deploy",
        " (dry run)" if dry_run else "",
        target.name,
        len(outcomes),
        seconds,
        len(outcomes) / seconds if seconds > 0 else 0.0,
        ", ".join(f"{n} {s}" for s, n in counts.items() if n),
    )
    return outcomes
