"""One writer at a time: an advisory database is rebuilt under an exclusive file lock.

Two concurrent ``db update`` runs would each build a file and the second ``os.replace``
would silently drop what the first imported. The lock is an OS advisory lock on a
``<db>.lock`` file next to the database, released by the OS if the process dies, so a
crash never leaves it held. Readers never take it: they keep reading the file they
opened while a new one is swapped in.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from regsentry.vulndb.errors import DatabaseError

_POLL_SECONDS = 0.1


def lock_path(database: Path) -> Path:
    """The lock file of a database."""
    return database.with_name(database.name + ".lock")


@contextmanager
def writer_lock(database: Path, *, timeout: float = 900.0) -> Iterator[None]:
    """Hold the database's writer lock, waiting at most ``timeout`` seconds for it."""
    path = lock_path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DatabaseError(f"cannot create the lock file {path}: {exc}") from exc
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"another process is updating {database} (lock {path} held for over "
                    f"{timeout:.0f} s)"
                )
            time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows scanners only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
