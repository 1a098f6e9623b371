"""The web UI without a registry: sessions, CSRF, forms drawn from the models, validation
next to the field, write-only secrets, tokens shown once, escaping, and no dead links."""

from __future__ import annotations

import re
import socket

import pytest

from regsentry.model.rule import ScanRule
from regsentry.service.console.credentials import CredentialInput
from regsentry.service.console.rules import SystemSettings
from tests.ui.conftest import Console
from tests.ui.support import PAGES, crawl, csrf_of, parse


def _rule_form(**fields: str) -> dict[str, str]:
    form = {
        "name": "", "version": "v2", "registry": "registry.example.com", "repository": "team/*",
        "tag": "", "credential": "", "os": "linux", "platforms": "", "scanner": "auto",
        "scanners": "2", "cap": "5",
    }  # fmt: skip
    form.update(fields)
    return form


def _add_rule(user: Console, csrf: str, **fields: str) -> int:
    answer = user.client.post(
        "/ui/rules/new", data={**_rule_form(**fields), "csrf_token": csrf}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    rule = next(r for r in user.client.app.state.services.rules.all())  # type: ignore[attr-defined]
    return int(rule.id)


@pytest.mark.parametrize("path", [*PAGES, "/"])
def test_every_page_sends_a_visitor_without_session_to_login(console: Console, path: str) -> None:
    answer = console.client.get(path, follow_redirects=True)
    assert answer.url.path == "/login"
    assert answer.status_code == 200
    assert "Log in" in answer.text
    if path not in ("/", "/ui"):
        assert answer.url.params["next"] == path


def test_htmx_polling_without_session_gets_a_whole_page_redirect(console: Console) -> None:
    answer = console.client.get(
        "/ui/scans/1/progress", headers={"HX-Request": "true"}, follow_redirects=False
    )
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_logged_in_user(user: Console, path: str) -> None:
    answer = user.client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    page = parse(answer.text)
    assert "/static/htmx.min.js" in page.links
    assert "/static/regsentry.css" in page.links
    assert 'action="/logout"' in answer.text


def test_static_files_are_served(console: Console) -> None:
    htmx = console.client.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text[:200]
    assert console.client.get("/static/regsentry.css").status_code == 200
    assert console.client.get("/static/htmx.LICENSE").status_code == 200


def test_login_needs_the_right_password_and_its_form_token(console: Console) -> None:
    form = console.client.get("/login")
    token = csrf_of(form.text)
    wrong = console.client.post(
        "/login", data={"username": "admin", "password": "wrong", "csrf_token": token}
    )
    assert wrong.status_code == 401
    assert "Wrong username or password" in wrong.text
    forged = console.client.post(
        "/login", data={"username": "admin", "password": console.password, "csrf_token": "x"}
    )
    assert forged.status_code == 403
    assert console.client.get("/ui", follow_redirects=False).status_code == 303


def test_login_goes_back_where_it_was_asked_but_never_to_another_site(console: Console) -> None:
    for target, expected in (("/ui/settings", "/ui/settings"), ("//evil.example/x", "/ui")):
        console.client.cookies.clear()
        form = console.client.get("/login", params={"next": target})
        assert f'value="{expected if expected != "/ui" else "/ui"}"' in form.text
        answer = console.client.post(
            "/login",
            data={"username": "admin", "password": console.password, "next": target,
                  "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )  # fmt: skip
        assert answer.headers["location"] == expected


def test_logout_ends_the_session(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui").text)
    answer = user.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=True)
    assert answer.url.path == "/login"
    assert "You are logged out" in answer.text
    assert user.client.get("/ui/rules", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/ui/rules/new", _rule_form()),
        ("/ui/credentials/new", {"name": "c", "type": "basic", "username": "u", "secret": "s"}),
        ("/ui/settings", {"retention_days": "5"}),
        ("/ui/tokens", {"name": "ci"}),
        ("/logout", {}),
        ("/ui/rules/1/scan", {}),
        ("/ui/rules/1/delete", {}),
    ],
)
def test_forms_refuse_a_missing_or_wrong_csrf_token(
    user: Console, path: str, data: dict[str, str]
) -> None:
    for token in ("", "not-the-token"):
        answer = user.client.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 403, path
        assert "security token" in answer.text
    services = user.client.app.state.services  # type: ignore[attr-defined]
    assert services.rules.all() == []
    assert services.credentials.all() == []
    assert services.system.get() == SystemSettings()
    assert user.client.get("/ui", follow_redirects=False).status_code == 200  # still logged in


def test_the_rule_form_has_every_spec_field_with_the_models_help_text(user: Console) -> None:
    page = user.client.get("/ui/rules/new")
    parsed = parse(page.text)
    assert "Add registry settings" in page.text
    for name, info in ScanRule.model_fields.items():
        assert f'name="{name}"' in page.text, name
        assert info.description
        assert info.description in parsed.text_of(f"help-{name}"), name
    assert "Default: 5." in parsed.text_of("help-cap")
    assert 'value="5"' in page.text
    assert 'value="auto"' in page.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"cap": "-1"}, "cap", "greater than or equal to 0"),
        ({"scanners": "0"}, "scanners", "greater than or equal to 1"),
        ({"cap": "many"}, "cap", "valid integer"),
        ({"registry": "ftp://registry.example.com"}, "registry", "only https"),
        ({"repository": "a,,b"}, "repository", "empty element"),
        ({"platforms": "windows/amd64"}, "platforms", "not of the rule's os"),
        ({"version": "dockerhub"}, "version", "not Docker Hub"),
        ({"credential": "nope"}, "credential", "no credential"),
    ],
)
def test_rule_validation_errors_are_shown_next_to_their_field(
    user: Console, fields: dict[str, str], field: str, message: str
) -> None:
    csrf = csrf_of(user.client.get("/ui/rules/new").text)
    answer = user.client.post("/ui/rules/new", data={**_rule_form(**fields), "csrf_token": csrf})
    assert answer.status_code == 422
    page = parse(answer.text)
    assert message in page.text_of(f"field-{field}")
    assert message in page.text_of(f"error-{field}")
    assert f'aria-describedby="help-{field} error-{field}"' in answer.text
    typed = _rule_form(**fields)["repository"]
    assert f'value="{typed}"' in answer.text  # what was typed is kept
    assert user.client.app.state.services.rules.all() == []  # type: ignore[attr-defined]


def test_a_rule_is_added_edited_scanned_and_deleted(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui/rules/new").text)
    rule_id = _add_rule(user, csrf, registry="http://127.0.0.1:9", cap="3")
    listing = user.client.get("/ui/rules")
    assert "127.0.0.1:9/team/*" in listing.text  # the model's default name
    assert "added" in listing.text
    edit = user.client.get(f"/ui/rules/{rule_id}/edit")
    assert 'value="3"' in edit.text
    duplicate = user.client.post(
        "/ui/rules/new",
        data={**_rule_form(registry="http://127.0.0.1:9"), "csrf_token": csrf},
    )
    assert duplicate.status_code == 409
    assert "Another rule is named" in parse(duplicate.text).text_of("field-name")
    saved = user.client.post(
        f"/ui/rules/{rule_id}/edit",
        data={**_rule_form(registry="http://127.0.0.1:9", name="nowhere"), "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Scan rule nowhere saved" in saved.text

    started = user.client.post(
        f"/ui/rules/{rule_id}/scan", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert started.status_code == 303
    job_url = started.headers["location"]
    assert re.fullmatch(r"/ui/scans/\d+", job_url)
    job_page = user.client.get(job_url)
    assert 'id="job-progress"' in job_page.text
    assert "nowhere" in job_page.text

    confirm = user.client.get(f"/ui/rules/{rule_id}/delete")
    assert "Delete scan rule nowhere?" in confirm.text
    gone = user.client.post(
        f"/ui/rules/{rule_id}/delete", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "Scan rule nowhere deleted" in gone.text
    assert user.client.get(f"/ui/rules/{rule_id}/edit").status_code == 404


def test_a_job_that_fails_stops_polling_and_says_why(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui/rules/new").text)
    rule_id = _add_rule(user, csrf, registry="http://127.0.0.1:9", name="closed-port")
    job_url = user.client.post(
        f"/ui/rules/{rule_id}/scan", data={"csrf_token": csrf}, follow_redirects=False
    ).headers["location"]
    services = user.client.app.state.services  # type: ignore[attr-defined]
    user.client.portal.call(services.jobs.wait, "closed-port")  # type: ignore[union-attr]
    fragment = user.client.get(f"{job_url}/progress", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text  # a fragment, not a page
    assert 'data-status="failed"' in fragment.text
    assert "hx-trigger" not in fragment.text  # a finished job is not polled
    assert "127.0.0.1:9" in fragment.text  # the error names the registry


def test_a_running_job_is_cancelled_from_its_page(user: Console) -> None:
    with socket.socket() as silent:  # accepts connections, never answers: the job hangs
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        csrf = csrf_of(user.client.get("/ui").text)
        rule_id = _add_rule(user, csrf, registry=f"http://127.0.0.1:{port}", name="silent")
        job_url = user.client.post(
            f"/ui/rules/{rule_id}/scan", data={"csrf_token": csrf}, follow_redirects=False
        ).headers["location"]
        page = user.client.get(job_url)
        assert 'data-status="running"' in page.text
        assert 'hx-trigger="every 1s"' in page.text  # polled while it runs
        assert '<noscript><meta http-equiv="refresh"' in page.text  # and without JavaScript
        cancelled = user.client.post(
            f"{job_url}/cancel", data={"csrf_token": csrf}, follow_redirects=True
        )
        assert "is being cancelled" in cancelled.text
        services = user.client.app.state.services  # type: ignore[attr-defined]
        user.client.portal.call(services.jobs.wait, "silent")  # type: ignore[union-attr]
    assert 'data-status="cancelled"' in user.client.get(f"{job_url}/progress").text


@pytest.mark.parametrize(
    "path", ["/ui/rules/99999999999999999999/edit", "/ui/scans?offset=99999999999999999999"]
)
def test_numbers_beyond_64_bits_are_a_400_page(user: Console, path: str) -> None:
    answer = user.client.get(path)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")


def test_credentials_are_write_only(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui/credentials/new").text)
    secret = "pa55-" + "x" * 20
    added = user.client.post(
        "/ui/credentials/new",
        data={"name": "harbor", "type": "basic", "username": "robot", "secret": secret,
              "csrf_token": csrf},
        follow_redirects=True,
    )  # fmt: skip
    assert added.url.path == "/ui/credentials"
    assert "harbor" in added.text
    assert "robot" in added.text
    assert secret not in added.text
    edit = user.client.get("/ui/credentials/harbor/edit")
    assert secret not in edit.text
    assert "write-only" in edit.text
    assert re.search(
        r'<input type="password" id="f-secret" name="secret"(?![^>]*value=)', edit.text
    )
    for name, info in CredentialInput.model_fields.items():
        assert (info.description or "") in parse(edit.text).text_of(f"help-{name}")
    missing = user.client.post(
        "/ui/credentials/harbor/edit",
        data={"name": "harbor", "type": "basic", "username": "", "secret": secret,
              "csrf_token": csrf},
    )  # fmt: skip
    assert missing.status_code == 422
    assert "needs a username" in parse(missing.text).text_of("field-username")
    assert secret not in missing.text  # not echoed back after an error
    no_secret = user.client.post(
        "/ui/credentials/new",
        data={"name": "other", "type": "basic", "username": "u", "csrf_token": csrf},
    )
    assert "Field required" in parse(no_secret.text).text_of("field-secret")


def test_a_credential_in_use_is_not_deleted(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui").text)
    user.client.post(
        "/ui/credentials/new",
        data={"name": "quay", "type": "token", "username": "bot", "secret": "t0ken",
              "csrf_token": csrf},
    )  # fmt: skip
    _add_rule(user, csrf, credential="quay", name="uses-quay")
    listing = user.client.get("/ui/credentials")
    assert "uses-quay" in parse(listing.text).text_of("main")
    answer = user.client.post(
        "/ui/credentials/quay/delete", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "used by rule(s) uses-quay" in answer.text
    assert user.client.get("/ui/credentials/quay/edit").status_code == 200


def test_adding_a_credential_from_the_rule_form_keeps_what_was_typed(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui/rules/new").text)
    detour = user.client.post(
        "/ui/rules/new",
        data={**_rule_form(repository="private/*", cap="7"), "action": "add-credential",
              "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert detour.status_code == 303
    form = user.client.get(detour.headers["location"])
    assert form.url.path == "/ui/credentials/new"
    assert "back to the scan rule form" in form.text
    next_ = re.search(r'name="next" value="([^"]+)"', form.text)
    assert next_
    back = user.client.post(
        "/ui/credentials/new",
        data={"name": "private-reg", "type": "basic", "username": "ci", "secret": "s3",
              "csrf_token": csrf, "next": next_.group(1).replace("&amp;", "&")},
        follow_redirects=True,
    )  # fmt: skip
    assert back.url.path == "/ui/rules/new"
    assert 'value="private/*"' in back.text
    assert 'value="7"' in back.text
    assert '<option value="private-reg" selected>' in back.text
    assert user.client.app.state.services.rules.all() == []  # type: ignore[attr-defined]


def test_a_credential_form_never_redirects_to_another_site(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui").text)
    answer = user.client.post(
        "/ui/credentials/new",
        data={"name": "c1", "type": "basic", "username": "u", "secret": "s",
              "csrf_token": csrf, "next": "https://evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"] == "/ui/credentials"


def test_an_api_token_is_shown_once(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui/tokens").text)
    created = user.client.post("/ui/tokens", data={"name": "ci", "csrf_token": csrf})
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    token = parse(created.text).text_of("new-token")
    assert token.startswith("rs_")
    api = user.client.get("/api/v1/registries", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    listing = user.client.get("/ui/tokens")
    assert token not in listing.text
    assert token[:10] in listing.text
    empty = user.client.post("/ui/tokens", data={"name": " ", "csrf_token": csrf})
    assert empty.status_code == 422
    assert "at least 1 character" in parse(empty.text).text_of("field-name")
    token_id = user.client.app.state.services.store.tokens(1)[0].id  # type: ignore[attr-defined]
    assert "Revoke API token ci?" in user.client.get(f"/ui/tokens/{token_id}/revoke").text
    user.client.post(f"/ui/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    api = user.client.get("/api/v1/registries", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_settings_are_validated_next_to_the_field_and_saved(user: Console) -> None:
    page = user.client.get("/ui/settings")
    for name, info in SystemSettings.model_fields.items():
        assert (info.description or "") in parse(page.text).text_of(f"help-{name}")
    csrf = csrf_of(page.text)
    values = {"scan_interval": "12", "sync_interval_minutes": "15",
              "retention_days": "0", "registry_concurrency": "8"}  # fmt: skip
    bad = user.client.post("/ui/settings", data={**values, "csrf_token": csrf})
    assert bad.status_code == 422
    assert "greater than 0" in parse(bad.text).text_of("field-retention_days")
    good = user.client.post(
        "/ui/settings", data={**values, "retention_days": "10", "csrf_token": csrf},
        follow_redirects=True,
    )  # fmt: skip
    assert "Settings saved" in good.text
    stored = user.client.app.state.services.system.get()  # type: ignore[attr-defined]
    assert (stored.scan_interval, stored.retention_days) == (12, 10)


def test_what_users_type_is_escaped(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui").text)
    _add_rule(user, csrf, name='<script>alert("x")</script>')
    page = user.client.get("/ui/rules")
    assert '<script>alert("x")</script>' not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    search = user.client.get("/ui/vulnerabilities", params={"q": '"><img src=x>'})
    assert '"><img src=x>' not in search.text


@pytest.mark.parametrize(
    "path",
    [
        "/ui/rules/999/edit",
        "/ui/scans/999",
        "/ui/images/sha256:0000",
        "/ui/credentials/no/edit",
        "/ui/no/such/page",
    ],
)
def test_missing_things_are_html_404_pages(user: Console, path: str) -> None:
    answer = user.client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "does not exist" in answer.text


def test_bad_query_parameters_are_a_400_page_not_a_crash(user: Console) -> None:
    answer = user.client.get("/ui/vulnerabilities", params={"severity": "apocalyptic"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert user.client.get("/ui/images", params={"sort": "nonsense"}).status_code == 200


def test_no_link_leads_to_a_dead_end(user: Console) -> None:
    csrf = csrf_of(user.client.get("/ui").text)
    user.client.post(
        "/ui/credentials/new",
        data={"name": "c", "type": "basic", "username": "u", "secret": "s", "csrf_token": csrf},
    )
    _add_rule(user, csrf, credential="c", scanner="elsewhere")
    user.client.post("/ui/tokens", data={"name": "ci", "csrf_token": csrf})
    statuses = crawl(user.client)
    broken = {url: code for url, code in statuses.items() if code != 200}
    assert broken == {}
    assert len(statuses) > len(PAGES)
