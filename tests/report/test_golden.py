"""Golden files: every format of every sample scenario, byte for byte (ARCHITECTURE 12).

A change in a renderer shows up here as a diff; when it is intended, rewrite the files
with ``pytest tests/report --regen-golden`` and review them in the diff of the commit.
"""

from __future__ import annotations

import difflib
import io
from pathlib import Path

import pytest
from rich.console import Console

from regsentry.report.formats import FORMATS, render
from regsentry.report.table import print_inventories, print_plan
from tests.report.sample import SCENARIOS, Scenario

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {
    "json": ".json",
    "sarif": ".sarif",
    "cyclonedx": ".cdx.json",
    "spdx": ".spdx.json",
    "table": ".txt",
}


def render_table(scenario: Scenario) -> str:
    """The table output as plain text, 120 columns wide (``--output FILE`` writes it so)."""
    console = Console(record=True, width=120, file=io.StringIO(), color_system=None)
    if all(result.status.value == "planned" for result in scenario.results):
        print_plan(scenario.results, console)
    else:
        print_inventories(scenario.results, console, database=scenario.database)
    # Rich pads cells with spaces; strip them so editors that trim trailing whitespace
    # cannot break the golden files.
    return "".join(line.rstrip() + "\n" for line in console.export_text().splitlines())


def rendered(scenario: Scenario, output_format: str) -> str:
    if output_format == "table":
        return render_table(scenario)
    return render(
        output_format,
        scenario.results,
        generated_at=scenario.generated_at,
        database=scenario.database,
    )


@pytest.mark.parametrize("output_format", [*FORMATS, "table"])
@pytest.mark.parametrize("scenario_name", sorted(SCENARIOS))
def test_matches_golden_file(scenario_name: str, output_format: str, regen_golden: bool) -> None:
    text = rendered(SCENARIOS[scenario_name](), output_format)
    path = GOLDEN / f"{scenario_name}{SUFFIX[output_format]}"
    if regen_golden:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"--regen-golden: rewrote {path.relative_to(Path.cwd())}")
    assert path.exists(), f"{path} is missing: run pytest tests/report --regen-golden"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{path.name} (golden)",
                tofile=f"{path.name} (rendered)",
                n=2,
            )
        )
        pytest.fail(
            f"{path.name} differs from the rendered report; if the change is intended, "
            f"run pytest tests/report --regen-golden\n{diff[:6000]}",
            pytrace=False,
        )


@pytest.mark.parametrize("output_format", FORMATS)
def test_rendering_is_deterministic(output_format: str) -> None:
    """Nothing random or clock-dependent: two renders of one input are identical."""
    first = rendered(SCENARIOS["registry-scan"](), output_format)
    assert rendered(SCENARIOS["registry-scan"](), output_format) == first
