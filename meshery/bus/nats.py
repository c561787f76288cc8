"""NATS event bus: fans events out across replicas and receives MeshSync's subjects.

The only module in the project that imports `nats`.

Local subscribers never depend on NATS: every publish reaches this process's subscribers at
once and is also forwarded to NATS (when connected) with a `Meshery-Origin` header carrying this
bus's instance id. Messages that come back from NATS with our own origin are dropped, so each
local subscriber sees a message exactly once whether NATS is up, down or flapping.

Queue groups are the one exception. While connected, a message for a queue group is left to
NATS, which picks one member across all replicas (possibly one of ours, which is then not
dropped); only when the message could not be forwarded does this process pick a local member.
Delivering locally as well would hand the message to two members of the group.

NATS is never required to be up: `start()` returns after a short wait even if it is unreachable,
the client keeps reconnecting forever, publishing while disconnected delivers locally only, and
subscriptions are (re)established on NATS whenever it connects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription

from meshery.bus import base, memory

log = logging.getLogger(__name__)

ORIGIN_HEADER = "Meshery-Origin"
_STATUS_HEADER = "Status"
_NO_RESPONDERS_STATUS = "503"
_TRANSPORT_ERRORS = (nats.errors.Error, OSError, asyncio.TimeoutError)


class NatsBus(base.Bus):
    """A bus on a NATS connection that survives NATS outages; see the module docstring."""

    def __init__(
        self,
        *,
        url: str,
        name: str,
        reconnect_wait: float = 0.5,
        connect_timeout: float = 2.0,
        start_wait: float = 2.0,
    ) -> None:
        super().__init__(name=name)
        self.servers = [server.strip() for server in url.split(",") if server.strip()]
        self._reconnect_wait = reconnect_wait
        self._connect_timeout = connect_timeout
        self._start_wait = start_wait
        self._client = Client()
        self._router = memory.LocalRouter()
        self._remote: dict[base.GroupKey, NatsSubscription] = {}
        # Serialises changes to NATS subscriptions so a key never gets two of them.
        self._remote_lock = asyncio.Lock()
        self._connector: asyncio.Task[None] | None = None
        self._starting = False

    async def start(self) -> None:
        """Connect in the background; wait up to `start_wait` so a healthy NATS is ready at once."""
        if self._running:
            return
        self._running = True
        connector = asyncio.create_task(self._connect(), name=f"nats-connect-{self.name}")
        connector.add_done_callback(self._connector_done)
        self._connector = connector
        self._starting = True
        try:
            await asyncio.wait({connector}, timeout=self._start_wait)
        finally:
            self._starting = False
        if connector.done() and not connector.cancelled() and connector.exception() is not None:
            # Not an outage (those are retried forever) but a setting such as a malformed URL.
            self._running = False
            raise base.BusError(f"cannot use NATS at {self.servers}") from connector.exception()
        if not self.connected:
            log.warning("NATS at %s is not reachable yet; retrying in the background", self.servers)

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        if self._connector is not None and not self._connector.done():
            self._connector.cancel()
            await asyncio.wait({self._connector})
        # close() alone may lose what is still buffered: publishes made before stop() must leave.
        await self._confirm()
        # Reported as down before closing, so that closing is not logged as a lost connection.
        self._status.set(False)
        if self._client.is_connected or self._client.is_reconnecting:
            with contextlib.suppress(*_TRANSPORT_ERRORS):
                await self._client.close()
        self._remote.clear()
        self._router.close_all()
        self._status.close()
        log.info("NATS bus %r stopped", self.name)

    # --- connection lifecycle -----------------------------------------------------------------

    async def _connect(self) -> None:
        # nats-py annotates the waits as int but sleeps on them, so a fraction of a second works.
        options: dict[str, Any] = {
            "servers": self.servers,
            "name": self.name,
            "allow_reconnect": True,
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": self._reconnect_wait,
            "connect_timeout": self._connect_timeout,
            # Notice a silently dead server within about a minute, not the default six.
            "ping_interval": 20,
            "max_outstanding_pings": 3,
            "error_cb": self._on_error,
            "disconnected_cb": self._on_disconnected,
            "reconnected_cb": self._on_up,
            "closed_cb": self._on_closed,
        }
        try:
            await self._client.connect(**options)
        except asyncio.CancelledError:
            # Stopped before NATS ever came up: release the half-open client.
            with contextlib.suppress(*_TRANSPORT_ERRORS):
                await self._client.close()
            raise
        await self._on_up()

    def _connector_done(self, task: asyncio.Task[None]) -> None:
        # A failure while start() waits is raised by start() itself; later ones only reach the log.
        if not task.cancelled() and task.exception() is not None and not self._starting:
            log.error("NATS connection task failed", exc_info=task.exception())

    async def _on_up(self) -> None:
        await self._sync_remote()
        await self._confirm()
        log.info("NATS bus %r connected to %s", self.name, self._client.connected_url)
        self._status.set(True)

    async def _on_disconnected(self) -> None:
        if self.connected:
            log.warning("NATS bus %r lost its connection; delivering locally until it is back", self.name)
        self._status.set(False)

    async def _on_closed(self) -> None:
        self._status.set(False)

    async def _on_error(self, error: Exception) -> None:
        # Called for every failed reconnect attempt during an outage, hence debug.
        log.debug("NATS bus %r: %r", self.name, error)

    async def _confirm(self) -> None:
        """Return once the server has processed everything this bus sent before the call.

        nats-py's flush() writes its PING ahead of commands still in its buffer, so its PONG does
        not prove that a SUB or PUB arrived. A message to ourselves queues behind them instead.
        """
        if not self._client.is_connected:
            return
        arrived = asyncio.Event()

        async def on_probe(msg: Msg) -> None:
            arrived.set()

        probe: NatsSubscription | None = None
        try:
            inbox = self._client.new_inbox()
            probe = await self._client.subscribe(inbox, cb=on_probe)
            await self._client.publish(inbox)
            await asyncio.wait_for(arrived.wait(), self._connect_timeout)
        except _TRANSPORT_ERRORS as error:
            log.debug("NATS bus %r: round trip failed: %r", self.name, error)
        finally:
            if probe is not None:
                with contextlib.suppress(*_TRANSPORT_ERRORS):
                    await probe.unsubscribe()

    # --- remote subscriptions -----------------------------------------------------------------

    async def _sync_remote(self) -> None:
        """Make the NATS subscriptions match the local (pattern, queue group) keys."""
        async with self._remote_lock:
            if not self._client.is_connected:
                return  # reconciled again by _on_up once connected
            wanted = set(self._router.keys())
            try:
                for key in [key for key in self._remote if key not in wanted]:
                    await self._remote.pop(key).unsubscribe()
                for key in wanted - self._remote.keys():
                    subject, queue = key
                    self._remote[key] = await self._client.subscribe(subject, queue=queue or "", cb=self._receiver(key))
            except _TRANSPORT_ERRORS as error:
                log.debug("NATS bus %r: subscriptions not synced yet: %r", self.name, error)

    def _receiver(self, key: base.GroupKey) -> Callable[[Msg], Awaitable[None]]:
        async def receive(msg: Msg) -> None:
            headers = dict(msg.headers) if msg.headers else {}
            origin = headers.pop(ORIGIN_HEADER, None)
            if origin == self.instance_id and key[1] is None:
                return  # already delivered locally at publish time
            message = base.Message(subject=msg.subject, data=msg.data, reply=msg.reply or None, headers=headers or None)
            self._router.deliver_to(key, message)

        return receive

    # --- Bus hooks ----------------------------------------------------------------------------

    async def _send(self, message: base.Message) -> base.Delivery:
        local = self._router.deliver(message, queues=False)
        forwarded = await self._forward(message)
        if not forwarded:
            local += self._router.deliver(message, plain=False)
        return base.Delivery(local=local, forwarded=forwarded)

    async def _forward(self, message: base.Message) -> bool:
        if not self._client.is_connected:
            log.debug("NATS is down: %r delivered locally, not forwarded", message.subject)
            return False
        headers = dict(message.headers or {})
        headers[ORIGIN_HEADER] = self.instance_id
        try:
            await self._client.publish(message.subject, message.data, reply=message.reply or "", headers=headers)
        except nats.errors.MaxPayloadError:
            log.warning("%r is too large for NATS: delivered locally, not forwarded", message.subject)
            return False
        except _TRANSPORT_ERRORS as error:
            log.debug("NATS publish failed (%r): %r delivered locally, not forwarded", error, message.subject)
            return False
        return True

    async def _attach(self, subscription: base.Subscription, *, confirm: bool) -> None:
        if self._router.add(subscription) and self._client.is_connected:
            await self._sync_remote()
            if confirm:
                await self._confirm()

    async def _detach(self, subscription: base.Subscription) -> None:
        if self._router.remove(subscription):
            await self._sync_remote()

    def _is_no_responders(self, message: base.Message) -> bool:
        return (
            not message.data
            and message.headers is not None
            and message.headers.get(_STATUS_HEADER) == _NO_RESPONDERS_STATUS
        )
