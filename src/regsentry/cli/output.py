"""Where a report goes: stdout, or a file written whole (never a half-written report)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from regsentry.errors import ConfigError


def emit_text(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=output.resolve().parent, delete=False, suffix=".part"
        ) as handle:
            handle.write(text)
        Path(handle.name).replace(output)
    except OSError as exc:
        raise ConfigError(f"cannot write --output {output}: {exc.strerror or exc}") from exc


@contextmanager
def output_console(output: Path | None) -> Iterator[Console]:
    """A Rich console on stdout, or one recording plain text for ``output``."""
    if output is None:
        yield Console()
        return
    console = Console(record=True, width=200, file=Path(os.devnull).open("w"))  # noqa: SIM115
    try:
        yield console
    finally:
        console.file.close()
    emit_text(console.export_text(), output)
