"""A small Docker Registry token server the tests own (distribution's "token" auth).

It issues RS256 JWTs that Debian's docker-registry trusts through ``rootcertbundle``: the
JWT header's ``kid`` is the libtrust key id of the signing key, and the bundle holds a
self-signed certificate of that key. Users, anonymous access and the response shape are
configurable, and every request is recorded so tests can count token fetches.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support.ports import free_port


def libtrust_key_id(public_key: rsa.RSAPublicKey) -> str:
    """docker/libtrust's key id: base32 of sha256(SPKI DER)[:30] in 12 groups of 4."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, 48, 4))


@dataclass
class TokenPolicy:
    """Who gets what. ``users`` get every action they ask for."""

    users: dict[str, str] = field(default_factory=dict)
    anonymous_pull: bool = True
    expires_in: int | None = 300
    token_key: str = "token"


@dataclass
class TokenRequest:
    """One request the token server answered."""

    account: str | None
    scopes: list[str]
    status: int


class TokenServer:
    """Runs in a thread on a free loopback port; ``realm`` is its token URL."""

    service = "regsentry-test-registry"
    issuer = "regsentry-test-issuer"

    def __init__(self, directory: Path, policy: TokenPolicy) -> None:
        self.policy = policy
        self.requests: list[TokenRequest] = []
        self._lock = threading.Lock()
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = libtrust_key_id(self._key.public_key())
        self.cert_path = directory / "token-signing.crt"
        self.cert_path.write_bytes(self._certificate())
        self.port = free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def realm(self) -> str:
        """The token endpoint URL."""
        return f"http://127.0.0.1:{self.port}/token"

    def start(self) -> TokenServer:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def count(self, scope: str) -> int:
        """How many successful token requests asked for ``scope``."""
        with self._lock:
            return sum(1 for r in self.requests if scope in r.scopes and r.status == 200)

    def _certificate(self) -> bytes:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regsentry test token signer")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(self._key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, account: str | None, scopes: list[str]) -> dict[str, object]:
        """The token response for an authenticated (or anonymous) account."""
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = actions.split(",")
            granted = wanted if account else [a for a in wanted if a == "pull"]
            if account is None and not self.policy.anonymous_pull:
                granted = []
            if kind == "registry" and account is None:
                granted = []
            access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        lifetime = self.policy.expires_in or 60
        claims = {
            "iss": self.issuer,
            "sub": account or "",
            "aud": self.service,
            "exp": now + lifetime,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})
        body: dict[str, object] = {self.policy.token_key: token}
        if self.policy.expires_in is not None:
            body["expires_in"] = self.policy.expires_in
        return body

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query)
                scopes = [s for value in query.get("scope", []) for s in value.split(" ") if s]
                valid, account = self._authenticate()
                body: dict[str, object]
                if not valid:
                    status, body = 401, {"details": "incorrect username or password"}
                else:
                    status, body = 200, server.issue(account, scopes)
                with server._lock:
                    server.requests.append(TokenRequest(account, scopes, status))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _authenticate(self) -> tuple[bool, str | None]:
                """(valid, account): no credentials is valid and anonymous."""
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return True, None
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                return server.policy.users.get(user) == password, user

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
