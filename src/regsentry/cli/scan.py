"""``regsentry scan``: scan (or with ``--dry-run``, list) the images a rule covers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from regsentry.cli.exit_codes import for_results
from regsentry.cli.options import (
    CaFileOption,
    CredentialOption,
    InsecureOption,
    OperatingSystemChoice,
    OsOption,
    OutputOption,
    PasswordStdinOption,
    PlatformOption,
    UsernameOption,
    read_credentials,
)
from regsentry.cli.output import emit_text, output_console
from regsentry.cli.progress import pool_dispatcher, progress_bar
from regsentry.config import Settings
from regsentry.errors import ConfigError
from regsentry.model.rule import RegistryVersion, ScanRule

if TYPE_CHECKING:
    from regsentry.service.scan import ScanOutcome

# The services, the store and the report writers are imported inside the command: every
# regsentry command starts by importing this module, and start-up time is paid per run.


class OutputFormat(StrEnum):
    """Report formats of ``scan``."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"


class Severity(StrEnum):
    """Levels for ``--fail-on``."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def scan(
    registry: Annotated[
        str,
        typer.Argument(help="Registry URL or host[:port]; blank = Docker Hub.", metavar="REGISTRY"),
    ] = "",
    version: Annotated[
        RegistryVersion, typer.Option("--version", help="The registry's kind.")
    ] = RegistryVersion.V2,
    repo: Annotated[
        str,
        typer.Option(
            help="Repository pattern(s): *, ?, comma lists, !excludes.", metavar="PATTERN"
        ),
    ] = "",
    tag: Annotated[
        str, typer.Option(help="Tag pattern(s), same syntax; blank = all.", metavar="PATTERN")
    ] = "",
    cap: Annotated[
        int, typer.Option(help="Per repository, the newest N images; 0 = all.", min=0, metavar="N")
    ] = 5,
    os: OsOption = OperatingSystemChoice.LINUX,
    platform: PlatformOption = None,
    credential: CredentialOption = "",
    username: UsernameOption = "",
    password_stdin: PasswordStdinOption = False,
    ca_file: CaFileOption = None,
    insecure: InsecureOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the images that would be scanned; pull nothing.")
    ] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Report format.")
    ] = OutputFormat.TABLE,
    output: OutputOption = None,
    fail_on: Annotated[
        Severity | None, typer.Option(help="Exit 1 when findings reach this severity.")
    ] = None,
    since_last: Annotated[
        bool,
        typer.Option(
            "--since-last",
            help="Show the findings that appeared or went away since the last match.",
        ),
    ] = False,
) -> None:
    """Scan the images of a registry that a rule covers."""
    from regsentry.db.store import ResultStore
    from regsentry.report.json_report import render_json
    from regsentry.report.table import print_plan
    from regsentry.service.plan import client_options, plan_images
    from regsentry.service.scan import run_scan

    rule = ScanRule.build(
        version=version,
        registry=registry,
        repository=repo,
        tag=tag,
        cap=cap,
        os=os.value,
        platforms=",".join(platform or []),
    )
    if dry_run and output_format not in (OutputFormat.TABLE, OutputFormat.JSON):
        raise ConfigError(f"--dry-run prints table or json, not {output_format.value}")
    credentials = read_credentials(
        credential=credential, username=username, password_stdin=password_stdin
    )
    settings = Settings()
    options = client_options(settings, credentials=credentials, ca_file=ca_file, insecure=insecure)
    stderr = Console(stderr=True, soft_wrap=True)
    if dry_run:
        with progress_bar(stderr, f"Listing {rule.name}") as progress:
            results = asyncio.run(plan_images(rule, options, progress=progress))
        if output_format is OutputFormat.JSON:
            emit_text(render_json(results, generated_at=datetime.now(UTC)), output)
        else:
            with output_console(output) as console:
                print_plan(results, console)
        raise typer.Exit(for_results(results))
    store = ResultStore.open(settings.store_url)
    try:
        with progress_bar(stderr, f"Scanning {rule.name}") as progress:
            dispatcher = pool_dispatcher(settings, progress)
            outcome = asyncio.run(
                run_scan(rule, options, settings, store, progress=progress, dispatcher=dispatcher)
            )
    finally:
        store.close()
    _report(outcome, output_format, output, since_last)
    stats = outcome.stats
    stderr.print(
        f"{stats.planned} images: {stats.analysed} analysed, {stats.reused} reused from the "
        f"store, {stats.resumed_finished} finished by the interrupted run"
        f"{' (resumed)' if outcome.resumed else ''}; {stats.stale_tags} tags turned stale, "
        f"{stats.purged_images} stale images purged",
        highlight=False,
        markup=False,
    )
    raise typer.Exit(for_results(outcome.results, fail_on.value if fail_on else None))


def _report(
    outcome: ScanOutcome, output_format: OutputFormat, output: Path | None, since_last: bool
) -> None:
    from regsentry.report.formats import render as render_report
    from regsentry.report.json_report import render_json
    from regsentry.report.table import print_scan

    generated_at = datetime.now(UTC)
    if output_format is OutputFormat.TABLE:
        with output_console(output) as console:
            print_scan(
                outcome.results,
                console,
                database=outcome.database,
                changes=outcome.changes,
                since_last=since_last,
            )
    elif output_format is OutputFormat.JSON:
        emit_text(
            render_json(
                outcome.results,
                generated_at=generated_at,
                database=outcome.database,
                changes=outcome.changes,
            ),
            output,
        )
    else:
        emit_text(
            render_report(
                output_format.value,
                outcome.results,
                generated_at=generated_at,
                database=outcome.database,
            ),
            output,
        )
