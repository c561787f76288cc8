"""Import the generated Python SDK from generated/sdk/python without installing it."""

from __future__ import annotations

import sys
from pathlib import Path

SDK_PYTHON = Path(__file__).resolve().parents[2] / "generated" / "sdk" / "python"
if str(SDK_PYTHON) not in sys.path:
    sys.path.insert(0, str(SDK_PYTHON))
