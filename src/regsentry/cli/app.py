"""The ``regsentry`` command: the Typer application and the error → exit code boundary."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.text import Text

from regsentry import __version__
from regsentry.cli.console import console
from regsentry.cli.db import db_app
from regsentry.cli.exit_codes import ExitCode
from regsentry.cli.image import image
from regsentry.cli.scan import scan
from regsentry.cli.scanner import scanner, scanners
from regsentry.errors import RegsentryError

app = typer.Typer(
    name="regsentry",
    help="Keep the images in container registries scanned for known vulnerabilities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command()(scan)
app.command()(image)
app.add_typer(db_app, name="db")
app.command()(console)
app.command()(scanner)
app.command()(scanners)


def _version(value: bool) -> None:
    if value:
        print(f"regsentry {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Keep the images in container registries scanned for known vulnerabilities."""


def main(argv: list[str] | None = None) -> None:
    """Run the command line; every error regsentry knows becomes a message and exit 2.

    Typer itself turns usage errors into exit 2 and ``typer.Exit(code)`` into the exit
    code; anything else escaping is a bug and keeps its traceback.
    """
    try:
        app(args=argv, prog_name="regsentry")
    except RegsentryError as exc:
        message = Text.assemble(("error: ", "bold red"), str(exc))
        Console(stderr=True, highlight=False, soft_wrap=True).print(message)
        sys.exit(ExitCode.USAGE)
