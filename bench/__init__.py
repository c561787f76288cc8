"""Benchmarks of Meshery Server (Python), each printing ratios against a baseline measured in the same run.

``python -m bench`` runs all of them; ``python -m bench <name> --help`` shows one. Every
benchmark runs servers and the load generator as separate processes on loopback and writes
one JSON file per run under ``bench/results/``. See ``bench/README.md``.
"""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
