"""Relationship evaluation of a 1,000-component design against a large registry, in process.

The registry holds the static Kubernetes model, the reference models (``../shared/reference``,
when present) and a synthetic catalog (``--eval-components`` components, 90,000 by default, in
300 models, and ``--eval-relationships`` relationships, 5,000 by default, between their kinds).
The catalog is written once, compactly (small schemas), under ``build/bench-evaluate/<size>/``
with the database the app imported it into; a later run with the same size starts on that
database and the import only rescans (``--short``: 9,000 components and 500 relationships).

The design: Secrets and ConfigMaps referenced by Deployments (the reference relationships),
Services aliasing two containers each (hierarchical parent alias: children added, a second pass),
IP addresses named after Services (edge network), and components of 20 synthetic models related
pairwise by the synthetic relationships. Figures, medians of ``--eval-rounds`` runs:

* evaluation with the index warm (the target: at most 0.5 s) and cold (index rebuilt first,
  as after any registry change), the service function (``meshery.registry.evaluate.service``);
* the same through ``POST /api/meshmodels/relationships/evaluate`` (encoding the answer);
* baseline, same run, same design: ``meshery.designs.validate.validate_design`` (binding to the
  registry's definitions and JSON-schema validation of every configuration).
"""

from __future__ import annotations

import asyncio
import copy
import json
import statistics
import sys
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

from bench import registry_catalog, results

TARGET_S = 0.5
ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "bench-evaluate"
REFERENCE = ROOT / ".." / "shared" / "reference" / "data" / "meshery" / "server" / "meshmodel"
MODELS = 300
SYNTHETIC_IN_DESIGN = 20  # synthetic models with components in the design
REF_PATH = ["configuration", "spec", "ref"]
TARGET_PATH = ["configuration", "spec", "target"]


def _kind(m: int, c: int) -> str:
    return f"Resource{m:04d}Kind{c:04d}"


def _component(model: dict[str, Any], m: int, kind: str) -> dict[str, Any]:
    return {
        "id": "00000000-0000-0000-0000-000000000000",
        "schemaVersion": "components.meshery.io/v1beta1",
        "version": "v1.0.0",
        "displayName": kind,
        "description": "",
        "format": "JSON",
        "model": model,
        "status": "enabled",
        "metadata": {"isAnnotation": False, "isNamespaced": True, "published": False},
        "configuration": None,
        "component": {"version": f"m{m:04d}.example.com/v1", "kind": kind, "schema": '{"type":"object"}'},
    }


def _relationship(name: str, source: str, target: str) -> dict[str, Any]:
    def item(kind: str, key: str, path: list[str]) -> dict[str, Any]:
        return {"id": None, "kind": kind, "model": {"name": name}, "patch": {"patchStrategy": "replace", key: [path]}}

    return {
        "id": "00000000-0000-0000-0000-000000000000",
        "schemaVersion": "relationships.meshery.io/v1alpha3",
        "version": "v1.0.0",
        "kind": "edge",
        "type": "non-binding",
        "subType": "reference",
        "status": "enabled",
        "evaluationQuery": "",
        "metadata": {"description": f"{source} refers to {target}"},
        "model": {"name": name, "version": "v1.0.0"},
        "selectors": [
            {
                "allow": {
                    "from": [item(source, "mutatorRef", REF_PATH)],
                    "to": [item(target, "mutatedRef", TARGET_PATH)],
                },
                "deny": {"from": [], "to": []},
            }
        ],
    }


def catalog(root: Path, *, components: int, relationships: int) -> Path:
    """The synthetic catalog under ``root/models`` (written once; ``.done`` marks a complete one)."""
    models = root / "models"
    if (root / ".done").is_file():
        return models
    per_model = max(2, components // MODELS)
    for m in range(MODELS):
        name = f"synthetic-model-{m:04d}"
        model = registry_catalog._model(name, f"1.{m % 7}.{m % 13}")
        base = models / name / model["model"]["version"] / "v1.0.0"
        (base / "components").mkdir(parents=True, exist_ok=True)
        (base / "relationships").mkdir(exist_ok=True)
        (base / "model.json").write_text(json.dumps(model))
        for c in range(per_model):
            kind = _kind(m, c)
            (base / "components" / f"{kind}.json").write_text(json.dumps(_component(model, m, kind)))
        for r in range(m, relationships, MODELS):
            k = r // MODELS
            rel = _relationship(name, _kind(m, (2 * k) % per_model), _kind(m, (2 * k + 1) % per_model))
            (base / "relationships" / f"edge-non-binding-reference-{k}.json").write_text(json.dumps(rel))
    (root / ".done").write_text("complete\n")
    return models


def _k8s(kind: str, api_version: str, i: int, configuration: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=i + 1)),
        "schemaVersion": "components.meshery.io/v1beta1",
        "version": "v1.0.0",
        "displayName": f"{kind.lower()}-{i}",
        "component": {"kind": kind, "version": api_version, "schema": ""},
        "model": {"name": "kubernetes", "model": {"version": "v1.35.0"}},
        "configuration": configuration,
    }


def design(size: int, per_model: int, related: int) -> dict[str, Any]:
    """``size`` components: 60% Kubernetes objects in related pairs, 40% synthetic pairs."""
    items: list[dict[str, Any]] = []
    i = 0
    meta = {"namespace": "bench"}
    while len(items) < size * 6 // 10:
        secret = f"secret-{i}"
        items.append(_k8s("Secret", "v1", len(items), {"metadata": {"name": secret, **meta}, "type": "Opaque"}))
        items[-1]["displayName"] = secret
        container = {"name": "web", "image": "nginx:1.27", "envFrom": [{"secretRef": {"name": secret}}]}
        spec = {
            "selector": {"matchLabels": {"app": f"a{i}"}},
            "template": {"metadata": {"labels": {"app": f"a{i}"}}, "spec": {"containers": [container]}},
        }
        items.append(_k8s("Deployment", "apps/v1", len(items), {"metadata": {"name": f"d{i}", **meta}, "spec": spec}))
        if i % 5 == 0:  # a Service holding two containers: two alias children
            containers = [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}]
            svc = {
                "metadata": {"name": f"s{i}", **meta},
                "spec": {"ports": [{"port": 80}], "template": {"spec": {"containers": containers}}},
            }
            items.append(_k8s("Service", "v1", len(items), svc))
            items[-1]["metadata"] = {"name": f"s{i}"}  # what the edge network relationship matches
            items.append(
                _k8s(
                    "IPAddress",
                    "networking.k8s.io/v1",
                    len(items),
                    {"metadata": {"name": f"10.0.{i // 250}.{i % 250}"}},
                )
            )
            items[-1]["displayName"] = f"s{i}"
        i += 1
    n = 0
    while len(items) < size:
        m = n % SYNTHETIC_IN_DESIGN
        k = (n // SYNTHETIC_IN_DESIGN) % max(1, min(related, per_model // 2))
        value = f"v{n}"
        for c, path in ((2 * k, REF_PATH), (2 * k + 1, TARGET_PATH)):
            comp = _k8s(_kind(m, c % per_model), f"m{m:04d}.example.com/v1", len(items), {})
            comp["model"] = {"name": f"synthetic-model-{m:04d}"}
            comp["configuration"] = {"spec": {path[-1]: value}}
            items.append(comp)
        n += 1
    return {
        "id": str(uuid.uuid4()),
        "name": f"bench-evaluate-{size}",
        "schemaVersion": "designs.meshery.io/v1beta1",
        "version": "0.0.1",
        "metadata": {},
        "components": items[:size],
        "relationships": [],
    }


async def _timed(fn: Any, rounds: int, *, warm: bool = True) -> tuple[float, float, Any]:
    """Median wall and CPU seconds (the process's, all threads: steadier on a busy machine) of ``fn``."""
    if warm:
        await fn()
    samples, cpu, last = [], [], None
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        last = await fn()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(samples), statistics.median(cpu), last


async def _measure(components: int, relationships: int, size: int, rounds: int) -> dict[str, Any]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    import httpx

    from meshery.app import create_app
    from meshery.config import Settings
    from meshery.designs import validate
    from meshery.registry import service as registry
    from meshery.registry.evaluate import index
    from meshery.registry.evaluate import service as evaluation
    from meshery.store import registry_queries

    root = CACHE / f"{components}-{relationships}"
    started = time.perf_counter()
    models = catalog(root, components=components, relationships=relationships)
    written_s = time.perf_counter() - started
    roots = [models, *([REFERENCE.resolve()] if REFERENCE.is_dir() else [])]
    settings = Settings(user_data_folder=root / "meshery", register_static_k8s=True, meshery_models_path=tuple(roots))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services = app.state.meshery.services
        started = time.perf_counter()
        report = await registry.run_import(services)
        import_s = time.perf_counter() - started
        counts = await registry_queries.summary(services.store)
        per_model = max(2, components // MODELS)
        doc = design(size, per_model, relationships // MODELS)

        # Evaluation leaves the design it is given unchanged (tests/registry/test_evaluate.py); validation
        # fills it in, so it gets a copy made before its clock starts.
        copies = [copy.deepcopy(doc) for _ in range(rounds + 1)]

        async def evaluate_warm() -> Any:
            return await evaluation.run(services, doc)

        async def evaluate_cold() -> Any:
            services.store.cache.put(index.CACHE_KEY, None, ttl=1)
            return await evaluation.run(services, doc)

        async def validate_once() -> Any:
            return await validate.validate_design(services, copies.pop())

        warm_s, warm_cpu, result = await _timed(evaluate_warm, rounds)
        cold_s, cold_cpu, _ = await _timed(evaluate_cold, rounds, warm=False)
        baseline_s, baseline_cpu, problems = await _timed(validate_once, rounds)
        current = await index.current(services.store)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client:

            async def evaluate_http() -> Any:
                response = await client.post("/api/meshmodels/relationships/evaluate", json={"design": doc})
                if response.status_code != 200:
                    raise RuntimeError(f"evaluate answered {response.status_code}: {response.text[:300]}")
                return response

            http_s, http_cpu, _ = await _timed(evaluate_http, rounds)
    ops: dict[str, int] = {}
    for action in result.actions:
        ops[action["op"]] = ops.get(action["op"], 0) + 1
    return {
        "evaluate_warm_s": round(warm_s, 3),
        "evaluate_warm_cpu_s": round(warm_cpu, 3),
        "evaluate_cold_s": round(cold_s, 3),
        "evaluate_cold_cpu_s": round(cold_cpu, 3),
        "evaluate_http_s": round(http_s, 3),
        "evaluate_http_cpu_s": round(http_cpu, 3),
        "baseline_validate_s": round(baseline_s, 3),
        "baseline_validate_cpu_s": round(baseline_cpu, 3),
        "ratio_evaluate_to_validate": results.ratio(warm_s, baseline_s),
        "ratio_evaluate_to_validate_cpu": results.ratio(warm_cpu, baseline_cpu),
        "passes": result.passes,
        "actions": ops,
        "design_components": size,
        "evaluated_components": len(result.design["components"]),
        "relationships_found": len(result.design["relationships"]),
        "validation_problems": len(problems),
        "registry": {key: _total(counts, key) for key in ("components", "relationships")},
        "index_definitions": current.size,
        "catalog_write_s": round(written_s, 3),
        "import_s": round(import_s, 3),
        "imported_packages": report.imported,
        "target_s": TARGET_S,
    }


def _total(summary: dict[str, Any], key: str) -> Any:
    value = summary.get(key)
    if isinstance(value, list):
        return sum(int(v.get("count", 0)) for v in value if isinstance(v, dict))
    return value


def run(*, components: int = 90_000, relationships: int = 5_000, size: int = 1000, rounds: int = 5) -> bool:
    print(
        f"  evaluate: {size}-component design against {components} synthetic components and "
        f"{relationships} relationships ({rounds} rounds; the catalog is cached under build/)...",
        file=sys.stderr,
    )
    figures = asyncio.run(_measure(components, relationships, size, rounds))
    ok = bool(figures["evaluate_warm_s"] <= TARGET_S and figures["relationships_found"] > 0)
    parameters = {"components": components, "relationships": relationships, "design": size, "rounds": rounds}
    path = results.write("evaluate", parameters=parameters, figures=figures, ok=ok)
    registry = figures["registry"]
    print(f"\nRelationship evaluation of a {size}-component design (median of {rounds})")
    rows = [
        ["evaluate, index warm (s, wall / CPU)", f"{figures['evaluate_warm_s']} / {figures['evaluate_warm_cpu_s']}"],
        ["evaluate, index rebuilt first (s)", f"{figures['evaluate_cold_s']} / {figures['evaluate_cold_cpu_s']}"],
        [
            "POST /api/meshmodels/relationships/evaluate (s)",
            f"{figures['evaluate_http_s']} / {figures['evaluate_http_cpu_s']}",
        ],
        [
            "baseline: validate_design, same design (s)",
            f"{figures['baseline_validate_s']} / {figures['baseline_validate_cpu_s']}",
        ],
        [
            "ratio evaluate / validate (wall, CPU)",
            f"{figures['ratio_evaluate_to_validate']}, {figures['ratio_evaluate_to_validate_cpu']}",
        ],
        [
            "passes / components after / relationships found",
            f"{figures['passes']} / {figures['evaluated_components']} / {figures['relationships_found']}",
        ],
        ["actions", ", ".join(f"{k} {v}" for k, v in sorted(figures["actions"].items()))],
        ["registry components / relationships (latest)", f"{registry['components']} / {registry['relationships']}"],
        ["index definitions", figures["index_definitions"]],
        ["catalog written / import done (s)", f"{figures['catalog_write_s']} / {figures['import_s']}"],
    ]
    print(results.table(["figure", "value"], rows))
    verdict = "OK" if ok else f"FAILED (target {TARGET_S} s)"
    print(f"{verdict}; written {path.relative_to(path.parents[2])}\n")
    return ok
