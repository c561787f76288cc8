"""``python -m bench.designs_deploy``: deploy a 1,000-object design through ``POST /api/pattern/deploy``.

The cluster is the Kubernetes API emulator (``tests.kubeemu``) in its own process, so its work
does not share this process's event loop. The server runs in process (SQLite, the static
Kubernetes model off, MeshSync in operator mode so no discovery competes for the CPU unless
``--meshsync``); a kubeconfig is uploaded and a design of one Namespace and ``objects - 1``
ConfigMaps is deployed through the route. Figures, each the median of ``rounds`` runs:

- deploy: seconds for the whole request (parse, validate, plan, apply, answer with one result
  per object); every result must be ``applied`` (target: at most 10 s for 1,000 objects);
- redeploy: the same design again (every result ``unchanged``);
- undeploy: ``DELETE`` of the design (every result ``deleted``);
- baseline, measured in the same run: the same objects applied one after another with the
  ``KubeClient`` (server-side apply, no route, no concurrency), into another namespace; the
  printed ratio is deploy / baseline (below 1: the route is faster than plain sequential applies).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import PROJECT_ROOT, results

TOKEN = "bench-token"
TARGET_SECONDS = 10.0


class Emulator:
    """``python -m tests.kubeemu`` as a child process, with its kubeconfig."""

    def __init__(self, workdir: Path) -> None:
        self.kubeconfig = workdir / "kubeconfig"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.kubeemu", "--token", TOKEN, "--kubeconfig", str(self.kubeconfig)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = line.rsplit(" ", 1)[-1].strip()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def _baseline(kubeconfig: bytes, manifests: list[dict[str, Any]]) -> float:
    """Seconds for plain sequential server-side applies of ``manifests`` with the client."""
    from meshery.kube import KubeClient, parse_kubeconfig

    client = await KubeClient.create(parse_kubeconfig(kubeconfig)[0])
    try:
        await client.discover()
        start = time.perf_counter()
        for obj in manifests:
            await client.apply(obj, field_manager="bench-baseline")
        return time.perf_counter() - start
    finally:
        await client.close()


def _count(body: dict[str, Any], status: str) -> int:
    return sum(1 for r in body["results"] if r["status"] == status)


async def _round(objects: int, workdir: Path, meshsync: bool) -> dict[str, Any]:
    from meshery.app import create_app
    from tests.designs.deploy_samples import as_yaml, configmaps_design, manifests
    from tests.fixtures.app import app_settings, settle

    emu = Emulator(workdir)
    try:
        kubeconfig = emu.kubeconfig.read_bytes()
        settings = app_settings(
            user_data_folder=workdir / "meshery",
            meshsync_default_deployment_mode="embedded" if meshsync else "operator",
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await settle(app)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=300) as http:
                answer = await http.post("/api/system/kubernetes", files={"k8sfile": ("config", kubeconfig)})
                answer.raise_for_status()
                design = as_yaml(configmaps_design(objects, namespace="bench"))
                timings: dict[str, Any] = {}
                for label, method, want in (
                    ("deploy", "POST", "applied"),
                    ("redeploy", "POST", "unchanged"),
                    ("undeploy", "DELETE", "deleted"),
                ):
                    start = time.perf_counter()
                    reply = await http.request(method, "/api/pattern/deploy", json={"pattern_file": design})
                    timings[f"{label}_s"] = time.perf_counter() - start
                    body = reply.json()
                    timings[f"{label}_ok"] = reply.status_code == 200 and _count(body, want) == objects
                    timings[f"{label}_results"] = len(body.get("results", []))
        baseline_objects = list(manifests(configmaps_design(objects, namespace="baseline")))
        timings["baseline_s"] = await _baseline(kubeconfig, baseline_objects)
        return timings
    finally:
        emu.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.designs_deploy", description=__doc__)
    parser.add_argument("--objects", type=int, default=1000, help="objects in the design (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs; median (default 3)")
    parser.add_argument("--meshsync", action="store_true", help="MeshSync discovers the cluster meanwhile (embedded)")
    args = parser.parse_args(argv)
    if args.objects < 2 or args.rounds < 1:
        print("python -m bench.designs_deploy: --objects must be at least 2, --rounds positive", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("meshery.designs.deploy_apply").setLevel(logging.INFO)
    runs: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
            runs.append(asyncio.run(_round(args.objects, Path(tmp), args.meshsync)))
    med = {k: results.median([r[k] for r in runs]) for k in ("deploy_s", "redeploy_s", "undeploy_s", "baseline_s")}
    ok = all(r[f"{label}_ok"] for r in runs for label in ("deploy", "redeploy", "undeploy"))
    within = med["deploy_s"] <= TARGET_SECONDS * args.objects / 1000
    figures = {
        **{k: v for k, v in med.items()},
        "deploy_objects_per_s": round(args.objects / med["deploy_s"], 1) if med["deploy_s"] else None,
        "baseline_objects_per_s": round(args.objects / med["baseline_s"], 1) if med["baseline_s"] else None,
        "ratio_deploy_to_baseline": results.ratio(med["deploy_s"], med["baseline_s"]),
        "every_result_as_expected": ok,
        "target_s": TARGET_SECONDS * args.objects / 1000,
        "within_target": within,
        "runs": runs,
    }
    path = results.write(
        "designs_deploy",
        parameters={"objects": args.objects, "rounds": args.rounds, "meshsync": args.meshsync, "cpus": os.cpu_count()},
        figures=figures,
        ok=ok and within,
    )
    print(
        f"deploy {args.objects} objects through the route: {med['deploy_s']:.2f} s "
        f"({figures['deploy_objects_per_s']}/s, target {figures['target_s']:.0f} s: {'met' if within else 'MISSED'}); "
        f"redeploy {med['redeploy_s']:.2f} s; undeploy {med['undeploy_s']:.2f} s; "
        f"baseline {args.objects} sequential applies {med['baseline_s']:.2f} s; "
        f"ratio deploy/baseline {figures['ratio_deploy_to_baseline']}; results as expected: {ok}"
    )
    print(f"written {path}")
    return 0 if ok and within else 1


if __name__ == "__main__":
    sys.exit(main())
