"""Human-readable tables (Rich) of image results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table

from regsentry.model.advisory import DatabaseSummary, Finding, FindingChanges
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.inventory import Inventory
from regsentry.report.json_report import advisories_document, iso8601, severity_counts

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


_SEVERITY_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "negligible": "dim",
    "unknown": "magenta",
}


def print_inventories(
    results: Sequence[ImageResult],
    console: Console,
    *,
    database: DatabaseSummary | None = None,
    show_packages: bool = True,
) -> None:
    """Per image: a heading with OS and status, its vulnerabilities and its packages."""
    for result in results:
        _print_heading(result, console)
        inventory = result.inventory
        if inventory and show_packages and inventory.packages:
            console.print(_package_table(inventory))
        if result.vulnerabilities is not None:
            counts = severity_counts(result.vulnerabilities)
            console.print(
                "  vulnerabilities: "
                + ", ".join(f"{n} {severity}" for severity, n in counts.items() if n)
                if result.vulnerabilities
                else "  vulnerabilities: none found",
                highlight=False,
            )
            if result.vulnerabilities:
                console.print(_finding_table(result.vulnerabilities))
        for note in result.notes:
            console.print(f"  note: {note}", markup=False, highlight=False)
    note = advisories_document(database)["note"]
    if note:
        console.print(f"[bold yellow]{note}[/]")


def _print_heading(result: ImageResult, console: Console) -> None:
    target = result.target
    inventory = result.inventory
    distro = inventory.distro if inventory else None
    os_text = f"{distro.family} {distro.version}" if distro else "unknown OS"
    tags = ", ".join(target.tags) or (target.digest.short if target.digest else "")
    console.print(
        f"[bold]{target.registry}/{target.repository}[/] {tags} "
        f"({target.platform or '?'}, {os_text}): "
        f"[{_STATUS_STYLE[result.status]}]{result.status.value}[/]",
        highlight=False,
    )
    if result.error:
        console.print(f"  reason: {result.error}", markup=False, highlight=False)
    if inventory:
        console.print(f"  {len(inventory.packages)} packages", highlight=False)


def _package_table(inventory: Inventory) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    for column in ("Type", "Name", "Version", "Arch", "Source", "Layer"):
        table.add_column(column, overflow="fold")
    for package in inventory.packages:
        source = package.source_name or package.name
        if package.source_version and package.source_version != package.version:
            source = f"{source} {package.source_version}"
        table.add_row(
            package.type.value,
            package.name,
            package.version,
            package.arch,
            source if source != package.name else "",
            package.layer.short if package.layer else "",
        )
    return table


def _finding_table(findings: Sequence[Finding]) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    for column in ("Vulnerability", "Severity", "Package", "Installed", "Fixed", "KEV"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        style = _SEVERITY_STYLE[finding.severity]
        table.add_row(
            finding.id,
            f"[{style}]{finding.severity}[/]",
            finding.package,
            finding.installed_version,
            finding.fixed_version or "(no fix yet)",
            "yes" if finding.known_exploited else "",
        )
    return table


def print_scan(
    results: Sequence[ImageResult],
    console: Console,
    *,
    database: DatabaseSummary | None,
    changes: Mapping[Digest, FindingChanges] | None = None,
    since_last: bool = False,
) -> None:
    """One row per image with its severity counts (or, with ``since_last``, what changed)."""
    table = Table(title="Scan results", show_lines=False)
    columns = ["Image", "Platform", "Status"]
    columns += ["New", "Resolved"] if since_last else ["Crit", "High", "Med", "Low", "Negl", "Unk"]
    for column in [*columns, "Note"]:
        table.add_column(column, overflow="fold")
    for result in results:
        target = result.target
        name = f"{target.registry}/{target.repository}:{','.join(target.tags) or '-'}"
        if target.digest:
            name += f" ({target.digest.short})"
        cells = [name, str(target.platform or ""), _status_cell(result)]
        change = changes.get(target.digest) if changes and target.digest else None
        if since_last:
            cells += [
                ", ".join(f.id for f in change.new) if change else "",
                ", ".join(f.id for f in change.resolved) if change else "",
            ]
        elif result.vulnerabilities is None:
            cells += ["-"] * 6
        else:
            counts = severity_counts(result.vulnerabilities)
            cells += [str(counts[s]) if counts[s] else "" for s in counts]
        cells.append(result.error or "; ".join(result.notes))
        table.add_row(*cells)
    console.print(table)
    counts = Counter(result.status.value for result in results)
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    console.print(f"{len(results)} images: {parts or 'none'}", highlight=False)
    note = advisories_document(database)["note"]
    if note:
        console.print(f"[bold yellow]{note}[/]")


def _status_cell(result: ImageResult) -> str:
    return f"[{_STATUS_STYLE[result.status]}]{result.status.value}[/]"
