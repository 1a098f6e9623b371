"""``regsentry image REFERENCE``: inventory one image (vulnerabilities come from advisories)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import StrEnum
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

# Services and report writers are imported inside the command (start-up time, see scan).
if TYPE_CHECKING:
    from regsentry.model.image import ImageResult
    from regsentry.registry.client import ClientOptions
    from regsentry.registry.reference import ImageReference


class ImageFormat(StrEnum):
    """Report formats of ``image``."""

    TABLE = "table"
    JSON = "json"


def image(
    reference: Annotated[
        str,
        typer.Argument(
            help="[host[:port]/]repo[:tag|@sha256:…]; no host = Docker Hub.",
            metavar="REFERENCE",
        ),
    ],
    os: OsOption = OperatingSystemChoice.LINUX,
    platform: PlatformOption = None,
    credential: CredentialOption = "",
    username: UsernameOption = "",
    password_stdin: PasswordStdinOption = False,
    ca_file: CaFileOption = None,
    insecure: InsecureOption = False,
    output_format: Annotated[
        ImageFormat, typer.Option("--format", help="Report format.")
    ] = ImageFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """List what is installed in one image: OS and packages, layer by layer."""
    from regsentry.registry.reference import ImageReference
    from regsentry.report.json_report import render_json
    from regsentry.service.advisories import match_results
    from regsentry.service.inspect import inspect_image
    from regsentry.service.plan import client_options

    parsed = ImageReference.parse(reference)
    credentials = read_credentials(
        credential=credential, username=username, password_stdin=password_stdin
    )
    settings = Settings()
    options = client_options(settings, credentials=credentials, ca_file=ca_file, insecure=insecure)
    platforms = ",".join(platform or [])
    if settings.broker_url:
        results = _in_pool(parsed, options, settings, os.value, platforms)
    else:
        with progress_bar(Console(stderr=True), f"Analysing {parsed}", unit="bytes") as progress:
            results = asyncio.run(
                inspect_image(
                    parsed, options, os_name=os.value, platforms=platforms, progress=progress
                )
            )
    results, database = match_results(results, settings)
    if output_format is ImageFormat.JSON:
        emit_text(render_json(results, generated_at=datetime.now(UTC), database=database), output)
    else:
        from regsentry.report.table import print_inventories

        with output_console(output) as console:
            print_inventories(results, console, database=database)
    raise typer.Exit(for_results(results))


def _in_pool(
    reference: ImageReference,
    options: ClientOptions,
    settings: Settings,
    os_name: str,
    platforms: str,
) -> list[ImageResult]:
    """The image as a one-image job of the scanner pool (REGSENTRY_BROKER_URL)."""
    from regsentry.db.store import ResultStore
    from regsentry.service.image_job import run_image_job

    store = ResultStore.open(settings.store_url)
    try:
        with progress_bar(Console(stderr=True), f"Analysing {reference} on the pool") as progress:
            return asyncio.run(
                run_image_job(
                    reference, options, settings, store, os_name=os_name, platforms=platforms,
                    progress=progress, dispatcher=pool_dispatcher(settings, progress),
                )
            )  # fmt: skip
    finally:
        store.close()
