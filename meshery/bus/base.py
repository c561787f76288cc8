"""The event bus interface shared by the in-process and the NATS implementations.

Everything above the bus (MeshSync ingestion, GraphQL subscriptions, SSE streams) is written
against `Bus`, `Subscription` and `Message` from this module. Subjects follow NATS rules in both
implementations because, once NATS_URL is set, they are real NATS subjects that MeshSync and
other Meshery components publish on; an embedded deployment must not accept a subject that would
break when the same server is later pointed at NATS.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import dataclasses
import itertools
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from opentelemetry.trace import SpanKind

from meshery.observability import metrics, tracing

log = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 1024
INBOX_PREFIX = "_INBOX."  # request/reply inboxes: one subject per request, left out of metrics
GroupKey = tuple[str, str | None]
T = TypeVar("T")
"""A subscription's (subject pattern, queue group) pair; queue groups are scoped by pattern."""


class BusError(Exception):
    """Base class of every error the bus raises."""


class InvalidSubject(BusError, ValueError):
    """A subject is empty, has an empty token or whitespace, or misuses a wildcard."""


class InvalidQueueGroup(BusError, ValueError):
    """A queue group name is empty or contains whitespace."""


class BusNotRunning(BusError, RuntimeError):
    """The bus was used before `start()` or after `stop()`."""


class NoResponders(BusError):
    """A request was sent to a subject that nobody subscribes to."""


class RequestTimeout(BusError, TimeoutError):
    """No reply arrived within the request's timeout."""


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    """One message. The same instance is handed to every local subscriber: treat it as read-only."""

    subject: str
    data: bytes
    reply: str | None = None
    headers: dict[str, str] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one published message: local subscribers reached, and NATS or not."""

    local: int
    forwarded: bool


# --- subjects ---------------------------------------------------------------------------------

_WHITESPACE = frozenset(" \t\r\n\f\v")


def split_subject(subject: str, *, wildcards: bool) -> tuple[str, ...]:
    """Validate `subject` and return its tokens; `wildcards` allows `*` and a final `>`."""
    if not subject:
        raise InvalidSubject("subject is empty")
    if not _WHITESPACE.isdisjoint(subject):
        raise InvalidSubject(f"subject {subject!r} contains whitespace")
    tokens = tuple(subject.split("."))
    for index, token in enumerate(tokens):
        if not token:
            raise InvalidSubject(f"subject {subject!r} has an empty token")
        if token in ("*", ">"):
            if not wildcards:
                raise InvalidSubject(f"subject {subject!r} has a wildcard; publish to a literal subject")
            if token == ">" and index != len(tokens) - 1:
                raise InvalidSubject(f"subject {subject!r}: '>' must be the last token")
        elif "*" in token or ">" in token:
            # NATS would take "a*" as a literal token; rejecting it avoids a pattern that looks like
            # a wildcard but silently matches only itself.
            raise InvalidSubject(f"subject {subject!r}: a wildcard must be a whole token")
    return tokens


def validate_subject(subject: str, *, wildcards: bool = False) -> None:
    """Raise `InvalidSubject` unless `subject` is valid (for publishing, or with `wildcards`)."""
    split_subject(subject, wildcards=wildcards)


def validate_queue_group(queue: str) -> None:
    """Raise `InvalidQueueGroup` unless `queue` is a usable NATS queue group name."""
    if not queue or not _WHITESPACE.isdisjoint(queue):
        raise InvalidQueueGroup(f"invalid queue group name {queue!r}")


def tokens_match(pattern: Sequence[str], subject: Sequence[str]) -> bool:
    """NATS matching on pre-split tokens: `*` matches one token, a final `>` one or more."""
    for index, token in enumerate(pattern):
        if token == ">":
            return len(subject) > index
        if index >= len(subject) or (token != "*" and token != subject[index]):
            return False
    return len(pattern) == len(subject)


def _messaging(subject: str) -> dict[str, str]:
    return {"messaging.system": "nats", "messaging.destination.name": subject, "messaging.operation.type": "send"}


def subject_matches(pattern: str, subject: str) -> bool:
    """True when the literal `subject` matches `pattern`; both are validated first."""
    return tokens_match(split_subject(pattern, wildcards=True), split_subject(subject, wildcards=False))


# --- subscriptions ----------------------------------------------------------------------------


class Subscription:
    """A bounded mailbox of messages for one subscriber, read with `async for`.

    Delivery never blocks and never fails: when the mailbox holds `max_pending` messages the
    oldest is dropped and counted, so one stalled reader (say, a GraphQL client on a slow link)
    cannot hold up the publisher or any other subscriber. Iteration ends after `unsubscribe()`
    or when the bus stops; messages still queued then are discarded.
    """

    def __init__(
        self,
        *,
        subject: str,
        queue: str | None,
        max_pending: int,
        on_unsubscribe: Callable[[Subscription], Awaitable[None]] | None = None,
    ) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self.subject = subject
        self.queue = queue
        self.max_pending = max_pending
        self.tokens = split_subject(subject, wildcards=True)
        self._on_unsubscribe = on_unsubscribe
        self._messages: collections.deque[Message] = collections.deque()
        self._wakeup = asyncio.Event()
        self._closed = False
        self._dropped = 0

    @property
    def key(self) -> GroupKey:
        return (self.subject, self.queue)

    @property
    def dropped(self) -> int:
        """Messages discarded because the mailbox was full."""
        return self._dropped

    @property
    def pending(self) -> int:
        return len(self._messages)

    @property
    def closed(self) -> bool:
        return self._closed

    def deliver(self, message: Message) -> None:
        """Queue `message` (for bus implementations); drops the oldest message when full."""
        if self._closed:
            return
        if len(self._messages) >= self.max_pending:
            self._messages.popleft()
            self._dropped += 1
            # Warn once and then sparsely: a stuck reader would otherwise flood the log.
            if self._dropped == 1 or self._dropped % 1000 == 0:
                log.warning(
                    "subscription %r is full (%d pending); dropped %d oldest message(s) so far",
                    self.subject,
                    self.max_pending,
                    self._dropped,
                )
        self._messages.append(message)
        self._wakeup.set()

    def close(self) -> None:
        """End iteration without notifying the bus (the bus calls this when it stops)."""
        self._closed = True
        self._messages.clear()
        self._wakeup.set()

    async def unsubscribe(self) -> None:
        """Stop receiving; iteration ends. Calling it again does nothing."""
        if self._closed:
            return
        self.close()
        if self._on_unsubscribe is not None:
            await self._on_unsubscribe(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        while not self._messages:
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        message = self._messages.popleft()
        if (metrics.ON or tracing.ON) and not self.subject.startswith(INBOX_PREFIX):  # meshery.observability
            metrics.received(self.subject)
            tracing.consumed(message.subject, message.headers, queue=self.queue)
        return message


# --- connection status ------------------------------------------------------------------------


class StatusFeed:
    """The bus's connected flag, with watchers that see its current value and then every change."""

    def __init__(self) -> None:
        self._value = False
        self._closed = False
        self._watchers: set[asyncio.Queue[bool | None]] = set()

    @property
    def value(self) -> bool:
        return self._value

    def set(self, value: bool) -> None:
        if value == self._value or self._closed:
            return
        self._value = value
        for queue in self._watchers:
            queue.put_nowait(value)

    def close(self) -> None:
        """End every watcher (after it has seen the last value)."""
        self._closed = True
        for queue in self._watchers:
            queue.put_nowait(None)

    async def watch(self) -> AsyncIterator[bool]:
        if self._closed:
            yield self._value
            return
        queue: asyncio.Queue[bool | None] = asyncio.Queue()
        # Registered before the first yield so that no change after it can be missed.
        self._watchers.add(queue)
        try:
            yield self._value
            while (value := await queue.get()) is not None:
                yield value
        finally:
            self._watchers.discard(queue)


# --- the bus ----------------------------------------------------------------------------------


class Bus(abc.ABC):
    """Publish/subscribe with NATS semantics: wildcards, queue groups and request/reply.

    Delivery is at most once, as in core NATS. Subclasses implement `start`, `stop` and the
    three hooks `_send`, `_attach` and `_detach`; validation and request/reply live here.
    """

    def __init__(self, *, name: str) -> None:
        self.name = name
        self.instance_id = uuid.uuid4().hex
        self._status = StatusFeed()
        self._running = False
        self._inbox_seq = itertools.count()

    @property
    def connected(self) -> bool:
        return self._status.value

    def watch_status(self) -> AsyncIterator[bool]:
        """Yield `connected` now and then on every change; ends when the bus stops."""
        return self._status.watch()

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    async def publish(self, subject: str, data: bytes, *, headers: dict[str, str] | None = None) -> None:
        """Send `data` to every subscriber of `subject`; never blocks on slow subscribers."""
        validate_subject(subject)
        self._require_running()
        metrics.published(subject)
        if tracing.ON:  # a producer span, and its context in the headers for the consumers (meshery.observability)
            with tracing.span(f"publish {subject}", kind=SpanKind.PRODUCER, attributes=_messaging(subject)):
                await self._send(Message(subject=subject, data=data, headers=tracing.inject(headers)))
            return
        await self._send(Message(subject=subject, data=data, headers=headers))

    async def subscribe(
        self, subject: str, *, queue: str | None = None, max_pending: int = DEFAULT_MAX_PENDING
    ) -> Subscription:
        """Receive messages on `subject` (wildcards allowed); with `queue`, share them in a group."""
        if queue is not None:
            validate_queue_group(queue)
        subscription = Subscription(subject=subject, queue=queue, max_pending=max_pending, on_unsubscribe=self._detach)
        self._require_running()
        await self._attach(subscription, confirm=True)
        return subscription

    async def request(
        self,
        subject: str,
        data: bytes,
        *,
        # The timeout belongs to the request, as in NATS clients: it decides between a reply and
        # RequestTimeout, and the reply inbox is removed however the wait ends.
        timeout: float,  # noqa: ASYNC109
        headers: dict[str, str] | None = None,
    ) -> Message:
        """Publish with a reply inbox and return the first reply.

        Raises `NoResponders` when nobody subscribes to `subject` and `RequestTimeout` when no
        reply arrives within `timeout` seconds.
        """
        validate_subject(subject)
        self._require_running()
        inbox = f"{INBOX_PREFIX}{self.instance_id}.{next(self._inbox_seq)}"
        replies = Subscription(subject=inbox, queue=None, max_pending=8, on_unsubscribe=self._detach)
        # The inbox and the request leave on one connection in order, so the subscription
        # needs no round trip to be in place before the request is sent.
        await self._attach(replies, confirm=False)
        try:
            request = Message(subject=subject, data=data, reply=inbox, headers=headers)
            delivery = await self._send(request)
            if not delivery.local and not delivery.forwarded:
                raise NoResponders(f"no responders on {subject!r}")
            try:
                async with asyncio.timeout(timeout):
                    async for reply in replies:
                        if not self._is_no_responders(reply):
                            return reply
                        if not delivery.local:
                            raise NoResponders(f"no responders on {subject!r}")
            except TimeoutError:
                raise RequestTimeout(f"no reply on {subject!r} within {timeout}s") from None
            raise BusNotRunning("the bus stopped while waiting for a reply")
        finally:
            await replies.unsubscribe()

    async def follow(
        self,
        subject: str,
        render: Callable[[], Awaitable[T]],
        *,
        max_pending: int = 64,
        changes_only: bool = False,
        every: float | None = None,
    ) -> AsyncGenerator[T, None]:
        """Yield ``render()`` now and again after every message on ``subject``: a live view.

        The subscription is in place before the first render, so no change is missed between
        the two. ``every`` also renders after that many quiet seconds (for state the subject does
        not announce); ``changes_only`` skips a value equal to the last one yielded. The messages
        themselves are not read: they only say "look again". Iteration ends when the bus stops,
        and the subscription is removed however the caller stops reading.
        """
        subscription = await self.subscribe(subject, max_pending=max_pending)
        try:
            last: list[T] = []
            while True:
                value = await render()
                if not (changes_only and last and last[0] == value):
                    last[:] = [value]
                    yield value
                if not await _next_message(subscription, every):
                    return
        finally:
            await subscription.unsubscribe()

    def _require_running(self) -> None:
        if not self._running:
            raise BusNotRunning(f"bus {self.name!r} is not running; call start() first")

    def _is_no_responders(self, message: Message) -> bool:
        """True for a transport's 'nobody is listening' notice on a request inbox."""
        return False

    @abc.abstractmethod
    async def _send(self, message: Message) -> Delivery:
        """Deliver an already validated message."""

    @abc.abstractmethod
    async def _attach(self, subscription: Subscription, *, confirm: bool) -> None:
        """Start delivering to `subscription`; with `confirm`, wait until remote peers can reach it."""

    @abc.abstractmethod
    async def _detach(self, subscription: Subscription) -> None:
        """Stop delivering to `subscription` (called once, from `Subscription.unsubscribe`)."""


async def _next_message(subscription: Subscription, timeout: float | None) -> bool:  # noqa: ASYNC109
    """Wait for the next message or ``timeout`` seconds; False once the subscription has ended."""
    try:
        async with asyncio.timeout(timeout):
            await anext(subscription)
    except TimeoutError:
        return True
    except StopAsyncIteration:
        return False
    return True
