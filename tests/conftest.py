"""Suite-wide fixtures: real PostgreSQL and NATS once per session (per pytest-xdist worker),
the app built once per database and started per test; tests that start processes are marked."""

from __future__ import annotations

import os
import tempfile
from collections import Counter

import pytest

from tests import file_seconds
from tests.fixtures.fetch_fence import TEST_FETCH_ALLOW

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
# Server processes started by tests (the fuzzer above all) dial adapters only on loopback, so
# generated adapter locations never send traffic off this machine.
os.environ.setdefault("ADAPTER_LOOPBACK_ONLY", "true")
# User-given URLs (meshery.fetch): server processes reach loopback test servers only; every other
# target (any public address, any host name but localhost) is refused before a lookup or connect.
os.environ.setdefault("URL_FETCH_ALLOW", ",".join(TEST_FETCH_ALLOW))
os.environ.setdefault("URL_FETCH_ALLOW_ONLY", "true")

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

# Fixtures that start a process of their own (the real server, the reference provider, the
# sample adapter, nats-server, PostgreSQL): a test needing any of them is marked `process`,
# so `make test-fast` can leave it out.
PROCESS_FIXTURES = frozenset(
    {
        "server_factory",
        "shared_server",
        "live_url",
        "remote_provider",
        "adapter_process",
        "nats_server",
        "postgres_server",
    }
)


@pytest.fixture(autouse=True)
def _fetch_fence() -> None:
    """In this process too: the fence (loopback only, no name lookups but localhost) under every
    fetch whatever a test configures, and the loopback test servers allowed by default."""
    from meshery import fetch

    fetch.set_fence(fetch.Policy.parse(TEST_FETCH_ALLOW, allow_only=True))
    fetch.configure(fetch.Policy.parse(TEST_FETCH_ALLOW))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    ids = Counter(item.nodeid for item in items)
    for item in items:
        if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.process)
        # Under pytest 9, Schemathesis gives the test of every operation (tests/test_fuzz.py) one
        # and the same id; pytest-xdist schedules by id and ran one of 169. The operation's label
        # as the id's parameter makes each id unique again.
        label = getattr(item, "operation_label", None)
        if ids[item.nodeid] > 1 and label and item._id.params is None:
            item._id = item._id.with_params(label)
    # Longest files first (pytest-xdist with --no-loadscope-reorder keeps this order): a long file
    # handed out last kept one worker busy while the other idled. Order within a file is kept.
    seconds = file_seconds.load()
    items.sort(key=lambda item: -seconds.get(item.nodeid.partition("::")[0], 0.0))
