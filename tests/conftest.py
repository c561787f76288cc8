"""Suite-wide fixtures: real PostgreSQL and NATS once per session, the app per test."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
# Server processes started by tests (the fuzzer above all) dial adapters only on loopback, so
# generated adapter locations never send traffic off this machine.
os.environ.setdefault("ADAPTER_LOOPBACK_ONLY", "true")

# Order matters: a plugin module imported by another must be registered first,
# or pytest cannot rewrite its asserts.
pytest_plugins = [
    "tests.fixtures.server",
    "tests.fixtures.remote_provider",
    "tests.fixtures.postgres",
    "tests.fixtures.nats",
    "tests.fixtures.contract",
    "tests.fixtures.app",
    "tests.fixtures.registry",
    "tests.fixtures.kubeemu",
]
