"""Users, passwords and API tokens.

Passwords are stored as scrypt hashes with a per-user salt; API tokens as SHA-256 (they
are long random strings, so a fast hash is enough). Repeated failed logins for a name or
an address are slowed down (doubling delay, capped), so online guessing is impractical.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from regsentry.config import Settings
from regsentry.db.console_store import ConsoleStore, TokenRecord, UserRecord

ADMIN = "admin"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LENGTH = 2**14, 8, 1, 32
#: How long a browser session lasts (the signed cookie's max age says the same).
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_PREFIX = "rs_"  # noqa: S105 - a visible marker, not a secret


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=_SCRYPT_LENGTH
    )


def hash_password(password: str) -> str:
    """``scrypt$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against its stored hash."""
    try:
        scheme, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = _scrypt(password, bytes.fromhex(salt))
    return hmac.compare_digest(digest.hex(), expected)


def token_hash(token: str) -> str:
    """What is stored of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token as created: ``secret`` is shown once and never again."""

    record: TokenRecord
    secret: str


class Throttle:
    """Delays after failed logins, per key (username, client address)."""

    def __init__(self, *, base: float = 0.5, ceiling: float = 30.0) -> None:
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self._base = base
        self._ceiling = ceiling

    def delay(self, *keys: str) -> float:
        """Seconds to wait before answering an attempt for these keys."""
        with self._lock:
            count = max((self._failures.get(k, 0) for k in keys), default=0)
        return 0.0 if count < 3 else min(self._ceiling, self._base * 2 ** (count - 3))

    def failed(self, *keys: str) -> None:
        """Count a failure."""
        with self._lock:
            for key in keys:
                self._failures[key] = self._failures.get(key, 0) + 1

    def succeeded(self, *keys: str) -> None:
        """Forget the failures."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class Accounts:
    """Authentication against the console's users and tokens."""

    def __init__(self, store: ConsoleStore, *, throttle: Throttle | None = None) -> None:
        self._store = store
        self.throttle = throttle or Throttle()

    def ensure_admin(self, settings: Settings) -> str | None:
        """Create the admin on first start; returns a generated password to print once.

        With REGSENTRY_ADMIN_PASSWORD set the admin's password follows it (also later).
        """
        configured = settings.admin_password.get_secret_value()
        user = self._store.user(ADMIN)
        if user is None:
            password = configured or secrets.token_urlsafe(18)
            self._store.add_user(ADMIN, hash_password(password), datetime.now(UTC))
            return None if configured else password
        if configured and not check_password(configured, user.password_hash):
            self._store.set_password(user.id, hash_password(configured))
        return None

    def login(self, username: str, password: str, client: str) -> UserRecord | None:
        """The user if the password is right; failures are counted (and slow down)."""
        keys = (f"user:{username}", f"client:{client}")
        wait = self.throttle.delay(*keys)
        if wait:
            time.sleep(wait)
        user = self._store.user(username)
        if user is None or not check_password(password, user.password_hash):
            self.throttle.failed(*keys)
            return None
        self.throttle.succeeded(*keys)
        return user

    def by_token(self, token: str, client: str) -> UserRecord | None:
        """The user an API token belongs to."""
        key = f"client:{client}"
        wait = self.throttle.delay(key)
        if wait:
            time.sleep(wait)
        user = self._store.token_user(token_hash(token), datetime.now(UTC))
        if user is None:
            self.throttle.failed(key)
        else:
            self.throttle.succeeded(key)
        return user

    def user(self, user_id: int) -> UserRecord | None:
        """A user by id."""
        return self._store.user_by_id(user_id)

    def open_session(self, user: UserRecord) -> str:
        """A new browser session of ``user``; returns its id (for the signed cookie)."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        self._store.add_session(token_hash(session_id), user.id, now, now + SESSION_LIFETIME)
        return session_id

    def session_user(self, user_id: int, session_id: str) -> UserRecord | None:
        """The user of an open browser session (None once logged out or expired)."""
        return self._store.session_user(token_hash(session_id), user_id, datetime.now(UTC))

    def close_session(self, session_id: str) -> None:
        """Log a browser session out, whoever holds a copy of its cookie."""
        self._store.delete_session(token_hash(session_id))

    def new_token(self, user: UserRecord, name: str) -> NewToken:
        """Create an API token."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = self._store.add_token(
            user.id, name, token_hash(secret), secret[:10], datetime.now(UTC)
        )
        return NewToken(record, secret)

    def tokens(self, user: UserRecord) -> list[TokenRecord]:
        """A user's tokens (without secrets)."""
        return self._store.tokens(user.id)

    def revoke(self, user: UserRecord, token_id: int) -> bool:
        """Delete one of the user's tokens."""
        return self._store.delete_token(user.id, token_id)
