"""``regsentry scan --dry-run`` as a user runs it: real process, real registry, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import READER, SampleRegistry
from tests.support.fake_server import FakeServer, Reply

pytestmark = pytest.mark.registry


def regsentry(*args: str, stdin: str = "", **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "REGSENTRY_HOME": "/nonexistent",
           **extra_env}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "regsentry", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def assert_clean_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert message in result.stderr


def test_dry_run_json(open_registry: SampleRegistry) -> None:
    result = regsentry(
        "scan", open_registry.url, "--repo", "team/*,win/only", "--cap", "2", "--dry-run",
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema"] == "regsentry.report/v1"
    assert report["summary"] == {
        "images": 4, "scanned": 0, "failed": 0, "skipped": 1, "planned": 3,
        "vulnerabilities": None,
    }  # fmt: skip
    first = report["images"][0]
    assert first == {
        "registry": open_registry.host,
        "repository": "team/app",
        "tags": ["dev-branch"],
        "digest": open_registry.sample.digest("team/app", "dev-branch"),
        "index_digest": None,
        "platform": "linux/amd64",
        "created": "2024-04-01T12:00:00Z",
        "status": "planned",
        "error": None,
    }
    assert "packages" not in first
    assert "vulnerabilities" not in first
    skipped = report["images"][-1]
    assert skipped["status"] == "skipped"
    assert "windows" in skipped["error"]


def test_dry_run_table_and_output_file(open_registry: SampleRegistry, tmp_path: Path) -> None:
    result = regsentry("scan", open_registry.url, "--repo", "multi/platform", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "multi/platform" in result.stdout
    assert "linux/amd64" in result.stdout
    assert "2 images: 2 planned" in result.stdout
    output = tmp_path / "plan.json"
    result = regsentry(
        "scan", open_registry.url, "--repo", "team/tools", "--dry-run", "--format", "json",
        "--output", str(output),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(output.read_text())["images"][0]["tags"] == ["v1"]


def test_missing_repository_exits_3(open_registry: SampleRegistry) -> None:
    result = regsentry(
        "scan", open_registry.url, "--repo", "team/tools,gone/away", "--dry-run", "--format",
        "json",
    )  # fmt: skip
    assert result.returncode == 3
    statuses = [image["status"] for image in json.loads(result.stdout)["images"]]
    assert statuses == ["failed", "planned"]


def test_basic_auth_with_password_from_stdin(basic_registry: SampleRegistry) -> None:
    user, password = READER
    result = regsentry(
        "scan", basic_registry.url, "--repo", "team/tools", "--username", user,
        "--password-stdin", "--dry-run", stdin=password + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "team/tools" in result.stdout


def test_wrong_password_is_a_clear_error_that_hides_the_password(
    basic_registry: SampleRegistry,
) -> None:
    result = regsentry(
        "scan", basic_registry.url, "--username", READER[0], "--password-stdin", "--dry-run",
        stdin="hunter2-wrong\n",
    )  # fmt: skip
    assert_clean_error(result, f"401 from registry {basic_registry.host}")
    assert "hunter2-wrong" not in result.stderr + result.stdout


def test_no_credentials_for_a_protected_registry(basic_registry: SampleRegistry) -> None:
    result = regsentry("scan", basic_registry.url, "--dry-run")
    assert_clean_error(result, "--username and --password-stdin")


def test_unknown_registry() -> None:
    result = regsentry("scan", "registry.invalid", "--dry-run")
    assert_clean_error(result, "registry host registry.invalid not found")


def test_tls_needs_the_ca(tls_registry: SampleRegistry) -> None:
    result = regsentry("scan", tls_registry.host, "--repo", "team/tools", "--dry-run")
    assert_clean_error(result, "--ca-file")
    assert tls_registry.server.ca is not None
    result = regsentry(
        "scan", tls_registry.host, "--repo", "team/tools", "--dry-run", "--ca-file",
        str(tls_registry.server.ca),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_web_server_that_is_not_a_registry() -> None:
    with FakeServer(lambda _r: Reply(404, {"Content-Type": "text/html"}, b"<h1>nope</h1>")) as web:
        result = regsentry("scan", web.url, "--dry-run")
    assert_clean_error(result, "does not answer the Docker Registry v2 API")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "a,,b"], "empty element"),
        (["--platform", "windows/amd64"], "not of the rule's os"),
        (["--username", "bob"], "--username needs --password-stdin"),
        (["--password-stdin"], "--password-stdin needs --username"),
        (["--credential", "prod"], "no credential store"),
        (["--format", "sarif"], "--dry-run prints table or json"),
        (["--os", "darwin"], "darwin"),
        (["--cap", "-1"], "--cap"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = regsentry("scan", "127.0.0.1:1", "--dry-run", *args)
    assert_clean_error(result, message)


def test_docker_hub_patterns_need_exact_names() -> None:
    result = regsentry("scan", "--repo", "bitnami/*", "--dry-run")  # refused before any request
    assert_clean_error(result, "Docker Hub has no repository catalog")


def test_scan_of_an_unreachable_registry_is_a_clear_error(tmp_path: Path) -> None:
    env_home = {"REGSENTRY_HOME": str(tmp_path)}
    result = regsentry("scan", "http://127.0.0.1:1", **env_home)
    assert_clean_error(result, "cannot connect to registry 127.0.0.1:1")
