"""Encryption of stored secrets (registry credentials), with Fernet (AES-128-CBC + HMAC).

The key comes from ``REGSENTRY_SECRET_KEY`` (a Fernet key, or any passphrase, which is
stretched with SHA-256), else from a key file generated on first use under
``REGSENTRY_HOME`` with mode 0600. Every process that decrypts (the console, and in
scale-out mode every scanner) must share it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from regsentry.config import Settings
from regsentry.errors import ConfigError, RegsentryError


class SecretUnreadableError(RegsentryError):
    """A stored secret cannot be decrypted (the key changed, or the data was altered)."""


def _as_fernet_key(text: str) -> bytes:
    try:
        if len(base64.urlsafe_b64decode(text.encode())) == 32:
            return text.encode()
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())


def _key_file(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


class SecretBox:
    """Encrypts and decrypts secrets with the configured key."""

    def __init__(self, settings: Settings) -> None:
        configured = settings.secret_key.get_secret_value()
        key = _as_fernet_key(configured) if configured else _key_file(settings.secret_key_file)
        self._key = key
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise ConfigError(f"the secret key in {settings.secret_key_file} is invalid") from exc

    def derive(self, purpose: str) -> str:
        """A secret for another purpose (session signing …), bound to this key."""
        return hashlib.sha256(self._key + b"|" + purpose.encode()).hexdigest()

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt."""
        return self._fernet.encrypt(plaintext)

    def open(self, token: bytes) -> bytes:
        """Decrypt; a wrong key or altered data is a SecretUnreadableError."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise SecretUnreadableError(
                "a stored secret cannot be decrypted: REGSENTRY_SECRET_KEY (or the key file) "
                "is not the one it was stored with"
            ) from exc
