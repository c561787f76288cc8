"""What a load run counts: latencies of the 200s answered inside the measured window, and every error.

Both clients (``bench.clients``) report into one ``Recorder``. Errors are counted in the
warm-up as well as in the measured window, so a run is only clean when no response at any
point was anything but a 200.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Recorder:
    """Latencies (ns) of the 200 responses completed while ``recording``, plus all errors."""

    recording: bool = False
    latencies_ns: list[int] = field(default_factory=list)
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)

    def response(self, status: int, latency_ns: int) -> None:
        if status != 200:
            self.error(f"status {status}")
        elif self.recording:
            self.latencies_ns.append(latency_ns)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] += 1


def percentile_ms(sorted_ns: list[int], fraction: float) -> float:
    """Nearest-rank percentile of sorted nanosecond samples, in milliseconds (0.0 when empty)."""
    if not sorted_ns:
        return 0.0
    rank = max(0, min(len(sorted_ns) - 1, round(fraction * len(sorted_ns)) - 1))
    return sorted_ns[rank] / 1e6
