"""Extensions of a remote provider: its extension API forwarded with the user's token, and the
files of its extension package (upstream ``ExtensionProxy`` and ``ProviderComponentsHandler``).

``/api/extensions/<path>`` becomes ``<provider URL>/<path>`` with the same method, query string
and JSON body; the provider's 2xx answer is returned as it is, a 4xx of the provider keeps its
status under a catalogued code (``ErrExtensionProxyStatus``), anything else is 502. The local
provider has no extensions (``ErrExtensionsNeedRemoteProvider``). Package files come from ``packages``.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any

from generated import errors
from meshery.context import Credentials
from meshery.providers import packages
from meshery.providers.base import BaseProvider
from meshery.providers.remote import Forwarded, RemoteProvider

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
MAX_PATH = 2048


def remote(provider: object) -> RemoteProvider:
    """The session's provider when it is a remote one; otherwise the catalogued 400."""
    if isinstance(provider, RemoteProvider):
        return provider
    name = provider.name if isinstance(provider, BaseProvider) else "None"
    raise errors.ErrExtensionsNeedRemoteProvider(f"the session's provider {name!r} is not a remote provider")


def _provider_path(path: str, query: str) -> str:
    clean = "/" + path.lstrip("/")
    if len(clean) > MAX_PATH or any(part in ("..", ".") for part in clean.split("/")):
        raise errors.ErrRequestValidation("the extension path must not contain '.' or '..' segments")
    return f"{clean}?{query}" if query else clean


async def forward(provider: object, creds: Credentials, *, method: str, path: str, query: str,
                  body: Any = None) -> Forwarded:
    """Send the request to the provider with the user's token (refreshed once on 401/403, as upstream)."""
    target = remote(provider)
    if method not in METHODS:
        raise errors.ErrMethodNotAllowed(method)
    where = _provider_path(path, query)
    response = await target.forward(method, where, creds, body=body)
    if 200 <= response.status_code < 300:
        return Forwarded(response.status_code, response.content)
    log.info("provider %s answered %d to a forwarded %s %s", target.url, response.status_code, method,
             where.split("?", 1)[0])
    status = response.status_code if 400 <= response.status_code < 500 else 502
    raise errors.ErrExtensionProxyStatus(f"{method} {where.split('?', 1)[0]} answered {response.status_code}",
                                         status=status)


def package_folder(provider: RemoteProvider, user_data_folder: Path) -> Path:
    """Where upstream unpacks a provider's package: ``~/.meshery/provider/<name>/<version>``."""
    version = str(provider.properties().get("packageVersion") or "")
    return user_data_folder.parent / "provider" / provider.name / version


async def package_file(provider: object, user_data_folder: Path, path: str, *, download: bool = True
                       ) -> tuple[Path, str]:
    """A file of the remote provider's package and its media type (404 when absent or outside the package).

    The package is downloaded from the provider's ``packageUrl`` first when it is not here yet
    (unless ``download`` is off: ``SKIP_DOWNLOAD_EXTENSIONS``).
    """
    target = remote(provider)
    root = package_folder(target, user_data_folder)
    await packages.ensure(root, str(target.properties().get("packageUrl") or ""), skip=not download)
    try:
        root = root.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        found = candidate.is_relative_to(root) and candidate.is_file()
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system
        found = False
    if not found:
        raise errors.ErrExtensionPackageMissing(f"{path!r} is not a file of the package under {root}")
    media = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    return candidate, media
