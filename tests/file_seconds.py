"""Seconds each slow test file took in a measured run, so pytest-xdist starts the longest files
first (tests/conftest.py): it hands out whole files (``--dist loadfile``), and a long file
handed out last kept one worker busy while the other had nothing left to do.

Refresh from a run's JUnit report: ``python -m tests.file_seconds report.xml`` (after
``pytest --junitxml=report.xml``); only the order matters, so a run on a busy machine will do.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

TABLE = Path(__file__).with_name("file_seconds.json")
SLOW = 5.0  # files faster than this are left out: they fill the gaps at the end in any order


def load() -> dict[str, float]:
    """Seconds per test file path (``tests/...py``); empty when the table is missing."""
    if not TABLE.is_file():
        return {}
    table: dict[str, float] = json.loads(TABLE.read_text())
    return table


def measure(report: Path) -> dict[str, float]:
    seconds: Counter[str] = Counter()
    for case in ET.parse(report).iter("testcase"):
        module = []
        for part in case.get("classname", "").split("."):
            if part[:1].isupper():  # a test class
                break
            module.append(part)
        seconds["/".join(module) + ".py"] += float(case.get("time", 0))
    return {file: round(s) for file, s in seconds.most_common() if s >= SLOW}


if __name__ == "__main__":
    TABLE.write_text(json.dumps(measure(Path(sys.argv[1])), indent=0) + "\n")
