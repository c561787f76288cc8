"""Import and validate a 1,000-component design through ``POST /api/pattern/import``, in process.

The app runs with the static Kubernetes model registered (so components bind to definitions
and their configurations are checked against the definitions' JSON schemas). Figures, each
the median of ``rounds`` runs after one warm-up:

* import: the whole request (multipart upload, parse, registry binding, validation, storage,
  event), the target being 1 s; and the same with every Deployment invalid (two problems each);
* baseline, measured in the same run: parsing the same text and saving the design straight
  through the designs service (the database write and its event, no registry binding or
  validation, no HTTP), so the ratio import/baseline is what the route, binding and validation
  cost on top of parsing and storing;
* parse only: ``parse_design`` of the same YAML text, which both of the above include;
* floor: ``GET /api/system/version`` through the same app, the framework's per-request cost.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import yaml

from bench import results

TARGET_S = 1.0
KINDS = ("Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount")


def _configuration(kind: str, i: int) -> tuple[str, dict[str, Any]]:
    meta = {"name": f"obj-{i}", "namespace": "bench", "labels": {"app": f"app-{i % 50}"}}
    if kind == "Deployment":
        # Separate dicts: a shared one would be dumped as a YAML anchor and alias, which real
        # design files do not have (and which send the text down the slower, checked loader).
        spec = {
            "replicas": 1 + i % 3,
            "selector": {"matchLabels": {"app": f"app-{i % 50}"}},
            "template": {
                "metadata": {"labels": {"app": f"app-{i % 50}"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}]}
                    ]
                },
            },
        }
        return "apps/v1", {"metadata": meta, "spec": spec}
    if kind == "Service":
        spec = {"selector": {"app": f"app-{i % 50}"}, "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}
        return "v1", {"metadata": meta, "spec": spec}
    if kind == "ConfigMap":
        return "v1", {"metadata": meta, "data": {"key": f"value-{i}"}}
    if kind == "Secret":
        return "v1", {"metadata": meta, "type": "Opaque", "stringData": {"token": f"t-{i}"}}
    return "v1", {"metadata": meta}


def design(components: int, *, broken: bool = False) -> dict[str, Any]:
    """A v1beta1 design of ``components`` Kubernetes objects of five kinds (``broken``: every Deployment invalid)."""
    items = []
    for i in range(components):
        kind = KINDS[i % len(KINDS)]
        api_version, configuration = _configuration(kind, i)
        if broken and kind == "Deployment":
            configuration["spec"]["replicas"] = "many"
            del configuration["spec"]["selector"]
        items.append(
            {
                "id": str(uuid.UUID(int=i + 1)),
                "schemaVersion": "components.meshery.io/v1beta1",
                "version": "v1.0.0",
                "displayName": f"obj-{i}",
                "component": {"kind": kind, "version": api_version, "schema": ""},
                "model": {"name": "kubernetes"},
                "configuration": configuration,
            }
        )
    return {
        "id": str(uuid.uuid4()),
        "name": f"bench-{components}",
        "schemaVersion": "designs.meshery.io/v1beta1",
        "version": "0.0.1",
        "metadata": {},
        "components": items,
        "relationships": [],
    }


async def _timed(fn: Any, rounds: int) -> tuple[float, Any]:
    await fn()  # warm-up (caches, validators, connection pool)
    samples, last = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        last = await fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), last


async def _measure(components: int, rounds: int) -> dict[str, Any]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    import httpx

    from meshery.app import create_app
    from meshery.config import Settings
    from meshery.designs import service
    from meshery.designs.document import parse_design
    from meshery.lifecycle import REGISTRY_IMPORT

    text = yaml.safe_dump(design(components), sort_keys=False).encode()
    broken_text = yaml.safe_dump(design(components, broken=True), sort_keys=False).encode()
    with tempfile.TemporaryDirectory(prefix="meshery-bench-designs-") as tmp:
        app = create_app(Settings(user_data_folder=Path(tmp) / "meshery", register_static_k8s=True))
        async with app.router.lifespan_context(app):
            services = app.state.meshery.services
            tasks = [t for t in services.background if t.get_name() == REGISTRY_IMPORT]
            await asyncio.wait_for(asyncio.gather(*tasks), 300)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client:

                async def import_once(data: bytes = text) -> dict[str, Any]:
                    response = await client.post("/api/pattern/import", files={"file": ("bench.yaml", data)})
                    if response.status_code != 200:
                        raise RuntimeError(f"import answered {response.status_code}: {response.text[:300]}")
                    return response.json()  # type: ignore[no-any-return]

                async def save_once() -> None:
                    parsed = parse_design(text)
                    parsed["id"] = str(uuid.uuid4())
                    await service.save(services, None, service.Draft(design=parsed))

                async def parse_once() -> None:
                    parse_design(text)

                async def version_once() -> None:
                    response = await client.get("/api/system/version")
                    if response.status_code != 200:
                        raise RuntimeError(f"version answered {response.status_code}")

                import_s, record = await _timed(import_once, rounds)
                broken_s, broken = await _timed(lambda: import_once(broken_text), rounds)
                save_s, _ = await _timed(save_once, rounds)
                parse_s, _ = await _timed(parse_once, rounds)
                floor_s, _ = await _timed(version_once, rounds * 20)
    stored = yaml.safe_load(record["pattern_file"])
    unresolved = sum(1 for c in stored["components"] if (c.get("metadata") or {}).get("unresolved"))
    return {
        "import_s": round(import_s, 3),
        "import_invalid_s": round(broken_s, 3),
        "invalid_problems": len(broken.get("problems") or []),
        "baseline_save_s": round(save_s, 3),
        "parse_only_s": round(parse_s, 3),
        "floor_version_ms": round(floor_s * 1000, 2),
        "ratio_import_to_save": results.ratio(import_s, save_s),
        "components": len(stored["components"]),
        "unresolved_components": unresolved,
        "problems": len(record.get("problems") or []),
        "design_bytes": len(text),
        "target_s": TARGET_S,
    }


def run(*, components: int = 1000, rounds: int = 5) -> bool:
    print(f"  designs: import + validate a {components}-component design ({rounds} rounds)...", file=sys.stderr)
    figures = asyncio.run(_measure(components, rounds))
    ok = bool(figures["import_s"] <= TARGET_S and figures["components"] == components)
    path = results.write("designs", parameters={"components": components, "rounds": rounds}, figures=figures, ok=ok)
    print(f"\nDesign import through POST /api/pattern/import ({components} components, median of {rounds})")
    rows = [
        ["import + validate (s)", figures["import_s"]],
        [
            f"import + validate, every Deployment invalid ({figures['invalid_problems']} problems) (s)",
            figures["import_invalid_s"],
        ],
        ["baseline: save only, same design (s)", figures["baseline_save_s"]],
        ["ratio import / save only", figures["ratio_import_to_save"]],
        ["of which: parsing the YAML text (s)", figures["parse_only_s"]],
        ["floor: GET /api/system/version (ms)", figures["floor_version_ms"]],
        ["components stored / unresolved", f"{figures['components']} / {figures['unresolved_components']}"],
        ["validation problems", figures["problems"]],
        ["design size (bytes)", figures["design_bytes"]],
    ]
    print(results.table(["figure", "value"], rows))
    verdict = "OK" if ok else f"FAILED (target {TARGET_S} s)"
    print(f"{verdict}; written {path.relative_to(path.parents[2])}\n")
    return ok
