"""The credential store (SPEC §1 ``credential``): secrets encrypted at rest, never shown
again, and never deleted from under a rule that uses them.

Types: ``basic`` (username + password), ``token`` (token name + token value, for Quay,
GitLab …), ``aws`` (access key id + secret access key, optional session token, region),
``gcp`` (a service-account JSON key; GCR and Artifact Registry accept it as the password
of user ``_json_key``), ``azure`` (service principal: client id + secret, tenant).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from regsentry.db.console_store import ConsoleStore, CredentialRecord
from regsentry.errors import ConfigError
from regsentry.registry.auth import Credentials
from regsentry.service.crypto import SecretBox

CredentialType = Literal["basic", "token", "aws", "gcp", "azure"]


class CredentialInUseError(ConfigError):
    """A credential a rule still names."""


class CredentialInput(BaseModel):
    """A credential as submitted (its secret is write-only)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(
        min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Name rules refer to (letters, digits, . _ -).",
    )  # fmt: skip
    type: CredentialType = Field(description="basic, token, aws, gcp or azure.")
    username: str = Field(
        "", max_length=300,
        description="basic: username; token: token name; aws: access key id; azure: client "
        "id; gcp: leave blank (taken from the key).",
    )  # fmt: skip
    secret: SecretStr = Field(
        description="basic: password; token: token value; aws: secret access key; gcp: the "
        "service-account JSON key; azure: client secret. Never shown again.",
    )
    session_token: SecretStr | None = Field(None, description="aws: optional session token.")
    region: str = Field("", max_length=50, description="aws: the ECR region.")
    tenant: str = Field("", max_length=100, description="azure: the tenant id.")

    @model_validator(mode="after")
    def _complete(self) -> CredentialInput:
        if not self.secret.get_secret_value():
            raise ValueError("the secret is empty")
        if self.type == "gcp":
            try:
                key = json.loads(self.secret.get_secret_value())
                email = str(key["client_email"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError("a gcp secret must be a service-account JSON key") from exc
            object.__setattr__(self, "username", email)
        elif not self.username:
            raise ValueError(f"a {self.type} credential needs a username")
        if self.type == "aws" and not self.region:
            raise ValueError("an aws credential needs its region")
        if self.type == "azure" and not self.tenant:
            raise ValueError("an azure credential needs its tenant id")
        return self


class CredentialView(BaseModel):
    """A credential as shown: everything but the secret."""

    name: str
    type: CredentialType
    username: str
    extra: dict[str, str]
    created_at: datetime
    updated_at: datetime
    used_by: list[str] = Field(description="Rules that name this credential.")


class CredentialService:
    """Create, list, replace and delete credentials; resolve them for scanning."""

    def __init__(
        self, store: ConsoleStore, box: SecretBox, rules_using: Callable[[str], list[str]]
    ) -> None:
        self._store = store
        self._box = box
        self._rules_using = rules_using

    def all(self) -> list[CredentialView]:
        """Every credential, without secrets."""
        return [self._view(record) for record in self._store.credentials()]

    def get(self, name: str) -> CredentialView | None:
        """One credential, without its secret."""
        record = self._store.credential(name)
        return self._view(record) if record else None

    def put(self, data: CredentialInput, *, create: bool) -> CredentialView:
        """Store a credential, its secrets sealed."""
        secrets_: dict[str, str] = {"secret": data.secret.get_secret_value()}
        if data.session_token is not None:
            secrets_["session_token"] = data.session_token.get_secret_value()
        extra = {k: v for k, v in (("region", data.region), ("tenant", data.tenant)) if v}
        record = self._store.put_credential(
            data.name, data.type, data.username, extra,
            self._box.seal(json.dumps(secrets_).encode()), datetime.now(UTC), create=create,
        )  # fmt: skip
        return self._view(record)

    def delete(self, name: str) -> bool:
        """Delete a credential no rule uses (else CredentialInUseError)."""
        users = self._rules_using(name)
        if users:
            raise CredentialInUseError(
                f"credential {name!r} is used by rule(s) {', '.join(users)}: change them first"
            )
        return self._store.delete_credential(name)

    def resolve(self, name: str) -> Credentials:
        """The registry credentials a scan uses (decrypted in memory only)."""
        record = self._store.credential(name)
        if record is None:
            raise ConfigError(f"credential {name!r} does not exist")
        secrets_ = json.loads(self._box.open(record.secret))
        secret = str(secrets_["secret"])
        label = f"credential {name!r}"
        if record.type in ("basic", "token", "azure"):
            return Credentials(record.username, secret, label=label)
        if record.type == "gcp":
            return Credentials("_json_key", secret, label=label)
        raise ConfigError(
            f"{label} is an aws credential: ECR token exchange is not supported yet; store "
            f"an ECR authorization token as a basic credential (user AWS) meanwhile"
        )

    def _view(self, record: CredentialRecord) -> CredentialView:
        return CredentialView(
            name=record.name,
            type=record.type,
            username=record.username,
            extra={str(k): str(v) for k, v in record.extra.items()},
            created_at=record.created_at,
            updated_at=record.updated_at,
            used_by=self._rules_using(record.name),
        )
