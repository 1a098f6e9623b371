"""Scan rules (registry settings, SPEC §1) as the console keeps them.

The API takes and returns the :class:`~regsentry.model.rule.ScanRule` fields exactly;
validation (422 with the field's name and reason) and help texts come from that model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from regsentry.db.console_store import ConsoleStore, RuleRecord
from regsentry.errors import ConfigError
from regsentry.model.rule import ScanRule


class RuleView(ScanRule):
    """A stored rule: its SPEC §1 fields, its id and its schedule."""

    id: int = Field(description="The rule's id.")
    next_scan_at: datetime | None = Field(None, description="When it is rescanned next.")
    next_sync_at: datetime | None = Field(None, description="When it is re-listed next.")


class RuleService:
    """CRUD for rules; a rule's credential must exist."""

    def __init__(
        self,
        store: ConsoleStore,
        credential_exists: Callable[[str], bool],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._credential_exists = credential_exists
        self._clock = clock

    def all(self) -> list[RuleView]:
        """Every rule."""
        return [self._view(record) for record in self._store.rules()]

    def get(self, rule_id: int) -> RuleView | None:
        """One rule."""
        record = self._store.rule(rule_id)
        return self._view(record) if record else None

    def scan_rule(self, rule_id: int) -> ScanRule | None:
        """The rule as the scanner takes it."""
        record = self._store.rule(rule_id)
        return ScanRule.model_validate(record.fields) if record else None

    def put(self, rule: ScanRule, rule_id: int | None = None) -> RuleView:
        """Create (no id) or replace a rule."""
        if rule.credential and not self._credential_exists(rule.credential):
            raise ConfigError(f"credential {rule.credential!r} does not exist: add it first")
        fields = rule.model_dump(mode="json")
        record = self._store.put_rule(rule_id, rule.name, fields, self._clock())
        return self._view(record)

    def delete(self, rule_id: int) -> bool:
        """Remove a rule (its results stay until retention ages them out)."""
        return self._store.delete_rule(rule_id)

    def using_credential(self, name: str) -> list[str]:
        """Names of the rules that name ``name`` as their credential."""
        return [r.name for r in self._store.rules() if r.fields.get("credential") == name]

    @staticmethod
    def _view(record: RuleRecord) -> RuleView:
        return RuleView.model_validate(
            {
                **record.fields,
                "id": record.id,
                "next_scan_at": record.next_scan_at,
                "next_sync_at": record.next_sync_at,
            }
        )


class SystemSettings(BaseModel):
    """System settings (SPEC §1): stored in the database, editable in the console."""

    # A misspelt or unknown setting is refused, not silently ignored.
    model_config = ConfigDict(extra="forbid")

    scan_interval: float = Field(
        24,
        gt=0,
        le=24 * 365,
        description="Hours between rescans of every rule (SPEC §1's scan_interval).",
    )
    sync_interval_minutes: float = Field(
        15, gt=0, le=24 * 60 * 7,
        description="Repositories and tags are re-listed at this interval, so new images "
        "are scanned soon after they are pushed.",
    )  # fmt: skip
    retention_days: float = Field(
        30, gt=0, le=3650,
        description="Results of an image that left its registry (or of an unreachable "
        "registry) are kept this long, marked stale, then purged.",
    )  # fmt: skip
    registry_concurrency: int = Field(
        8, ge=1, le=256, description="Requests in flight per registry."
    )


class SettingsService:
    """Read and write :class:`SystemSettings` (defaults until changed)."""

    _PREFIX = "system."

    def __init__(self, store: ConsoleStore, defaults: SystemSettings) -> None:
        self._store = store
        self._defaults = defaults

    def get(self) -> SystemSettings:
        """The current settings."""
        stored = {
            key.removeprefix(self._PREFIX): value
            for key, value in self._store.settings().items()
            if key.startswith(self._PREFIX)
            and key.removeprefix(self._PREFIX) in SystemSettings.model_fields
        }
        return SystemSettings.model_validate({**self._defaults.model_dump(), **stored})

    def put(self, settings: SystemSettings) -> SystemSettings:
        """Store new settings."""
        self._store.put_settings(
            {f"{self._PREFIX}{k}": str(v) for k, v in settings.model_dump().items()}
        )
        return self.get()
