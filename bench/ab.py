"""Interleaved A/B rounds: start a fresh server per run, check one answer, load it, stop it.

The machine is small and shared, so the variants alternate (A, B, A, B, ...) and each
figure is the median over rounds; a slow minute then hurts both sides instead of one.
Before loading, one request checks the answer (status 200 and a caller-supplied check
of the JSON), so a benchmark never measures a server that answers the wrong thing fast.
"""

from __future__ import annotations

import http.client
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import loadgen, results, servers
from bench.clients import Target


@dataclass(frozen=True)
class Variant:
    """One side of a comparison: which server, with which extra environment."""

    label: str
    kind: servers.ServerKind
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    label: str
    case: str
    round: int
    startup_s: float
    answer: Any
    result: loadgen.LoadResult

    def to_json(self) -> dict[str, Any]:
        return {"variant": self.label, "case": self.case, "round": self.round,
                "startup_s": round(self.startup_s, 3), **asdict(self.result)}  # fmt: skip


Check = Callable[[Any], str | None]


def fetch_json(target: Target) -> tuple[int, Any]:
    """One request with the standard library client: status and parsed JSON body (None if not JSON)."""
    parts = urlsplit(target.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(target.method, path, body=target.body or None, headers=target.headers)
        answer = conn.getresponse()
        raw = answer.read()
    finally:
        conn.close()
    try:
        return answer.status, json.loads(raw)
    except ValueError:
        return answer.status, None


def run_rounds(
    variants: Sequence[Variant],
    *,
    case: str,
    make_target: Callable[[servers.Running], Target],
    check: Check,
    rounds: int,
    options: loadgen.LoadOptions,
    workdir: Path,
    rotate: bool = False,
) -> list[Run]:
    """``rounds`` x every variant, interleaved; each run on a freshly started server.

    ``rotate``: each round starts one variant later (A B C, B C A, C A B, ...), so that no
    variant always runs first after a quiet gap or right after another's shutdown.
    """
    runs: list[Run] = []
    for round_no in range(1, rounds + 1):
        shift = (round_no - 1) % len(variants) if rotate else 0
        for variant in [*variants[shift:], *variants[:shift]]:
            data_dir = workdir / f"{case}-{variant.label}-{round_no}".replace("/", "_")
            with servers.running(variant.kind, data_dir=data_dir, extra_env=variant.env) as server:
                target = make_target(server)
                status, answer = fetch_json(target)
                problem = f"status {status}" if status != 200 else check(answer)
                if problem:
                    raise RuntimeError(f"{variant.label} {case}: unexpected answer ({problem}): {answer!r}")
                result = loadgen.measure(target, options=options, server_pid=server.pid)
            run = Run(label=variant.label, case=case, round=round_no, startup_s=server.startup_s,
                      answer=answer, result=result)  # fmt: skip
            runs.append(run)
            _progress(run)
    return runs


def _progress(run: Run) -> None:
    r = run.result
    print(
        f"  round {run.round} {run.label:<9} {run.case:<22} {r.rps:>9,.0f} req/s  p50 {r.p50_ms:6.2f} ms  "
        f"p99 {r.p99_ms:6.2f} ms  errors {r.errors}  cpu server {r.server_cpu} client {r.client_cpu}",
        file=sys.stderr,
        flush=True,
    )


def summarize(runs: Sequence[Run], label: str) -> dict[str, Any]:
    """Medians over the rounds of one variant, plus its error total."""
    mine = [r.result for r in runs if r.label == label]
    return {
        "rounds": len(mine),
        "rps": results.median([r.rps for r in mine]),
        "p50_ms": results.median([r.p50_ms for r in mine]),
        "p99_ms": results.median([r.p99_ms for r in mine]),
        "server_cpu": results.median([r.server_cpu for r in mine if r.server_cpu is not None]),
        "client_cpu": results.median([r.client_cpu for r in mine]),
        "errors": sum(r.errors for r in mine),
    }


def compare(runs: Sequence[Run], *, a: str, b: str) -> dict[str, Any]:
    """Both variants' medians and the ratios a/b of req/s and p50 (>1 rps is better, <1 p50 is better)."""
    first, second = summarize(runs, a), summarize(runs, b)
    return {
        a: first,
        b: second,
        "ratio_rps": results.ratio(first["rps"], second["rps"]),
        "ratio_p50": results.ratio(first["p50_ms"], second["p50_ms"]),
        # A run that answered nothing is as failed as one that answered errors.
        "ok": first["errors"] == 0 and second["errors"] == 0 and all(r.result.requests > 0 for r in runs),
    }
