"""``regsentry db update | import PATH | status``: the advisory database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from regsentry.cli.exit_codes import ExitCode
from regsentry.cli.progress import progress_bar
from regsentry.config import Settings

# Services and the store are imported inside the commands (start-up time, see scan).

db_app = typer.Typer(
    help="The advisory database: update from the feeds, import files, show status.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@db_app.command("update")
def update_command() -> None:
    """Download the configured feeds (OSV, Debian tracker, Alpine secdb, KEV, EPSS)."""
    from regsentry.service import advisories

    settings = Settings()
    console = Console(stderr=True, soft_wrap=True)
    with console.status("Updating the advisory database …"):
        report = advisories.update_database(settings)
    for outcome in report.outcomes:
        detail = outcome.error or f"{outcome.record_count:,} records"
        console.print(f"{outcome.name:40} {outcome.status:10} {detail}", markup=False)
    console.print("database rebuilt" if report.rebuilt else "database unchanged", highlight=False)
    if report.failed:
        console.print(
            f"{len(report.failed)} sources failed; their previous records are kept",
            style="yellow",
        )
        raise typer.Exit(ExitCode.INCOMPLETE)


@db_app.command("import")
def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="OSV .json/.yaml file, directory or ecosystem zip; KEV JSON; EPSS CSV.",
            metavar="PATH",
        ),
    ],
) -> None:
    """Import advisories from files (replacing a previous import of the same path)."""
    from regsentry.service import advisories

    settings = Settings()
    report = advisories.import_into_database(settings, path)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(
        f"{report.source}: {report.kind}, {report.imported:,} imported, "
        f"{report.skipped:,} skipped, {report.withdrawn:,} withdrawn",
        markup=False,
    )
    for skipped in report.skipped_examples[:20]:
        console.print(f"  skipped {skipped}", markup=False)
    _rematch(settings, console)


def _rematch(settings: Settings, console: Console) -> None:
    """Re-match every stored image against the new advisories (no registry involved)."""
    from regsentry.db.store import ResultStore
    from regsentry.service.rematch import rematch_stored

    if not _has_results(settings):
        return
    store = ResultStore.open(settings.store_url)
    try:
        with progress_bar(console, "Re-matching stored images") as progress:
            report = rematch_stored(settings, store, progress=progress)
    finally:
        store.close()
    console.print(
        f"re-matched {report.images:,} stored images in {report.seconds:.1f} s: "
        f"{report.new_findings:,} new findings, {report.resolved_findings:,} resolved",
        markup=False,
    )


def _has_results(settings: Settings) -> bool:
    """Whether a result store exists (a fresh install has none to re-match)."""
    url = settings.store_url
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists()


@db_app.command("status")
def status_command() -> None:
    """Show the sources, their record counts and ages."""
    from regsentry.service import advisories

    settings = Settings()
    current = advisories.status(settings)
    max_age = timedelta(days=settings.advisory_max_age_days)
    console = Console(highlight=False)
    console.print(f"{current.path}: {current.freshness(max_age)}", markup=False)
    if current.error:
        console.print(current.error, markup=False)
    table = Table("Source", "Kind", "Records", "Updated", "Age", "Last error")
    for source in current.sources:
        state = source.state
        table.add_row(
            state.name,
            state.kind,
            f"{state.record_count:,}",
            state.updated_at.isoformat(timespec="seconds") if state.updated_at else "never",
            _age(source.age),
            state.last_error or "",
        )
    console.print(table)
    console.print(
        f"{current.advisories:,} advisories, {current.kev_entries:,} known exploited, "
        f"{current.epss_entries:,} EPSS scores"
    )


def _age(age: timedelta | None) -> str:
    if age is None:
        return "-"
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"
