"""The format dispatcher, and what every machine-readable format must say."""

from __future__ import annotations

import pytest

from regsentry.errors import ConfigError
from regsentry.report.formats import FORMATS, render
from regsentry.report.json_report import render_json
from tests.report.sample import FAILED_IMAGE, SCENARIOS, registry_scan, single_unmatched


def test_formats_are_the_cli_contract() -> None:
    assert set(FORMATS) == {"json", "sarif", "cyclonedx", "spdx"}


def test_json_delegates_to_the_json_report() -> None:
    scenario = registry_scan()
    at, database = scenario.generated_at, scenario.database
    assert render("json", scenario.results, generated_at=at, database=database) == render_json(
        scenario.results, generated_at=at, database=database
    )


def test_unknown_format_is_a_config_error() -> None:
    scenario = registry_scan()
    with pytest.raises(ConfigError, match="unknown report format 'xml'"):
        render("xml", scenario.results, generated_at=scenario.generated_at, database=None)


@pytest.mark.parametrize("output_format", FORMATS)
def test_failed_image_and_its_reason_appear_in_every_format(output_format: str) -> None:
    scenario = registry_scan()
    text = render(
        output_format,
        scenario.results,
        generated_at=scenario.generated_at,
        database=scenario.database,
    )
    assert str(FAILED_IMAGE.target.digest) in text
    assert FAILED_IMAGE.error is not None
    assert FAILED_IMAGE.error in text
    assert "failed" in text


@pytest.mark.parametrize("output_format", FORMATS)
def test_missing_advisory_database_is_said_in_every_format(output_format: str) -> None:
    scenario = single_unmatched()
    text = render(
        output_format, scenario.results, generated_at=scenario.generated_at, database=None
    )
    assert "vulnerabilities were not assessed" in text


@pytest.mark.parametrize("scenario_name", sorted(SCENARIOS))
@pytest.mark.parametrize("output_format", FORMATS)
def test_empty_and_full_inputs_render(scenario_name: str, output_format: str) -> None:
    scenario = SCENARIOS[scenario_name]()
    assert render(
        output_format,
        scenario.results,
        generated_at=scenario.generated_at,
        database=scenario.database,
    ).endswith("\n")
    assert render(output_format, (), generated_at=scenario.generated_at, database=None)
