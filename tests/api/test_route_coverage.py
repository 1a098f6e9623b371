"""Every operation of the OpenAPI schema is exercised by a named test.

:data:`ROUTES` maps each (METHOD, path) to the tests that call it with meaningful
assertions (schemathesis fuzzes all of them besides). A new route without an entry here,
or an entry naming a test that does not exist, fails :func:`test_every_route_has_a_test`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from tests.api.conftest import console_settings

ROUTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/healthz"): ("test_auth::test_healthz_needs_no_authentication",),
    ("GET", "/metrics"): (
        "test_auth::test_metrics_need_authentication",
        "test_scans_and_results::test_metrics_count_images_and_findings",
    ),
    ("POST", "/api/v1/auth/login"): (
        "test_auth::test_session_login_gets_reads_and_needs_csrf_for_changes",
        "test_auth::test_wrong_login_is_401_without_a_session",
        "test_auth::test_failed_session_logins_are_slowed_down",
    ),
    ("POST", "/api/v1/auth/logout"): ("test_auth::test_logout_ends_the_session",),
    ("GET", "/api/v1/tokens"): ("test_auth::test_bearer_tokens_work_until_revoked",),
    ("POST", "/api/v1/tokens"): (
        "test_auth::test_bearer_tokens_work_until_revoked",
        "test_auth::test_a_token_needs_a_name",
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): ("test_auth::test_bearer_tokens_work_until_revoked",),
    ("GET", "/api/v1/registries"): (
        "test_registries::test_a_new_rule_gets_the_spec_defaults_and_is_due_at_once",
    ),
    ("POST", "/api/v1/registries"): (
        "test_registries::test_a_new_rule_gets_the_spec_defaults_and_is_due_at_once",
        "test_registries::test_an_invalid_field_is_a_422_naming_it",
        "test_registries::test_inconsistent_fields_are_a_422_that_names_them",
        "test_registries::test_a_rules_credential_must_exist",
        "test_registries::test_rule_names_are_unique",
    ),
    ("GET", "/api/v1/registries/{rule_id}"): ("test_registries::test_delete_and_404s",),
    ("PUT", "/api/v1/registries/{rule_id}"): (
        "test_registries::test_update_replaces_the_whole_rule",
        "test_registries::test_update_validates_like_create",
    ),
    ("DELETE", "/api/v1/registries/{rule_id}"): ("test_registries::test_delete_and_404s",),
    ("POST", "/api/v1/registries/{rule_id}/scan"): (
        "test_scans_and_results::test_scan_now_runs_the_job_to_completion",
        "test_scans_and_results::"
        "test_scan_now_while_running_returns_the_same_job_and_cancel_stops_it",
    ),
    ("GET", "/api/v1/credentials"): (
        "test_credentials::test_each_type_is_stored_and_shown_without_its_secret",
    ),
    ("POST", "/api/v1/credentials"): (
        "test_credentials::test_each_type_is_stored_and_shown_without_its_secret",
        "test_credentials::test_incomplete_credentials_are_a_422",
        "test_credentials::test_names_are_unique",
    ),
    ("GET", "/api/v1/credentials/{name}"): (
        "test_credentials::test_each_type_is_stored_and_shown_without_its_secret",
    ),
    ("PUT", "/api/v1/credentials/{name}"): (
        "test_credentials::test_replace_changes_the_secret_and_keeps_it_hidden",
    ),
    ("DELETE", "/api/v1/credentials/{name}"): (
        "test_credentials::test_a_credential_in_use_cannot_be_deleted_until_the_rule_changes",
    ),
    ("GET", "/api/v1/settings"): ("test_settings::test_defaults_are_the_specs",),
    ("PUT", "/api/v1/settings"): (
        "test_settings::test_changes_persist_and_are_returned",
        "test_settings::test_out_of_range_values_are_a_422_naming_the_field",
    ),
    ("GET", "/api/v1/scans"): ("test_scans_and_results::test_scan_now_runs_the_job_to_completion",),
    ("GET", "/api/v1/scans/{job_id}"): (
        "test_scans_and_results::test_scan_now_runs_the_job_to_completion",
    ),
    ("POST", "/api/v1/scans/{job_id}/cancel"): (
        "test_scans_and_results::test_cancelling_a_finished_job_is_a_conflict",
        "test_scans_and_results::"
        "test_scan_now_while_running_returns_the_same_job_and_cancel_stops_it",
    ),
    ("GET", "/api/v1/scanners"): ("test_scans_and_results::test_the_scanners",),
    ("GET", "/api/v1/results/registries"): (
        "test_scans_and_results::test_results_by_registry_and_repository",
    ),
    ("GET", "/api/v1/results/registries/{host}/repositories"): (
        "test_scans_and_results::test_results_by_registry_and_repository",
    ),
    ("GET", "/api/v1/images"): (
        "test_scans_and_results::test_images_list_and_filters",
        "test_scans_and_results::test_a_rescan_marks_a_vanished_image_stale",
    ),
    ("GET", "/api/v1/images/{digest}"): ("test_scans_and_results::test_one_image_in_full",),
    ("GET", "/api/v1/vulnerabilities"): (
        "test_scans_and_results::test_search_vulnerabilities",
        "test_scans_and_results::test_vulnerability_pages",
    ),
    ("GET", "/api/v1/changes"): ("test_scans_and_results::test_changes_since_the_last_match",),
}


def test_every_route_has_a_test(tmp_path: Path) -> None:
    from regsentry.api.app import create_app

    app = create_app(console_settings(tmp_path / "home"), scheduler=False)
    try:
        paths = app.openapi()["paths"]
    finally:
        app.state.services.close()
    in_schema = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert sorted(in_schema - set(ROUTES)) == [], "routes without a test: add them to ROUTES"
    assert sorted(set(ROUTES) - in_schema) == [], "ROUTES names routes the schema lacks"
    for route, tests in ROUTES.items():
        assert tests, route
        for test in tests:
            module_name, _, function = test.partition("::")
            module = importlib.import_module(f"tests.api.{module_name}")
            assert callable(getattr(module, function, None)), (route, test)
