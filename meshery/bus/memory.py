"""In-process event bus: the embedded default when NATS_URL is not set.

`LocalRouter` is the delivery table of one process. `MemoryBus` is nothing more than a router;
the NATS bus uses the same router for its local subscribers, so both buses deliver locally
with exactly the same matching and queue-group rules.
"""

from __future__ import annotations

import logging

from meshery.bus import base

log = logging.getLogger(__name__)


class _Group:
    """Local subscriptions sharing one (pattern, queue group) key."""

    def __init__(self, subscription: base.Subscription) -> None:
        self.tokens = subscription.tokens
        self.queue = subscription.queue
        self.members: list[base.Subscription] = [subscription]
        self._turn = 0

    def deliver(self, message: base.Message) -> int:
        if self.queue is None:
            for member in self.members:
                member.deliver(message)
            return len(self.members)
        # Round robin rather than random: spreads load evenly and keeps tests deterministic.
        member = self.members[self._turn % len(self.members)]
        self._turn += 1
        member.deliver(message)
        return 1


class LocalRouter:
    """This process's subscriptions, grouped by (pattern, queue group).

    A message reaches every matching subscription without a queue group, and exactly one
    member of each matching queue group.
    """

    def __init__(self) -> None:
        self._groups: dict[base.GroupKey, _Group] = {}

    def add(self, subscription: base.Subscription) -> bool:
        """Register `subscription`; True when it opened a new (pattern, queue group) key."""
        group = self._groups.get(subscription.key)
        if group is None:
            self._groups[subscription.key] = _Group(subscription)
            return True
        group.members.append(subscription)
        return False

    def remove(self, subscription: base.Subscription) -> bool:
        """Unregister `subscription`; True when that left its key without members."""
        group = self._groups.get(subscription.key)
        if group is None or subscription not in group.members:
            return False
        group.members.remove(subscription)
        if group.members:
            return False
        del self._groups[subscription.key]
        return True

    def keys(self) -> list[base.GroupKey]:
        return list(self._groups)

    def deliver(self, message: base.Message, *, plain: bool = True, queues: bool = True) -> int:
        """Deliver to matching subscriptions; `plain`/`queues` select which kinds. Returns the count."""
        tokens = message.subject.split(".")
        delivered = 0
        for group in self._groups.values():
            wanted = queues if group.queue is not None else plain
            if wanted and base.tokens_match(group.tokens, tokens):
                delivered += group.deliver(message)
        return delivered

    def deliver_to(self, key: base.GroupKey, message: base.Message) -> int:
        """Deliver to one key only (a message that a remote subscription for that key received)."""
        group = self._groups.get(key)
        return 0 if group is None else group.deliver(message)

    def close_all(self) -> None:
        for group in self._groups.values():
            for member in group.members:
                member.close()
        self._groups.clear()


class MemoryBus(base.Bus):
    """A bus that reaches the subscribers of this process only; `connected` means started."""

    def __init__(self, *, name: str) -> None:
        super().__init__(name=name)
        self._router = LocalRouter()

    async def start(self) -> None:
        self._running = True
        self._status.set(True)
        log.debug("in-process bus %r started", self.name)

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._router.close_all()
        self._status.set(False)
        self._status.close()
        log.debug("in-process bus %r stopped", self.name)

    async def _send(self, message: base.Message) -> base.Delivery:
        return base.Delivery(local=self._router.deliver(message), forwarded=False)

    async def _attach(self, subscription: base.Subscription, *, confirm: bool) -> None:
        self._router.add(subscription)

    async def _detach(self, subscription: base.Subscription) -> None:
        self._router.remove(subscription)
