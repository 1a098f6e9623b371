"""A pooled job's registry access (credentials, extra CA certificates, TLS choice),
sealed with the credential key so that only processes sharing ``REGSENTRY_SECRET_KEY``
(the console and its scanners) can read it, and never put on the broker.
"""

from __future__ import annotations

import dataclasses
import json

from regsentry.errors import ConfigError
from regsentry.registry.auth import Credentials
from regsentry.registry.client import ClientOptions
from regsentry.service.crypto import SecretBox


def seal_access(box: SecretBox, options: ClientOptions) -> bytes:
    """Encrypt what a scanner needs to reach the registry like the dispatcher does."""
    credentials = options.credentials
    ca_pem = options.ca_pem or ""
    if options.ca_file is not None:
        try:
            ca_pem += options.ca_file.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read CA file {options.ca_file}: {exc}") from exc
    document = {
        "credentials": (
            {
                "username": credentials.username,
                "password": credentials.password,
                "label": credentials.label,
            }
            if credentials
            else None
        ),
        "ca_pem": ca_pem or None,
        "insecure": options.insecure,
    }
    return box.seal(json.dumps(document).encode())


def open_access(box: SecretBox, sealed: bytes, options: ClientOptions) -> ClientOptions:
    """``options`` (the scanner's own limits and caches) with the job's access applied."""
    document = json.loads(box.open(sealed))
    stored = document["credentials"]
    credentials = (
        Credentials(stored["username"], stored["password"], label=stored["label"])
        if stored
        else None
    )
    return dataclasses.replace(
        options,
        credentials=credentials,
        ca_file=None,
        ca_pem=document["ca_pem"],
        insecure=bool(document["insecure"]),
    )
