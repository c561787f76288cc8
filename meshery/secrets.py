"""Encryption at rest of credentials (kubeconfig users and clusters).

Fernet (AES-128-CBC + HMAC-SHA256) with a key generated on first use and kept in
``USER_DATA_FOLDER/credentials.key`` with mode 0600. The database holds only ciphertext, so a
copied database or a backup does not leak cluster credentials without the key file. Replicas
that share one database must share this key file (e.g. a mounted secret).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)

KEY_FILE = "credentials.key"


class SecretError(Exception):
    """A stored secret cannot be decrypted with this server's key."""


class SecretBox:
    """Encrypts and decrypts JSON values with the installation's key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def for_folder(cls, folder: Path) -> SecretBox:
        """The box of the key in ``folder`` (created with mode 0600 when missing)."""
        path = folder / KEY_FILE
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes().strip()
        else:
            key = Fernet.generate_key()
            with os.fdopen(fd, "wb") as out:
                out.write(key)
            log.info("created the credentials key %s (mode 0600)", path)
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return cls(key)

    def seal(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()

    def open(self, token: str) -> Any:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError) as exc:
            raise SecretError("the credential was encrypted with another key") from exc
