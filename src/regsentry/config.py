"""Settings from the environment (``REGSENTRY_*``), read only by entry points and services.

Lower layers never read settings; they take explicit keyword arguments (ARCHITECTURE
pattern 10). Precedence: command-line flags, then these variables, then the defaults.

A plain pydantic model reads the variables itself rather than pydantic-settings: that
package costs every command ~60 ms of imports for features (dotenv files, secrets
directories, nested sources) regsentry does not use.
"""

from __future__ import annotations

import os
from collections.abc import Container
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from regsentry.errors import ConfigError
from regsentry.vulndb.sources import (
    ALPINE_SECDB_BASE_URL,
    DEBIAN_TRACKER_URL,
    EPSS_URL,
    KEV_URL,
    OSV_BASE_URL,
)


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("regsentry", appauthor=False))


ENV_PREFIX = "REGSENTRY_"


class Settings(BaseModel):
    """Process-wide configuration: keyword arguments, else ``REGSENTRY_<FIELD>``, else the
    default. An invalid value is a :class:`ConfigError` naming the variable."""

    model_config = ConfigDict(extra="ignore")

    def __init__(self, **values: Any) -> None:
        merged = {**_from_environment(type(self).model_fields), **values}
        try:
            super().__init__(**merged)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, explicit=values.keys())) from None

    home: Path = Field(default_factory=_default_home, description="Where local state lives.")
    db_url: str = Field("", description="SQLAlchemy URL; blank = SQLite under home.")
    broker_url: str = Field("", description="Celery broker; blank = in-process scanners.")
    registry_concurrency: int = Field(
        8, ge=1, le=256, description="Requests in flight per registry."
    )
    request_timeout: float = Field(30.0, gt=0, description="Seconds per registry request.")
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Encrypts stored credentials; blank = a key file generated under home.",
    )
    admin_password: SecretStr = Field(
        SecretStr(""), description="The console's admin password; blank = generated once."
    )
    retention_days: float = Field(
        30, gt=0, description="Days the results of a vanished image are kept, marked stale."
    )
    scan_image_concurrency: int = Field(4, ge=1, le=64, description="Images analysed at once.")
    scanner_heartbeat: float = Field(
        5.0,
        gt=0,
        le=300,
        description="Seconds between a scanner's heartbeats; three missed = offline.",
    )
    pool_resend_after: float = Field(
        600.0,
        gt=0,
        description="Seconds after which an image sent to a live scanner and not started "
        "is sent again (a message lost by the broker).",
    )
    advisory_max_age_days: float = Field(
        7, gt=0, description="Reports call the advisory database stale after this many days."
    )
    osv_ecosystems: str = Field(
        "", description="Comma list of OSV ecosystems `db update` fetches; blank = defaults."
    )
    osv_base_url: str = Field(OSV_BASE_URL, description="Where OSV ecosystem zips are.")
    debian_tracker_url: str = Field(DEBIAN_TRACKER_URL, description="Debian tracker JSON.")
    alpine_secdb_url: str = Field(ALPINE_SECDB_BASE_URL, description="Alpine secdb base URL.")
    kev_url: str = Field(KEV_URL, description="CISA KEV catalogue; blank = not fetched.")
    epss_url: str = Field(EPSS_URL, description="EPSS scores (CSV, gzip); blank = not fetched.")

    @property
    def store_url(self) -> str:
        """The result store: REGSENTRY_DB_URL, else SQLite under home."""
        return self.db_url or f"sqlite:///{self.home / 'results.sqlite'}"

    @property
    def secret_key_file(self) -> Path:
        """Where the generated credential-encryption key lives (mode 0600)."""
        return self.home / "secret.key"

    @property
    def vulndb_path(self) -> Path:
        """The advisory database (one SQLite file, replaced atomically on update)."""
        return self.home / "vulndb.sqlite"

    @property
    def content_cache_dir(self) -> Path:
        """Registry documents fetched by digest (configs, manifests), kept by digest."""
        return self.home / "cache" / "content"


def _from_environment(fields: dict[str, Any]) -> dict[str, str]:
    """``REGSENTRY_<FIELD>`` variables (the name in any case) of the known fields."""
    found: dict[str, str] = {}
    for key, value in os.environ.items():
        if key.upper().startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :].lower()
            if name in fields:
                found[name] = value
    return found


def _describe(error: ValidationError, *, explicit: Container[str]) -> str:
    """One line per invalid setting, named as the user set it; values are never echoed
    (a secret may be among them)."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "settings"
        where = name if name in explicit else f"{ENV_PREFIX}{name.upper()}"
        problems.append(f"{where}: {item['msg']}")
    return "invalid settings: " + "; ".join(problems)
