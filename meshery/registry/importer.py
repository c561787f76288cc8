"""Incremental import of model packages into the persistent registry.

For each package found under the sources: an unchanged fingerprint (file
paths, sizes, mtimes) skips it without reading; otherwise it is read and
hashed, and an unchanged content hash only refreshes the fingerprint. A
changed or new package has its entities replaced in one transaction;
packages that disappeared from the sources are marked ``vanished`` and their
entities removed. Reading and parsing run in a worker thread one package
ahead of the database writes. Bad packages and entities are recorded with
their codes; they never stop the import.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from generated import errors
from meshery.observability import metrics
from meshery.registry import build, core, kubernetes, sources
from meshery.registry.parse import Problem
from meshery.registry.prepare import Job, Prepared, prepare
from meshery.store import Store
from meshery.store import registry as store_registry

log = logging.getLogger(__name__)

PROGRESS_EVERY = 5.0
MAX_RECORDED_PROBLEMS = 200
# Packages read ahead of the database writes.
PREFETCH = 4
# From this many packages to read, parsing runs in a worker process (it costs
# about half a second to start); below, in a thread.
PROCESS_FROM = 24
# Parsing and compressing cost about as much as the database writes, so two
# workers keep the writer busy on a 2-core machine.
WORKERS = 2


@contextlib.contextmanager
def _executor(packages: int) -> Iterator[concurrent.futures.Executor]:
    if packages >= PROCESS_FROM:
        pool: concurrent.futures.Executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn")
        )
    else:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-import")
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class Report:
    """Totals of one import run (what the completion event and log line carry)."""

    packages: int = 0
    imported: int = 0
    unchanged: int = 0
    failed: int = 0
    ignored: int = 0
    vanished: int = 0
    components: int = 0
    relationships: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.imported or self.failed or self.ignored or self.vanished)

    def as_dict(self) -> dict[str, Any]:
        return {
            "packages": self.packages,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "ignored": self.ignored,
            "vanished": self.vanished,
            "components": self.components,
            "relationships": self.relationships,
            "problems": len(self.problems),
            "seconds": round(self.seconds, 3),
        }


def _package_row(prepared: Prepared, status: str, problems: list[Problem], rows: build.Rows | None) -> dict[str, Any]:
    return {
        "id": prepared.key,
        "location": prepared.location,
        "fingerprint": prepared.fingerprint,
        "content_hash": prepared.parsed.content_hash,
        "status": status,
        "model_id": None,
        "components": len(rows.components) if rows else 0,
        "relationships": len(rows.relationships) if rows else 0,
        "errors": orjson.dumps([p.as_dict() for p in problems[:MAX_RECORDED_PROBLEMS]]).decode(),
    }


async def store_prepared(store: Store, prepared: Prepared) -> tuple[str, build.Rows | None, list[Problem]]:
    """Register one prepared package; returns its outcome, rows and problems."""
    if prepared.facts is None or prepared.rows is None:
        problems = [*prepared.parsed.problems, *([prepared.fatal] if prepared.fatal else [])]
        await store_registry.record_package(store, _package_row(prepared, "failed", problems, None), drop_entities=True)
        return "failed", None, problems
    facts, rows = prepared.facts, prepared.rows
    if facts.status == "ignored" or not (rows.components or rows.relationships):
        outcome = "ignored" if facts.status == "ignored" else "empty"
        await store_registry.record_package(
            store, _package_row(prepared, outcome, rows.problems, None), drop_entities=True
        )
        return outcome, None, rows.problems
    registrant = facts.registrant
    kind = str(registrant.get("kind")).strip()

    def rows_for(placement: store_registry.Placement) -> build.Rows:
        if placement.model_id == facts.key and placement.status == facts.status:
            final = rows
        else:
            final = build.relocate(rows, facts, model_id=placement.model_id, status=placement.status)
        final.model.update(registrant_id=placement.registrant_id, category_id=placement.category_id)
        return final

    placement = await store_registry.replace_package(
        store,
        package=_package_row(prepared, "imported", rows.problems, rows),
        model_key=facts.key,
        duplicate_id=build.derived_id(facts.key, "duplicate", prepared.key),
        requested_status=facts.status,
        registrant=store_registry.Registrant(
            kind=kind[:128],
            name=str(registrant.get("name") or kind)[:255],
            type=str(registrant.get("type") or "registry")[:64],
            sub_type=str(registrant.get("sub_type") or registrant.get("subType") or "")[:64],
        ),
        category=facts.category,
        rows_for=rows_for,
    )
    if placement.status == "duplicate":
        rows.problems.append(
            Problem(
                errors.ErrRegistryDuplicateEntity.code,
                prepared.location,
                f"model {facts.name} {facts.model_version} is already registered; stored as duplicate",
            )
        )
    return "imported", rows, rows.problems


async def _run(
    store: Store,
    *,
    todo: list[Job],
    ahead: collections.deque[asyncio.Future[Prepared]],
    pool: concurrent.futures.Executor,
    report: Report,
    known: dict[str, store_registry.PackageState],
    touched: dict[str, str],
    names: set[str],
    started: float,
) -> None:
    """Store each prepared package as it arrives, keeping ``PREFETCH`` packages in preparation."""
    loop = asyncio.get_running_loop()
    last_log = time.perf_counter()
    for index in range(len(todo)):
        prepared = await ahead.popleft()
        if index + PREFETCH < len(todo):
            ahead.append(loop.run_in_executor(pool, prepare, todo[index + PREFETCH]))
        state = known.get(prepared.key)
        if state is not None and state.content_hash == prepared.parsed.content_hash and state.status != "vanished":
            touched[prepared.key] = prepared.fingerprint
            report.unchanged += 1
            continue
        try:
            outcome, rows, problems = await store_prepared(store, prepared)
        except errors.MesheryError:
            raise
        except Exception as exc:
            if not store_registry.is_conflict(exc):
                raise
            outcome, rows, problems = (
                "failed",
                None,
                [Problem(errors.ErrRegistryImportFailed.code, prepared.location, type(exc).__name__)],
            )
            await store_registry.record_package(
                store, _package_row(prepared, "failed", problems, None), drop_entities=True
            )
        if prepared.facts is not None:
            names.add(prepared.facts.name)
        if outcome == "imported" and rows is not None:
            report.imported += 1
            report.components += len(rows.components)
            metrics.registry_components(len(rows.components))
            report.relationships += len(rows.relationships)
        elif outcome == "failed":
            report.failed += 1
        else:
            report.ignored += 1
        for problem in problems:
            if len(report.problems) < MAX_RECORDED_PROBLEMS:
                report.problems.append({**problem.as_dict(), "package": prepared.location})
        metrics.registry_progress(done=report.packages - len(todo) + index + 1, total=report.packages)  # /metrics
        now = time.perf_counter()
        if now - last_log >= PROGRESS_EVERY:
            last_log = now
            log.info(
                "registry import: %d/%d packages, %d components (%.0f components/s)",
                index + 1,
                len(todo),
                report.components,
                report.components / (now - started),
            )


async def import_sources(store: Store, roots: list[Path], *, static_k8s: bool, core_model: bool = False) -> Report:
    """Bring the registry in line with ``roots`` (and the built-in core and static Kubernetes models)."""
    started = time.perf_counter()
    report = Report()
    known = await store_registry.packages(store)
    refs: list[sources.PackageRef] = await asyncio.to_thread(
        lambda: [ref for root in roots for ref in sources.discover(root)]
    )
    jobs: list[Job] = []
    seen: set[str] = set()
    for ref in refs:
        if ref.key in seen:
            continue
        seen.add(ref.key)
        jobs.append(Job(ref.key, ref.location, ref.fingerprint, ref))
    built_in = [(core.LOCATION, core.fingerprint())] if core_model else []
    if static_k8s:
        built_in.append((kubernetes.LOCATION, kubernetes.fingerprint()))
    for location, fingerprint in built_in:
        key = sources.package_key(location)
        seen.add(key)
        jobs.append(Job(key, location, fingerprint))
    report.packages = len(jobs)
    todo = []
    for job in jobs:
        state = known.get(job.key)
        if state is not None and state.fingerprint == job.fingerprint and state.status != "vanished":
            report.unchanged += 1
        else:
            todo.append(job)
    if todo:
        log.info("registry import: %d packages found, %d to read", len(jobs), len(todo))
    touched: dict[str, str] = {}
    names: set[str] = set()
    metrics.registry_progress(done=report.unchanged, total=report.packages)  # /metrics
    with _executor(len(todo)) as pool:
        loop = asyncio.get_running_loop()
        ahead = collections.deque(loop.run_in_executor(pool, prepare, job) for job in todo[:PREFETCH])
        try:
            await _run(
                store,
                todo=todo,
                ahead=ahead,
                pool=pool,
                report=report,
                known=known,
                touched=touched,
                names=names,
                started=started,
            )
        finally:
            metrics.registry_progress(done=None, total=report.packages, running=False)
            for future in ahead:
                future.cancel()
                if future.done() and not future.cancelled():
                    future.exception()  # retrieved: the import's own error is the one reported
    await store_registry.touch_packages(store, touched)
    for key, state in known.items():
        if key not in seen and state.status != "vanished" and not state.location.startswith("upload:"):
            await store_registry.record_package(
                store,
                {
                    "id": key,
                    "location": state.location,
                    "fingerprint": state.fingerprint,
                    "content_hash": state.content_hash,
                    "status": "vanished",
                    "model_id": None,
                    "components": 0,
                    "relationships": 0,
                    "errors": "[]",
                },
                drop_entities=True,
            )
            report.vanished += 1
    if report.changed:
        # The built-in models' names too: a model from the sources of the same name must win
        # over them even when only the sources changed (and in registries imported before).
        names.update((core.MODEL_NAME, kubernetes.MODEL_NAME))
        await store_registry.refresh_latest(store, None if report.vanished else names)
    report.seconds = time.perf_counter() - started
    return report
