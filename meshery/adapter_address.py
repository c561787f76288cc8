"""Adapter locations: ``host:port`` strings as upstream stores them, checked before any dial.

Upstream keeps an adapter's gRPC address as ``adapter_location`` (``localhost:10000``,
``meshery-istio:10000``). A bare port (``10000``, as upstream's list of available adapters
writes it) means ``localhost``. Anything else (schemes, paths, spaces) is rejected with a
reason, so a malformed URL never reaches gRPC. It imports nothing of the server and sits below
``meshery.config`` (which checks ``ADAPTER_URLS`` with it), outside the ``meshery.adapters`` package.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_V6 = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


class InvalidLocation(ValueError):
    """An adapter location that is not ``host:port``."""


class LocationNotAllowed(InvalidLocation):
    """A well-formed location this server may not dial (``ADAPTER_LOOPBACK_ONLY``)."""


@dataclass(frozen=True, slots=True)
class Location:
    host: str
    port: int

    @property
    def target(self) -> str:
        """The gRPC dial target."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        if self.host.lower() in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def _port(text: str, raw: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise InvalidLocation(f"{raw!r}: the port must be a number from 1 to 65535")
    return int(text)


def parse(raw: str) -> Location:
    """Parse ``host:port``, ``[v6]:port`` or a bare port; raises InvalidLocation with the reason."""
    text = raw.strip()
    if not text:
        raise InvalidLocation("the adapter location is empty")
    if text.isdigit():
        return Location("localhost", _port(text, raw))
    if "://" in text or "/" in text:
        raise InvalidLocation(f"{raw!r}: give host:port without a scheme or path (e.g. localhost:10000)")
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise InvalidLocation(f"{raw!r}: an IPv6 address is written [address]:port")
        # Only the characters are checked (as the API schema does); a wrong address fails to dial.
        if not _V6.match(host):
            raise InvalidLocation(f"{raw!r}: {host!r} is not an IPv6 address")
        return Location(host, _port(rest[1:], raw))
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise InvalidLocation(f"{raw!r}: expected host:port (e.g. localhost:10000)")
    if not _HOST.match(host):
        raise InvalidLocation(f"{raw!r}: {host!r} is not a host name or IPv4 address")
    return Location(host, _port(port, raw))


def normalize(raw: str) -> str:
    """The canonical spelling of a location (a bare port becomes ``localhost:PORT``)."""
    loc = parse(raw)
    return f"{loc.host}:{loc.port}" if ":" not in loc.host else f"[{loc.host}]:{loc.port}"
