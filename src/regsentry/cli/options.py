"""Options shared by commands that reach a registry, and their conversion to objects."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from regsentry.errors import ConfigError
from regsentry.registry.auth import Credentials

CredentialOption = Annotated[
    str,
    typer.Option(help="Name of a credential in the credential store.", metavar="NAME"),
]
UsernameOption = Annotated[
    str,
    typer.Option(
        help="Registry username (the password comes from --password-stdin).", metavar="USER"
    ),
]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password or token from stdin.")
]
CaFileOption = Annotated[
    Path | None,
    typer.Option(
        "--ca-file",
        help="PEM file of a CA to trust for the registry's TLS certificate.",
        metavar="FILE",
    ),
]
InsecureOption = Annotated[
    bool,
    typer.Option("--insecure", help="Allow plain HTTP and unverified TLS for the registry named."),
]


class OperatingSystemChoice(StrEnum):
    """Values of ``--os``."""

    LINUX = "linux"
    WINDOWS = "windows"


OsOption = Annotated[OperatingSystemChoice, typer.Option("--os", help="Take images of this OS.")]
PlatformOption = Annotated[
    list[str] | None,
    typer.Option(
        help="Index platform(s) to take (repeatable); * = every one of the OS.",
        metavar="OS/ARCH[/VARIANT]",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(help="Write the report to this file instead of stdout.", metavar="FILE"),
]


def read_credentials(
    *, credential: str, username: str, password_stdin: bool, stdin_text: str | None = None
) -> Credentials | None:
    """Credentials from the flags; passwords are only ever read from stdin."""
    if credential:
        raise ConfigError(
            f"--credential {credential}: this version has no credential store yet; "
            f"use --username and --password-stdin"
        )
    if password_stdin and not username:
        raise ConfigError("--password-stdin needs --username")
    if username and not password_stdin:
        raise ConfigError("--username needs --password-stdin (passwords are never flags)")
    if not username:
        return None
    text = sys.stdin.read() if stdin_text is None else stdin_text
    password = text.removesuffix("\n").removesuffix("\r")
    if not password:
        raise ConfigError("--password-stdin: stdin was empty")
    return Credentials(username=username, password=password, label=f"user {username!r}")
