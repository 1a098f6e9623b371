"""One entry point for the machine-readable report formats, so that every command renders
``--format json|sarif|cyclonedx|spdx`` the same way (the table is printed, not rendered
to text, and stays in :mod:`regsentry.report.table`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from regsentry.errors import ConfigError
from regsentry.model.advisory import DatabaseSummary
from regsentry.model.image import ImageResult
from regsentry.report.cyclonedx_report import render_cyclonedx
from regsentry.report.json_report import render_json
from regsentry.report.sarif import render_sarif
from regsentry.report.spdx import render_spdx


class Renderer(Protocol):
    """What every format module offers: results in, the whole report as text out."""

    def __call__(
        self,
        results: Sequence[ImageResult],
        *,
        generated_at: datetime,
        database: DatabaseSummary | None = None,
    ) -> str: ...


_RENDERERS: dict[str, Renderer] = {
    "json": render_json,
    "sarif": render_sarif,
    "cyclonedx": render_cyclonedx,
    "spdx": render_spdx,
}
#: The formats :func:`render` knows, in the order ``--help`` lists them.
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(
    format: str,
    results: Sequence[ImageResult],
    *,
    generated_at: datetime,
    database: DatabaseSummary | None,
) -> str:
    """The report of ``results`` as text in ``format``; ConfigError for any other name."""
    renderer = _RENDERERS.get(format)
    if renderer is None:
        raise ConfigError(f"unknown report format {format!r}: expected one of {', '.join(FORMATS)}")
    return renderer(results, generated_at=generated_at, database=database)
