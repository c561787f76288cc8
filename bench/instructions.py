"""Instructions executed between two points of a Python program, counted by Valgrind's callgrind.

Timing on a small shared machine moves by tens of percent from one minute to the next;
instruction counts do not. ``count`` runs a command under callgrind, which writes its
counters out and starts again from zero each time the program enters ``getpgid``: the
program calls ``mark()`` (``os.getpgid(0)``, a system call nothing else here makes) before
and after each measured part, and ``count`` answers the instructions of each part in order.
All threads are counted together (a span exporter's thread too). Instruction counts see
neither cache misses nor system calls, so they complement time figures, not replace them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

MARKER = "getpgid"


def available() -> bool:
    return shutil.which("valgrind") is not None


def mark() -> None:
    """A boundary between measured parts (callgrind dumps its counters here)."""
    os.getpgid(0)


def _total(dump: Path) -> int:
    with open(dump, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"{dump}: no instruction total")


class Counting:
    """A command running under callgrind; ``finish`` waits for it and answers its parts' instructions."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="meshery-bench-callgrind-")
        self.folder = Path(self._tmp.name)
        self.log = open(self.folder / "output.log", "wb")  # noqa: SIM115 (closed by finish)
        self.process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--dump-before={MARKER}",
             f"--callgrind-out-file={self.folder / 'callgrind.out'}", *argv],
            env=dict(env) if env is not None else None, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def finish(self, *, timeout: float = 900) -> list[int]:
        """Instructions of each part between two marks: parts 1-2, 3-4, ... (pairs of marks)."""
        try:
            code = self.process.wait(timeout=timeout)
            self.log.close()
            if code != 0:
                tail = (self.folder / "output.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"callgrind run failed ({code}):\n{tail}")
            dumps = sorted(self.folder.glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:]))
            # Dump k holds what ran between mark k-1 and mark k: the measured parts are dumps 2, 4, 6, ...
            return [_total(d) for d in dumps[1::2]]
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.log.close()
            self._tmp.cleanup()


def count(argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> list[int]:
    """Instructions of each part between two ``mark()`` calls of ``argv``, run to its end."""
    return Counting(argv, env=env, cwd=cwd).finish()
