"""The deliberate answer differences from ``@meshery/schemas``: read from the one table in
``spec/DIFFERENCES.md``, so the documentation and the conformance check cannot drift apart.

A row names an operation (``METHOD /path``, parameters as ``{}``; ``*`` for every operation) and
a field location as the conformance check writes it (``environments[].owner``; ``(status)`` for
the answer's status), where ``*`` matches any text (``*created_at`` is that field at any depth).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from tests.conformance.package import ROOT, normalize

DOC = ROOT / "spec" / "DIFFERENCES.md"
_ROW = re.compile(r"^\|\s*`(?P<op>[^`]+)`\s*\|\s*`(?P<field>[^`]+)`\s*\|(?P<rest>.*)\|\s*$")


@dataclass(frozen=True)
class Difference:
    operation: str  # normalized key or "*"
    field: str
    row: str

    def covers(self, key: str, location: str) -> bool:
        if self.operation not in ("*", key):
            return False
        return fnmatch.fnmatchcase(location.replace("[]", "#"), self.field.replace("[]", "#"))


def documented(doc: Path = DOC) -> list[Difference]:
    """Every row of the differences table."""
    found: list[Difference] = []
    for line in doc.read_text().splitlines():
        match = _ROW.match(line.strip())
        if not match:
            continue
        op = match["op"].strip()
        if op != "*":
            method, _, path = op.partition(" ")
            op = normalize(method, path.strip())
        found.append(Difference(op, match["field"].strip(), line.strip()))
    return found
