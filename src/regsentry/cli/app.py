"""The ``regsentry`` command: the Typer application and the error → exit code boundary."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

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


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the command line and end the process; every error regsentry knows becomes a
    message and exit 2.

    Typer itself turns usage errors into exit 2 and ``typer.Exit(code)`` into the exit
    code; anything else escaping is a bug and keeps its traceback.
    """
    try:
        app(args=argv, prog_name="regsentry")
    except SystemExit as finished:
        _exit_now(finished.code)
    except RegsentryError as exc:
        message = Text.assemble(("error: ", "bold red"), str(exc))
        Console(stderr=True, highlight=False, soft_wrap=True).print(message)
        _exit_now(ExitCode.USAGE)
    _exit_now(0)


def _exit_now(code: str | int | None) -> NoReturn:
    """End the process without tearing the interpreter down.

    Finalising the ~600 modules a command loads takes 60-70 ms, a tenth of a cold
    ``regsentry image``, and does nothing a finished command needs: the output is flushed
    and the exit handlers run here, and every store and connection was closed by the
    command itself. The normal exit is kept while another non-daemon thread still runs
    (it waits for it), and under a profiler or tracer (cProfile, coverage), which write
    their data at the end.
    """
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    observed = sys.getprofile() is not None or sys.gettrace() is not None
    if observed or any(t.is_alive() and not t.daemon for t in others):
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message") semantics: the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # a reader that went away (``| head``) is not an error
        pass
    os._exit(status)
