"""GraphQL: the parse/validate document cache on (default) against off (``GRAPHQL_CACHE_SIZE=0``).

One query, ``serverVersion``, POSTed as JSON to our server; the two configurations
alternate over ``rounds``, figures are medians and ratios are cached/uncached. A
GraphQL error comes back with status 200, so the checked answer must hold data and no
``errors`` before any load is applied.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import ab, loadgen, results, servers
from bench.clients import Target

GRAPHQL_PATH = "/api/system/graphql/query"
QUERY = "{ serverVersion { build commitsha release_channel latest outdated } }"
BODY = json.dumps({"query": QUERY}).encode()


def _check(answer: Any) -> str | None:
    if not isinstance(answer, dict) or answer.get("errors"):
        return "GraphQL errors"
    version = (answer.get("data") or {}).get("serverVersion")
    return None if isinstance(version, dict) and "build" in version else "no serverVersion"


def _target(server: servers.Running) -> Target:
    return Target(server.url(GRAPHQL_PATH), method="POST", body=BODY, headers={"Content-Type": "application/json"})


def run(*, load: loadgen.LoadOptions, rounds: int) -> bool:
    """Run the cache comparison, write its results file, print its table; True when clean."""
    variants = [
        ab.Variant("cached", servers.OURS, {}),
        ab.Variant("uncached", servers.OURS, {"GRAPHQL_CACHE_SIZE": "0"}),
    ]
    print(f"graphql: POST {GRAPHQL_PATH} {QUERY}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="meshery-bench-graphql-") as tmp:
        runs = ab.run_rounds(
            variants, case="serverVersion", make_target=_target, check=_check, rounds=rounds, options=load,
            workdir=Path(tmp),
        )  # fmt: skip
    summary = ab.compare(runs, a="cached", b="uncached")
    path = results.write(
        "graphql-cache",
        parameters={
            "path": GRAPHQL_PATH,
            "query": QUERY,
            "rounds": rounds,
            "database": "sqlite",
            "workers": 1,
            **load.parameters(),
        },
        figures={"summary": summary, "runs": [r.to_json() for r in runs]},
        ok=summary["ok"],
    )
    rows: list[list[object]] = [
        [label, summary[label]["rps"], summary[label]["p50_ms"], summary[label]["p99_ms"], summary[label]["errors"]]
        for label in ("cached", "uncached")
    ]
    rows.append(["cached/uncached", summary["ratio_rps"], summary["ratio_p50"], None, None])
    print("\nGraphQL serverVersion (ours), medians; ratio req/s > 1 means the cache helps")
    print(results.table(["cache", "req/s", "p50 ms", "p99 ms", "errors"], rows))
    print(f"{'OK' if summary['ok'] else 'FAILED (errors)'}; written {path.relative_to(path.parents[2])}\n")
    return bool(summary["ok"])
