"""Fixtures of the design tests: where the upstream reference samples live."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parents[2] / ".." / "shared" / "reference" / "data"
SAMPLES = DATA / "meshkit" / "files" / "tests" / "samples"
CONVERTER = DATA / "meshkit" / "converter" / "tests" / "samples"
DESIGN_FIXTURES = DATA / "meshery" / "mesheryctl" / "internal" / "cli" / "root" / "design" / "fixtures"


def reference_file(path: Path) -> bytes:
    """The bytes of one upstream sample, or a skip saying it is absent."""
    if not path.is_file():
        pytest.skip(f"reference sample {path.name} not present at {path} (only in the development workspace)")
    return path.read_bytes()
