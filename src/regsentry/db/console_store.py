"""What the console keeps besides results: users, API tokens, credentials (secrets
already encrypted by the service), scan rules with their schedule, and settings.

Same engine and conventions as :class:`regsentry.db.store.ResultStore`: one short
transaction per call, unique constraints guarding names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from regsentry.db.store import aware
from regsentry.db.tables import (
    ApiToken,
    BrowserSession,
    CredentialRow,
    JobImage,
    RuleRow,
    ScanJob,
    SettingRow,
    User,
)
from regsentry.errors import ConfigError


class NameTakenError(ConfigError):
    """A rule, credential, user or token name that already exists."""


@dataclass(frozen=True)
class UserRecord:
    """A console user."""

    id: int
    username: str
    password_hash: str


@dataclass(frozen=True)
class TokenRecord:
    """An API token (its hash only)."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class CredentialRecord:
    """A stored credential; ``secret`` is ciphertext."""

    id: int
    name: str
    type: str
    username: str
    extra: dict[str, Any]
    secret: bytes
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RuleRecord:
    """A stored scan rule and its schedule."""

    id: int
    name: str
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    next_scan_at: datetime | None
    next_sync_at: datetime | None


@dataclass(frozen=True)
class JobRecord:
    """A scan job and its progress, from its images' states."""

    id: int
    rule_name: str
    status: str
    trigger: str
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    cancel_requested: bool
    counts: dict[str, int]
    #: Why a running job makes no progress (e.g. its scanner is offline), else None.
    waiting_reason: str | None = None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ConsoleStore:
    """Users, tokens, credentials, rules, settings and job views."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- users and tokens --------------------------------------------------------------

    def user(self, username: str) -> UserRecord | None:
        """A user by name."""
        with Session(self.engine) as session:
            row = session.scalar(select(User).where(User.username == username))
            return UserRecord(row.id, row.username, row.password_hash) if row else None

    def user_by_id(self, user_id: int) -> UserRecord | None:
        """A user by id."""
        with Session(self.engine) as session:
            row = session.get(User, user_id)
            return UserRecord(row.id, row.username, row.password_hash) if row else None

    def add_user(self, username: str, password_hash: str, now: datetime) -> UserRecord:
        """Create a user."""
        with Session(self.engine) as session, session.begin():
            row = User(username=username, password_hash=password_hash, created_at=now)
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:
                raise NameTakenError(f"user {username!r} exists") from exc
            return UserRecord(row.id, row.username, row.password_hash)

    def set_password(self, user_id: int, password_hash: str) -> None:
        """Change a user's password hash."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(User).where(User.id == user_id).values(password_hash=password_hash)
            )

    def add_token(
        self, user_id: int, name: str, token_hash: str, prefix: str, now: datetime
    ) -> TokenRecord:
        """Store a new token's hash."""
        with Session(self.engine) as session, session.begin():
            row = ApiToken(
                user_id=user_id, name=name, token_hash=token_hash, prefix=prefix, created_at=now
            )
            session.add(row)
            session.flush()
            return _token(row)

    def token_user(self, token_hash: str, now: datetime) -> UserRecord | None:
        """The user a token belongs to (and note its use)."""
        with Session(self.engine) as session, session.begin():
            token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
            if token is None:
                return None
            token.last_used_at = now
            user = session.get(User, token.user_id)
            return UserRecord(user.id, user.username, user.password_hash) if user else None

    def add_session(self, id_hash: str, user_id: int, now: datetime, expires: datetime) -> None:
        """Open a browser session (and forget the expired ones)."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(BrowserSession).where(BrowserSession.expires_at < now))
            session.add(
                BrowserSession(id_hash=id_hash, user_id=user_id, created_at=now, expires_at=expires)
            )

    def session_user(self, id_hash: str, user_id: int, now: datetime) -> UserRecord | None:
        """The user of an open, unexpired browser session that belongs to ``user_id``."""
        with Session(self.engine) as session:
            row = session.get(BrowserSession, id_hash)
            if row is None or row.user_id != user_id or aware(row.expires_at) <= now:
                return None
            user = session.get(User, row.user_id)
            return UserRecord(user.id, user.username, user.password_hash) if user else None

    def delete_session(self, id_hash: str) -> None:
        """Close a browser session."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(BrowserSession).where(BrowserSession.id_hash == id_hash))

    def tokens(self, user_id: int) -> list[TokenRecord]:
        """A user's tokens."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
            )
            return [_token(row) for row in rows]

    def delete_token(self, user_id: int, token_id: int) -> bool:
        """Revoke a token; False when there was none."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- credentials -------------------------------------------------------------------

    def credentials(self) -> list[CredentialRecord]:
        """Every credential, by name."""
        with Session(self.engine) as session:
            return [
                _credential(row)
                for row in session.scalars(select(CredentialRow).order_by(CredentialRow.name))
            ]

    def credential(self, name: str) -> CredentialRecord | None:
        """One credential by name."""
        with Session(self.engine) as session:
            row = session.scalar(select(CredentialRow).where(CredentialRow.name == name))
            return _credential(row) if row else None

    def put_credential(
        self,
        name: str,
        type_: str,
        username: str,
        extra: dict[str, Any],
        secret: bytes,
        now: datetime,
        *,
        create: bool,
    ) -> CredentialRecord:
        """Create (``create``) or replace a credential."""
        with Session(self.engine) as session, session.begin():
            row = session.scalar(select(CredentialRow).where(CredentialRow.name == name))
            if create and row is not None:
                raise NameTakenError(f"credential {name!r} exists")
            if row is None:
                if not create:
                    raise KeyError(name)
                row = CredentialRow(name=name, created_at=now)
                session.add(row)
            row.type = type_
            row.username = username
            row.extra = json.dumps(extra)
            row.secret = secret
            row.updated_at = now
            session.flush()
            return _credential(row)

    def delete_credential(self, name: str) -> bool:
        """Remove a credential; False when there was none."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(CredentialRow).where(CredentialRow.name == name))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- rules ----------------------------------------------------------------------------

    def rules(self) -> list[RuleRecord]:
        """Every rule, by name."""
        with Session(self.engine) as session:
            return [_rule(row) for row in session.scalars(select(RuleRow).order_by(RuleRow.id))]

    def rule(self, rule_id: int) -> RuleRecord | None:
        """One rule."""
        with Session(self.engine) as session:
            row = session.get(RuleRow, rule_id)
            return _rule(row) if row else None

    def put_rule(
        self, rule_id: int | None, name: str, fields: dict[str, Any], now: datetime
    ) -> RuleRecord:
        """Create (``rule_id`` None) or update a rule; a new rule is due at once."""
        with Session(self.engine) as session, session.begin():
            if rule_id is None:
                row = RuleRow(name=name, created_at=now, next_scan_at=now, next_sync_at=now)
                session.add(row)
            else:
                found = session.get(RuleRow, rule_id)
                if found is None:
                    raise KeyError(rule_id)
                row = found
            row.name = name
            row.fields = json.dumps(fields)
            row.updated_at = now
            try:
                session.flush()
            except IntegrityError as exc:
                raise NameTakenError(f"a rule named {name!r} exists") from exc
            return _rule(row)

    def delete_rule(self, rule_id: int) -> bool:
        """Remove a rule (its results stay, and age out with retention)."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(RuleRow).where(RuleRow.id == rule_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def schedule_rule(
        self, rule_id: int, *, next_scan_at: datetime | None = None,
        next_sync_at: datetime | None = None,
    ) -> None:  # fmt: skip
        """Move a rule's next scan and/or sync."""
        values: dict[str, datetime] = {}
        if next_scan_at is not None:
            values["next_scan_at"] = next_scan_at
        if next_sync_at is not None:
            values["next_sync_at"] = next_sync_at
        if values:
            with Session(self.engine) as session, session.begin():
                session.execute(update(RuleRow).where(RuleRow.id == rule_id).values(**values))

    # -- settings -------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """Every stored setting."""
        with Session(self.engine) as session:
            return {row.key: row.value for row in session.scalars(select(SettingRow))}

    def put_settings(self, values: dict[str, str]) -> None:
        """Store settings (upsert)."""
        with Session(self.engine) as session, session.begin():
            for key, value in values.items():
                row = session.get(SettingRow, key)
                if row is None:
                    session.add(SettingRow(key=key, value=value))
                else:
                    row.value = value

    # -- jobs -----------------------------------------------------------------------------

    def jobs(
        self, *, limit: int = 50, offset: int = 0, rule_name: str | None = None
    ) -> list[JobRecord]:
        """Recent jobs, newest first, with their progress."""
        with Session(self.engine) as session:
            query = select(ScanJob).order_by(ScanJob.id.desc()).limit(limit).offset(offset)
            if rule_name is not None:
                query = query.where(ScanJob.rule_name == rule_name)
            return [self._job(session, row) for row in session.scalars(query)]

    def job(self, job_id: int) -> JobRecord | None:
        """One job with its progress."""
        with Session(self.engine) as session:
            row = session.get(ScanJob, job_id)
            return self._job(session, row) if row else None

    def running_jobs(self) -> list[JobRecord]:
        """Jobs still marked running (after a restart: interrupted ones)."""
        with Session(self.engine) as session:
            rows = session.scalars(select(ScanJob).where(ScanJob.status == "running"))
            return [self._job(session, row) for row in rows]

    def request_cancel(self, job_id: int) -> bool:
        """Ask a running job to stop."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(ScanJob)
                .where(ScanJob.id == job_id, ScanJob.status == "running")
                .values(cancel_requested=True)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def set_job_trigger(self, job_id: int, trigger: str) -> None:
        """Record who started a job."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(ScanJob).where(ScanJob.id == job_id).values(trigger=trigger))

    def _job(self, session: Session, row: ScanJob) -> JobRecord:
        rows = session.execute(
            select(JobImage.status, func.count())
            .where(JobImage.job_id == row.id)
            .group_by(JobImage.status)
        )
        counts = {str(status): int(count) for status, count in rows}
        return JobRecord(
            id=row.id,
            rule_name=row.rule_name,
            status=row.status,
            trigger=row.trigger,
            error=row.error,
            created_at=_aware(row.created_at) or row.created_at,
            finished_at=_aware(row.finished_at),
            cancel_requested=row.cancel_requested,
            counts=counts,
            waiting_reason=row.waiting_reason if row.status == "running" else None,
        )


def _token(row: ApiToken) -> TokenRecord:
    return TokenRecord(
        row.id, row.user_id, row.name, row.prefix,
        _aware(row.created_at) or row.created_at, _aware(row.last_used_at),
    )  # fmt: skip


def _credential(row: CredentialRow) -> CredentialRecord:
    return CredentialRecord(
        row.id, row.name, row.type, row.username, json.loads(row.extra), row.secret,
        _aware(row.created_at) or row.created_at, _aware(row.updated_at) or row.updated_at,
    )  # fmt: skip


def _rule(row: RuleRow) -> RuleRecord:
    return RuleRecord(
        row.id, row.name, json.loads(row.fields),
        _aware(row.created_at) or row.created_at, _aware(row.updated_at) or row.updated_at,
        _aware(row.next_scan_at), _aware(row.next_sync_at),
    )  # fmt: skip
