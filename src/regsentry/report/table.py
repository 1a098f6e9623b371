"""Human-readable tables (Rich) of image results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from regsentry.model.image import ImageResult, ImageStatus
from regsentry.report.json_report import iso8601

_STATUS_STYLE = {
    ImageStatus.PLANNED: "cyan",
    ImageStatus.SCANNED: "green",
    ImageStatus.SKIPPED: "yellow",
    ImageStatus.FAILED: "bold red",
}


def plan_table(results: Sequence[ImageResult]) -> Table:
    """One row per image: where it is, which tags, digest, platform, date and status."""
    table = Table(title="Images covered by the rule", show_lines=False)
    for column in ("Repository", "Tags", "Digest", "Platform", "Created", "Status", "Reason"):
        table.add_column(column, overflow="fold")
    for result in results:
        target = result.target
        table.add_row(
            f"{target.registry}/{target.repository}",
            ", ".join(target.tags),
            target.digest.short if target.digest else "",
            str(target.platform or ""),
            (iso8601(target.created) or "").replace("T", " "),
            f"[{_STATUS_STYLE[result.status]}]{result.status.value}[/]",
            result.error or "",
        )
    return table


def print_plan(results: Sequence[ImageResult], console: Console) -> None:
    """Print the plan table and a one-line count by status."""
    console.print(plan_table(results))
    counts = Counter(result.status.value for result in results)
    parts = ", ".join(
        f"{counts[status.value]} {status.value}" for status in ImageStatus if counts[status.value]
    )
    console.print(f"{len(results)} images: {parts or 'none'}")
