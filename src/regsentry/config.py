"""Settings from the environment (``REGSENTRY_*``), read only by entry points and services.

Lower layers never read settings; they take explicit keyword arguments (ARCHITECTURE
pattern 10). Precedence: command-line flags, then these variables, then the defaults.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("regsentry", appauthor=False))


class Settings(BaseSettings):
    """Process-wide configuration."""

    model_config = SettingsConfigDict(env_prefix="REGSENTRY_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Where local state lives.")
    db_url: str = Field("", description="SQLAlchemy URL; blank = SQLite under home.")
    broker_url: str = Field("", description="Celery broker; blank = in-process scanners.")
    registry_concurrency: int = Field(
        8, ge=1, le=256, description="Requests in flight per registry."
    )
    request_timeout: float = Field(30.0, gt=0, description="Seconds per registry request.")

    @property
    def content_cache_dir(self) -> Path:
        """Registry documents fetched by digest (configs, manifests), kept by digest."""
        return self.home / "cache" / "content"
