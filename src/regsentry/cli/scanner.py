"""``regsentry scanner`` (a worker of the pool) and ``regsentry scanners`` (the pool)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from regsentry.cli.options import OperatingSystemChoice
from regsentry.config import Settings

if TYPE_CHECKING:
    from regsentry.db.pool_store import ScannerRecord


def scanner(
    os: Annotated[
        OperatingSystemChoice,
        typer.Option("--os", help="The OS of the images it takes: rules of this OS only."),
    ] = OperatingSystemChoice.LINUX,
    name: Annotated[
        str, typer.Option(help="This scanner's name in the pool; blank = the host name.")
    ] = "",
    concurrency: Annotated[
        int, typer.Option(help="Images analysed at once.", min=1, max=64, metavar="N")
    ] = 4,
) -> None:
    """Run a scanner of the pool (needs REGSENTRY_BROKER_URL and REGSENTRY_DB_URL)."""
    from regsentry.worker.scanner import run_scanner

    code = run_scanner(
        Settings(), name=name or socket.gethostname(), os_name=os.value, concurrency=concurrency
    )
    raise typer.Exit(code)


def scanners(
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list scanners that are offline.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the live scanners of the pool: name, OS, load, last seen."""
    from regsentry.service.pool.scanners import list_scanners

    now = datetime.now(UTC)
    statuses = list_scanners(Settings(), now)
    shown = [s for s in statuses if show_all or s.online]
    if as_json:
        print(json.dumps([_as_dict(s.scanner, s.online) for s in shown], indent=2))
        return
    table = Table("name", "os", "state", "load", "last seen", "host", "version")
    for status in shown:
        record = status.scanner
        table.add_row(
            record.name,
            record.os,
            "online" if status.online else "offline",
            f"{record.load}/{record.concurrency}",
            f"{(now - record.last_seen).total_seconds():.0f} s ago",
            f"{record.hostname} (pid {record.pid})",
            record.version,
        )
    console = Console(soft_wrap=True)
    if shown:
        console.print(table)
    else:
        console.print("no live scanner" + ("" if show_all else " (--all lists offline ones)"))


def _as_dict(record: ScannerRecord, online: bool) -> dict[str, object]:
    return {
        "name": record.name,
        "os": record.os,
        "online": online,
        "load": record.load,
        "concurrency": record.concurrency,
        "last_seen": record.last_seen.isoformat(),
        "started_at": record.started_at.isoformat(),
        "hostname": record.hostname,
        "pid": record.pid,
        "version": record.version,
    }
