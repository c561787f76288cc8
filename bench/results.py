"""Recording a benchmark run: machine facts, the commit, one JSON file per run, and a printed table.

Files are named ``bench/results/<UTC date>-<short commit>-<name>.json``; a second run of
the same benchmark on the same day and commit replaces the first. ``dirty`` says whether
the working tree had uncommitted changes, since the commit alone then does not say what ran.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import PROJECT_ROOT, RESULTS_DIR


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def commit() -> tuple[str, bool]:
    """The short commit of HEAD ("nogit" outside a repository) and whether the tree is dirty."""
    short = _git("rev-parse", "--short", "HEAD") or "nogit"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return short, dirty


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def write(name: str, *, parameters: dict[str, Any], figures: dict[str, Any], ok: bool) -> Path:
    """Write one run's JSON file and return its path."""
    now = datetime.now(UTC)
    short, dirty = commit()
    document = {
        "name": name,
        "date": now.isoformat(timespec="seconds"),
        "commit": short,
        "dirty": dirty,
        "ok": ok,
        "machine": machine(),
        "parameters": parameters,
        **figures,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{now:%Y-%m-%d}-{short}-{name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, numbers right-aligned."""

    def cell(value: object) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) or row[i] is None for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])
