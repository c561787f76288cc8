"""GraphQL over WebSocket against the real server: both subscription protocols.

The tests that only read share one server process for the module; the NATS test starts its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from tests.fixtures.server import ServerProcess

PATH = "/api/system/graphql/query"
BROKER = "subscription { subscribeBrokerConnection }"


async def _recv(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await ws.recv())
        if message.get("type") not in ("ka", "ping", "pong"):
            return message  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess(workdir=tmp_path_factory.mktemp("graphql-ws"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


async def test_graphql_transport_ws_subscription_and_query(shared_server: ServerProcess) -> None:
    async with websockets.connect(shared_server.ws_url + PATH, subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.subprotocol == "graphql-transport-ws"
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": BROKER}}))
        first = await _recv(ws)
        assert first == {"type": "next", "id": "1", "payload": {"data": {"subscribeBrokerConnection": True}}}
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": "{ serverVersion { build } }"}}))
        reply = await _recv(ws)
        assert reply["id"] == "2" and reply["payload"]["data"]["serverVersion"]["build"]
        await ws.send(json.dumps({"id": "1", "type": "complete"}))


async def test_legacy_graphql_ws_subscription(shared_server: ServerProcess) -> None:
    async with websockets.connect(shared_server.ws_url + PATH, subprotocols=["graphql-ws"]) as ws:
        assert ws.subprotocol == "graphql-ws"
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "start", "payload": {"query": BROKER}}))
        first = await _recv(ws)
        assert first == {"type": "data", "id": "1", "payload": {"data": {"subscribeBrokerConnection": True}}}
        await ws.send(json.dumps({"id": "1", "type": "stop"}))


async def test_invalid_subscription_reports_error(shared_server: ServerProcess) -> None:
    async with websockets.connect(shared_server.ws_url + PATH, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        await _recv(ws)
        await ws.send(json.dumps({"id": "9", "type": "subscribe", "payload": {"query": "subscription { nope }"}}))
        reply = await _recv(ws)
        assert reply["type"] == "error" and reply["id"] == "9"


@pytest.mark.nats
async def test_broker_connection_follows_nats(server_factory: type[ServerProcess], nats_server: Any) -> None:
    """subscribeBrokerConnection reports the real NATS connection: up, lost, back."""
    srv = server_factory(env={"NATS_URL": nats_server.url})
    srv.start()
    async with websockets.connect(srv.ws_url + PATH, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        await _recv(ws)
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": BROKER}}))
        states = [(await _recv(ws))["payload"]["data"]["subscribeBrokerConnection"]]
        nats_server.stop()
        states.append((await asyncio.wait_for(_recv(ws), 15))["payload"]["data"]["subscribeBrokerConnection"])
        nats_server.start()
        states.append((await asyncio.wait_for(_recv(ws), 15))["payload"]["data"]["subscribeBrokerConnection"])
    assert states == [True, False, True]
    assert "meshery-server-1014" in srv.logs()


async def test_a_deeply_nested_message_closes_the_socket(shared_server: ServerProcess) -> None:
    """A subscription message is held to the JSON limits of request bodies (1008, the error's code)."""
    from generated import errors

    async with websockets.connect(shared_server.ws_url + PATH, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _recv(ws))["type"] == "connection_ack"
        deep = '{"id": "1", "type": "subscribe", "payload": {"variables": ' + "[" * 5000 + "]" * 5000 + "}}"
        await ws.send(deep)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _recv(ws)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, errors.ErrInputNestedTooDeeply.code)
