"""Fixtures for the bus tests; the nats_server import moves to the root conftest later."""

from tests.fixtures.nats import nats_server  # noqa: F401
