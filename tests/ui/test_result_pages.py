"""Results pages over a real scan: a rule added through the form, "scan now", then every
results page, the image detail (layers, packages, findings with fixed versions and why),
the search by CVE, sorting, and a crawl of every link with real data behind it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SampleRegistry
from tests.ui.conftest import Console
from tests.ui.support import (
    CURL_FIX,
    GLIBC_FIX,
    crawl,
    csrf_of,
    import_advisories,
    parse,
    push_debian_images,
)

pytestmark = pytest.mark.registry


@pytest.fixture
def scanned(user: Console, scratch_registry: SampleRegistry) -> Console:
    """The console after scanning two Debian-like images of the scratch registry."""
    push_debian_images(scratch_registry.url, "ui-pages")
    import_advisories(user.settings, user.settings.home / "records")
    csrf = csrf_of(user.client.get("/ui/rules/new").text)
    form = {
        "name": "scratch", "version": "v2", "registry": scratch_registry.url,
        "repository": "ui-pages/*", "tag": "", "credential": "", "os": "linux",
        "platforms": "", "scanner": "auto", "scanners": "2", "cap": "5", "csrf_token": csrf,
    }  # fmt: skip
    assert user.client.post("/ui/rules/new", data=form, follow_redirects=False).status_code == 303
    rule_id = user.client.app.state.services.rules.all()[0].id  # type: ignore[attr-defined]
    job_url = user.client.post(
        f"/ui/rules/{rule_id}/scan", data={"csrf_token": csrf}, follow_redirects=False
    ).headers["location"]
    services = user.client.app.state.services  # type: ignore[attr-defined]
    user.client.portal.call(services.jobs.wait, "scratch")  # type: ignore[union-attr]
    progress = user.client.get(f"{job_url}/progress")
    assert 'data-status="completed"' in progress.text, progress.text
    assert parse(progress.text).text_of("progress-done") == "2"
    return user


def test_results_drill_down_from_registry_to_image(
    scanned: Console, scratch_registry: SampleRegistry
) -> None:
    client = scanned.client
    results = client.get("/ui/results")
    assert scratch_registry.host in results.text
    repos = client.get("/ui/results/repositories", params={"registry": scratch_registry.host})
    assert "ui-pages/api" in repos.text
    assert "ui-pages/web" in repos.text
    images = client.get(
        "/ui/images", params={"registry": scratch_registry.host, "repository": "ui-pages/api"}
    )
    digests = set(re.findall(r'href="/ui/images/(sha256:[0-9a-f]{64})"', images.text))
    assert len(digests) == 1
    detail = client.get(f"/ui/images/{digests.pop()}")
    assert detail.status_code == 200
    page = parse(detail.text)
    findings = page.text_of("findings-heading") + " " + detail.text
    assert "CVE-2024-2961" in findings
    assert "CVE-2024-2398" in findings
    assert GLIBC_FIX in detail.text
    assert CURL_FIX in detail.text
    assert "no fix yet" in detail.text  # the bash advisory has none
    assert "Matched the source package" in detail.text
    assert "<code>glibc</code>" in detail.text
    assert "Debian:12" in detail.text
    assert "var/lib/dpkg/status" in detail.text  # the layers' analysed files
    for package in ("bash", "curl", "libc6"):
        assert f">{package}</a>" in detail.text


def test_tables_sort_on_the_server(scanned: Console) -> None:
    first = scanned.client.get("/ui/images", params={"sort": "repository", "order": "asc"})
    last = scanned.client.get("/ui/images", params={"sort": "repository", "order": "desc"})
    order = re.findall(r"/<strong>(ui-pages/\w+)</strong>", first.text)
    assert order == ["ui-pages/api", "ui-pages/web"]
    assert re.findall(r"/<strong>(ui-pages/\w+)</strong>", last.text) == order[::-1]
    assert 'aria-sort="ascending"' in first.text
    assert "sort=repository&amp;order=desc" in first.text  # the header flips the order


def test_search_by_cve_and_by_package(scanned: Console) -> None:
    by_cve = scanned.client.get("/ui/vulnerabilities", params={"q": "CVE-2024-2961"})
    assert by_cve.text.count("CVE-2024-2961") >= 2  # both images carry glibc
    by_package = scanned.client.get("/ui/vulnerabilities", params={"q": "curl"})
    assert "CVE-2024-2398" in by_package.text
    assert "CVE-2024-2961" not in by_package.text
    no_fix = scanned.client.get("/ui/vulnerabilities", params={"fixable": "no"})
    assert "CVE-2099-0001" in no_fix.text
    assert "CVE-2024-2398" not in no_fix.text


def test_the_dashboard_counts_findings(scanned: Console) -> None:
    page = scanned.client.get("/ui")
    assert "Current findings" in page.text
    assert re.search(r'<span class="tile-number">2</span> images', page.text)


def test_no_link_leads_to_a_dead_end_with_results(scanned: Console) -> None:
    statuses = crawl(scanned.client)
    assert {url: code for url, code in statuses.items() if code != 200} == {}
    assert any(url.startswith("/ui/images/sha256:") for url in statuses)
    assert any("f_sort=" in url for url in statuses)  # the detail page's sort links too
