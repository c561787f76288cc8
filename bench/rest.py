"""REST: our server (Connexion, spec-driven) against the FastAPI baseline on the same services.

Two routes: ``/api/system/version`` (trivial: settings only, so it measures the framework)
and ``/api/system/database`` (one SQL round trip through the store). For each route the
servers alternate over ``rounds``; figures are medians, ratios are ours/fastapi. Both
servers must give the same JSON, or the run fails. With ``database_url`` (or ``postgres``)
both run on PostgreSQL instead of a fresh SQLite file each.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench import ab, loadgen, postgres, results, servers
from bench.clients import Target

ROUTES = {"version": "/api/system/version", "database": "/api/system/database"}
VERSION_FIELDS = {"build", "commitsha", "release_channel", "latest", "outdated"}


def _check(case: str) -> ab.Check:
    def check(answer: Any) -> str | None:
        if not isinstance(answer, dict):
            return "not a JSON object"
        if case == "version" and set(answer) != VERSION_FIELDS:
            return f"fields {sorted(answer)}"
        if case == "database" and not isinstance(answer.get("tables"), list):
            return "no tables list"
        return None

    return check


@contextlib.contextmanager
def _database(workdir: Path, *, database_url: str | None, start_postgres: bool) -> Iterator[str | None]:
    if start_postgres:
        with postgres.embedded(workdir) as url:
            yield url
    else:
        yield database_url


def _targeter(path: str) -> Callable[[servers.Running], Target]:
    return lambda server: Target(server.url(path))


def run(
    *, load: loadgen.LoadOptions, rounds: int, database_url: str | None = None, start_postgres: bool = False
) -> bool:
    """Run the REST comparison, write its results file, print its table; True when clean."""
    with tempfile.TemporaryDirectory(prefix="meshery-bench-rest-") as tmp:
        workdir = Path(tmp)
        with _database(workdir, database_url=database_url, start_postgres=start_postgres) as url:
            env = {"DATABASE_URL": url} if url else {}
            variants = [ab.Variant("ours", servers.OURS, env), ab.Variant("fastapi", servers.FASTAPI, env)]
            runs: list[ab.Run] = []
            for case, route in ROUTES.items():
                print(f"rest {case}: GET {route}", file=sys.stderr, flush=True)
                runs += ab.run_rounds(
                    variants,
                    case=case,
                    make_target=_targeter(route),
                    check=_check(case),
                    rounds=rounds,
                    options=load,
                    workdir=workdir,
                )
    database = "sqlite" if not (database_url or start_postgres) else "postgresql"
    summary: dict[str, Any] = {}
    for case in ROUTES:
        mine = [r for r in runs if r.case == case]
        summary[case] = ab.compare(mine, a="ours", b="fastapi")
        answers = {r.label: r.answer for r in mine if r.round == 1}
        summary[case]["same_answer"] = answers["ours"] == answers["fastapi"]
        summary[case]["ok"] = summary[case]["ok"] and summary[case]["same_answer"]
    ok = all(s["ok"] for s in summary.values())
    name = "rest" if database == "sqlite" else "rest-postgres"
    path = results.write(
        name,
        parameters={
            "routes": ROUTES,
            "rounds": rounds,
            "database": database,
            "workers": 1,
            "server": "uvicorn, uvloop, httptools",
            **load.parameters(),
        },
        figures={"summary": summary, "runs": [r.to_json() for r in runs]},
        ok=ok,
    )
    _print(summary, database=database, ok=ok, path=path)
    return ok


def _print(summary: dict[str, Any], *, database: str, ok: bool, path: Path) -> None:
    rows: list[list[object]] = []
    ratios: list[list[object]] = []
    for case, s in summary.items():
        for label in ("ours", "fastapi"):
            f = s[label]
            rows.append([ROUTES[case], label, f["rps"], f["p50_ms"], f["p99_ms"], f["errors"]])
        ratios.append([ROUTES[case], s["ratio_rps"], s["ratio_p50"], "yes" if s["same_answer"] else "NO"])
    print(f"\nREST ({database}), medians over rounds")
    print(results.table(["route", "server", "req/s", "p50 ms", "p99 ms", "errors"], rows))
    print("\nRatios ours/fastapi (req/s below 1 and p50 above 1 mean ours is slower)")
    print(results.table(["route", "req/s", "p50", "same JSON"], ratios))
    print(f"{'OK' if ok else 'FAILED (errors or different answers)'}; written {path.relative_to(path.parents[2])}\n")
