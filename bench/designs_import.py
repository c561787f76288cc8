"""Design import and validation in the library (no HTTP): ``python -m bench.designs_import``.

Builds a 1,000-object Kubernetes manifest (Deployments, Services and ConfigMaps in turn,
each a realistic object) on a fresh SQLite store with the static Kubernetes model, then
times, median of ``--rounds`` after one warm-up round:

* ``import_manifest``: ``import_source`` of the manifest YAML (load, convert, bind, validate);
* ``import_design``: ``import_source`` of the resulting design's YAML (1,000 bound components);
* ``validate_design``: ``validate_design`` alone on the parsed design;
* ``import_invalid``: the manifest with every Deployment broken (wrong type, missing field),
  so every third component yields problems (the detailed path).

The baseline measured in the same run is loading the manifest YAML alone (libyaml); the ratio
import/baseline says what conversion, binding and validation add to parsing. The issue's
target is 1 s end to end; this library's share is to stay under 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import yaml

from bench import results
from meshery.config import Settings
from meshery.context import Services
from meshery.designs.document import dump_design, parse_design
from meshery.designs.importers import import_source
from meshery.designs.validate import validate_design
from meshery.registry import importer
from meshery.store import Store, engine, migrate

TARGET_SECONDS = 0.5


def manifest(count: int, *, broken: bool = False) -> str:
    """``count`` objects as one multi-document YAML stream."""
    docs: list[dict[str, Any]] = []
    for i in range(count):
        name = f"app-{i}"
        labels = {"app": name, "tier": "web"}
        if i % 3 == 0:
            container: dict[str, Any] = {
                "name": "web",
                "image": f"registry.example/app:{i}",
                "ports": [{"containerPort": 8080, "name": "http"}],
                "env": [{"name": "MODE", "value": "prod"}, {"name": "INDEX", "value": str(i)}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
            }
            if broken:
                del container["name"]
            docs.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {"name": name, "namespace": "bench", "labels": labels},
                    "spec": {
                        "replicas": "two" if broken else 2,
                        "selector": {"matchLabels": labels},
                        "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
                    },
                }
            )
        elif i % 3 == 1:
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": name, "namespace": "bench", "labels": labels},
                    "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
                }
            )
        else:
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": "bench", "labels": labels},
                    "data": {"app.conf": f"listen 8080\nname {name}\n", "LEVEL": "info"},
                }
            )
    # Real manifests have no YAML aliases; fresh copies keep the dumper from writing shared labels as aliases.
    return yaml.safe_dump_all(orjson.loads(orjson.dumps(docs)), sort_keys=False)


async def _time(rounds: int, action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    value = await action()  # warm-up: compiles validators, fills the definition cache
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        value = await action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), value


async def run(count: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-designs-") as tmp:
        store = Store(engine.database_url("", Path(tmp) / "bench.sqlite3"))
        await migrate.migrate(store)
        await importer.import_sources(store, [], static_k8s=True)
        services = Services(settings=Settings(), store=store, bus=None)  # type: ignore[arg-type]
        text = manifest(count).encode()
        broken = manifest(count, broken=True).encode()
        try:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

            async def baseline() -> Any:
                return list(yaml.load_all(text, Loader=loader))

            base, _ = await _time(rounds, baseline)
            imp, result = await _time(rounds, lambda: import_source(services, text, filename="bench.yaml"))
            design_text = dump_design(result.design).encode()
            des, again = await _time(rounds, lambda: import_source(services, design_text, filename="bench-design.yaml"))
            parsed = parse_design(design_text)
            val, problems = await _time(rounds, lambda: validate_design(services, parsed))
            bad, failed = await _time(rounds, lambda: import_source(services, broken, filename="broken.yaml"))
        finally:
            await store.dispose()
    figures: dict[str, Any] = {
        "objects": count,
        "manifest_bytes": len(text),
        "design_bytes": len(design_text),
        "baseline_yaml_load_s": round(base, 4),
        "import_manifest_s": round(imp, 4),
        "import_design_s": round(des, 4),
        "validate_design_s": round(val, 4),
        "import_invalid_s": round(bad, 4),
        "ratio_import_manifest_to_baseline": results.ratio(imp, base),
        "problems_valid": len(result.problems) + len(again.problems) + len(problems),
        "problems_invalid": len(failed.problems),
        "target_s": TARGET_SECONDS,
    }
    figures["ok"] = (
        max(imp, des, val) <= TARGET_SECONDS and figures["problems_valid"] == 0 and figures["problems_invalid"] > 0
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.designs_import", description=__doc__)
    parser.add_argument("--objects", type=int, default=1000, help="objects in the manifest (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds after a warm-up; median (default 5)")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.objects, args.rounds))
    for key, value in figures.items():
        print(f"{key:36} {value}")
    path = results.write(
        "designs-import", parameters={"objects": args.objects, "rounds": args.rounds}, figures=figures, ok=figures["ok"]
    )
    print(f"wrote {path}")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
