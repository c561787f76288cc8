"""The filter list against the designs list of the same size: p50 of a page of 100, in process.

``python -m bench filters [--filter-rows N] [--filter-requests R]`` stores N filters (each with a
WebAssembly module of ``--module-kib`` KiB, kept in its own table) and N designs (each of ten
components) in one database, then times ``GET /api/filter?pagesize=100`` and
``GET /api/pattern?pagesize=100`` as raw ASGI calls (no sockets), interleaved in blocks so both
see the same machine load. Figures: the p50 and p90 of each, and the ratio of the p50s (the
target: the filter list within 2x the designs list).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import inprocess, results
from meshery.context import Services

TARGET_RATIO = 2.0
PAGE = "pagesize=100"


def _module(kib: int) -> bytes:
    """A WebAssembly module padded to about ``kib`` KiB with a custom section (as real filters carry debug data)."""
    name = b"bench"
    size = max(kib * 1024, 16)
    payload = bytes([len(name)]) + name + b"\0" * size
    length = bytearray()
    value = len(payload)
    while True:  # LEB128 size of the section
        byte = value & 0x7F
        value >>= 7
        length.append(byte | (0x80 if value else 0))
        if not value:
            break
    return b"\0asm\x01\0\0\0" + b"\0" + bytes(length) + payload


def _design(i: int) -> dict[str, Any]:
    components = [
        {
            "id": str(uuid.uuid4()),
            "schemaVersion": "components.meshery.io/v1beta1",
            "version": "v1.0.0",
            "displayName": f"cm-{i}-{j}",
            "component": {"kind": "ConfigMap", "version": "v1", "schema": ""},
            "model": {"name": "kubernetes"},
            "configuration": {"metadata": {"name": f"cm-{i}-{j}"}, "data": {"k": "v" * 40}},
        }
        for j in range(10)
    ]
    return {"name": f"design-{i:05d}", "schemaVersion": "designs.meshery.io/v1beta1", "components": components}


async def _seed(services: Services, rows: int, kib: int) -> None:
    from meshery.designs import service as designs
    from meshery.filters import resource, wasm
    from meshery.store import designs as design_rows
    from meshery.store import filters as filter_rows

    module = _module(kib)
    config = "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: bench}\n"
    owner = "2e5d8c1f-7a4b-5c3e-9f60-1b2a3c4d5e6f"  # the local provider's user
    started = time.perf_counter()
    for start in range(0, rows, 250):
        async with services.store.write() as session:
            modules: list[Any] = []
            for i in range(start, min(start + 250, rows)):
                stamp = filter_rows.now()
                fid = str(uuid.uuid4())
                session.add(
                    filter_rows.FilterRow(
                        id=fid,
                        name=f"filter-{i:05d}",
                        user_id=owner,
                        filter_resource=resource.build(config),
                        visibility="private",
                        location={"branch": "", "host": "", "path": "", "type": "local"},
                        catalog_data={},
                        file_size=len(module),
                        file_sha256=wasm.digest(module),
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
                modules.append(filter_rows.FilterFileRow(filter_id=fid, content=module))
                doc = _design(i)
                text = designs.encode_design(doc)
                session.add(
                    design_rows.PatternRow(
                        id=str(uuid.uuid4()),
                        name=doc["name"],
                        user_id=owner,
                        pattern_file=text,
                        source_type="Design",
                        source_content=text.encode(),
                        visibility="private",
                        location={"branch": "", "host": "", "path": "", "type": "local"},
                        catalog_data={},
                        view_count=0,
                        download_count=0,
                        clone_count=0,
                        deployment_count=0,
                        share_count=0,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
            await session.flush()  # the filters before their modules (the foreign key)
            session.add_all(modules)
    took = time.perf_counter() - started
    print(f"  stored {rows} filters ({len(module)} B modules) and {rows} designs in {took:.1f} s", file=sys.stderr)


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _measure(rows: int, requests: int, kib: int) -> dict[str, Any]:
    from meshery import app as app_module
    from meshery.config import Settings

    with tempfile.TemporaryDirectory(prefix="meshery-bench-filters-") as tmp:
        app = app_module.create_app(
            Settings(user_data_folder=Path(tmp), register_static_k8s=False, register_core_model=False)
        )
        async with app.router.lifespan_context(app):
            await _seed(app.state.meshery.services, rows, kib)
            routes = {"filters": "/api/filter", "designs": "/api/pattern"}
            samples: dict[str, list[float]] = {k: [] for k in routes}
            for path in routes.values():  # warm-up: caches, validators, connection pool
                for _ in range(20):
                    await inprocess.call(app, path, query=PAGE)
            block = 10
            for _ in range(max(requests // block, 1)):
                for name, path in routes.items():  # interleaved blocks: both lists see the same load
                    for _ in range(block):
                        started = time.perf_counter()
                        await inprocess.call(app, path, query=PAGE)
                        samples[name].append((time.perf_counter() - started) * 1e3)
    p50 = {k: statistics.median(v) for k, v in samples.items()}
    return {
        "GET /api/filter?pagesize=100 p50 (ms)": round(p50["filters"], 2),
        "GET /api/filter?pagesize=100 p90 (ms)": round(_percentile(samples["filters"], 0.9), 2),
        "GET /api/pattern?pagesize=100 p50 (ms)": round(p50["designs"], 2),
        "GET /api/pattern?pagesize=100 p90 (ms)": round(_percentile(samples["designs"], 0.9), 2),
        "filters p50 / designs p50": round(p50["filters"] / p50["designs"], 2),
        "requests per list": len(samples["filters"]),
    }


def run(*, rows: int = 1000, requests: int = 300, kib: int = 64) -> bool:
    figures = asyncio.run(_measure(rows, requests, kib))
    ratio = float(figures["filters p50 / designs p50"])
    ok = ratio <= TARGET_RATIO
    path = results.write(
        "filters",
        parameters={"rows": rows, "requests": requests, "module_kib": kib, "target_ratio": TARGET_RATIO},
        figures=figures,
        ok=ok,
    )
    print(f"\nA page of 100 of {rows} stored filters vs designs, in process (milliseconds; same run)")
    print(results.table(["case", "value"], [[k, v] for k, v in figures.items()]))
    verdict = "OK" if ok else "FAILED"
    print(f"{verdict}: ratio {ratio} (target <= {TARGET_RATIO}); written {path.relative_to(path.parents[2])}\n")
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.filters", description=__doc__)
    parser.add_argument("--filter-rows", type=int, default=1000, help="stored filters and designs (1000)")
    parser.add_argument("--filter-requests", type=int, default=300, help="requests timed per list (300)")
    parser.add_argument("--module-kib", type=int, default=64, help="size of each stored module in KiB (64)")
    args = parser.parse_args()
    sys.exit(0 if run(rows=args.filter_rows, requests=args.filter_requests, kib=args.module_kib) else 1)
