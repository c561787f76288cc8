"""``bench.instructions`` counts the instructions of each marked part of a program, in order."""

from __future__ import annotations

import sys

import pytest

from bench import PROJECT_ROOT, instructions

pytestmark = pytest.mark.skipif(not instructions.available(), reason="valgrind is not installed (optional)")

PROGRAM = """
from bench.instructions import mark
for n in (20_000, 20_000, 200_000, 20_000):  # the first part warms the interpreter up
    mark()
    sum(range(n))
    mark()
    sum(range(n * 3))  # between parts: not counted
"""


def test_parts_are_counted_in_order_and_scale_with_the_work() -> None:
    _warm, small, large, small_again = instructions.count([sys.executable, "-c", PROGRAM], cwd=PROJECT_ROOT)
    assert 5 < large / small < 15  # ten times the loop, plus the same small fixed cost
    assert abs(small_again - small) / small < 0.02  # deterministic: the same part counts the same
