"""Authentication (SPEC §4): HTTP Basic, API tokens, browser sessions with CSRF protection,
401s that say how to authenticate and nothing else, and the login throttle."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from regsentry.service.console.auth import Throttle
from tests.api.conftest import ADMIN, ADMIN_PASSWORD, API, Console, TestClient, running_console

SAMPLE_PATH_VALUES = {
    "rule_id": "1",
    "token_id": "1",
    "job_id": "1",
    "name": "some-credential",
    "host": "registry.example",
    "digest": "sha256:" + "0" * 64,
}
OPEN_OPERATIONS = {("GET", "/healthz"), ("POST", "/api/v1/auth/login")}


def concrete(path: str) -> str:
    """A schema path with sample values for its parameters."""
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES[m.group(1)], path)


def operations(console: Console) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation of the OpenAPI schema."""
    paths: dict[str, dict[str, Any]] = console.app.openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


def assert_is_bare_401(response: Any) -> None:
    assert response.status_code == 401, (response.request.url, response.text)
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="regsentry"')
    body = response.json()
    assert set(body) == {"detail"}
    assert isinstance(body["detail"], str)


# -- no credentials, wrong credentials --------------------------------------------------------


def test_healthz_needs_no_authentication(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_metrics_need_authentication(console: Console, anonymous: TestClient) -> None:
    assert_is_bare_401(anonymous.get("/metrics"))
    response = console.api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "regsentry_scan_jobs_running 0.0" in response.text
    assert "# HELP regsentry_findings" in response.text


def test_every_operation_but_health_and_login_refuses_anonymous_callers(
    console: Console, anonymous: TestClient
) -> None:
    # Data exists, so that a leak would show: a rule, a credential and a token.
    assert console.api.post(f"{API}/registries", json={"registry": "r.example"}).status_code == 201
    created = console.api.post(
        f"{API}/credentials",
        json={"name": "some-credential", "type": "basic", "username": "u", "secret": "pw-1"},
    )
    assert created.status_code == 201
    console.new_token()
    checked = 0
    for method, path in operations(console):
        if (method, path) in OPEN_OPERATIONS:
            continue
        response = anonymous.request(method, concrete(path))
        assert_is_bare_401(response)
        assert response.json() == {"detail": "authentication required"}
        checked += 1
    assert checked == len(operations(console)) - len(OPEN_OPERATIONS)


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + "YWRtaW46d3Jvbmc=",  # admin:wrong
        "Basic " + "bm9ib2R5OnBhc3N3b3Jk",  # nobody:password
        "Basic !!!not-base64!!!",
        "Basic " + "/w==",  # not UTF-8
        "Bearer rs_not-a-token",
        "Bearer ",
        "Digest username=admin",
    ],
)
def test_wrong_credentials_are_a_bare_401(console: Console, authorization: str) -> None:
    client = console.client(headers={"Authorization": authorization})
    assert_is_bare_401(client.get(f"{API}/registries"))
    assert_is_bare_401(client.post(f"{API}/registries", json={"registry": "r.example"}))
    assert console.services.rules.all() == []


def test_basic_with_the_admin_password_works(console: Console) -> None:
    client = console.client(auth=(ADMIN, ADMIN_PASSWORD))
    assert client.get(f"{API}/registries").json() == []
    created = client.post(f"{API}/registries", json={"registry": "r.example"})
    assert created.status_code == 201  # no CSRF token needed for API clients


def test_the_admin_password_follows_the_environment(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with running_console(home) as first:
        assert first.api.get(f"{API}/registries").status_code == 200
    # Same home, a different REGSENTRY_ADMIN_PASSWORD: the old one stops working.
    with running_console(home, password="a-new-password-2") as second:
        assert second.api.get(f"{API}/registries").status_code == 200
        old = second.client(auth=(ADMIN, ADMIN_PASSWORD))
        assert_is_bare_401(old.get(f"{API}/registries"))


# -- API tokens -------------------------------------------------------------------------------


def test_bearer_tokens_work_until_revoked(console: Console) -> None:
    token = console.new_token("deploy")
    assert token.startswith("rs_")
    client = console.bearer(token)
    listed = client.get(f"{API}/tokens")
    assert listed.status_code == 200
    [view] = listed.json()
    assert view["name"] == "deploy"
    assert view["prefix"] == token[:10]
    assert view["last_used_at"] is not None
    assert "token" not in view
    assert token not in listed.text
    created = client.post(f"{API}/registries", json={"registry": "r.example"})
    assert created.status_code == 201  # no CSRF token needed for API clients

    revoked = console.api.delete(f"{API}/tokens/{view['id']}")
    assert revoked.status_code == 204
    assert_is_bare_401(client.get(f"{API}/registries"))
    assert console.api.get(f"{API}/tokens").json() == []
    assert console.api.delete(f"{API}/tokens/{view['id']}").status_code == 404


def test_a_token_needs_a_name(console: Console) -> None:
    response = console.api.post(f"{API}/tokens", json={"name": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


# -- browser sessions and CSRF ----------------------------------------------------------------


def test_session_login_gets_reads_and_needs_csrf_for_changes(console: Console) -> None:
    client, csrf = console.browser()
    assert client.get(f"{API}/registries").status_code == 200
    assert client.get(f"{API}/settings").status_code == 200
    rule = {"registry": "r.example"}
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        refused = client.post(f"{API}/registries", json=rule, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json() == {"detail": "missing or wrong CSRF token"}
    assert console.services.rules.all() == []
    created = client.post(f"{API}/registries", json=rule, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    rule_id = created.json()["id"]
    changed = {"registry": "r.example", "cap": 9}
    assert client.put(f"{API}/registries/{rule_id}", json=changed).status_code == 403
    assert client.delete(f"{API}/registries/{rule_id}").status_code == 403
    assert client.put(f"{API}/settings", json={}).status_code == 403
    assert client.post(f"{API}/tokens", json={"name": "x"}).status_code == 403
    assert console.services.rules.get(rule_id) is not None
    assert (
        client.delete(f"{API}/registries/{rule_id}", headers={"X-CSRF-Token": csrf}).status_code
        == 204
    )


def test_another_sessions_csrf_token_is_refused(console: Console) -> None:
    first, _ = console.browser()
    _, second_csrf = console.browser()
    refused = first.post(
        f"{API}/registries", json={"registry": "r.example"}, headers={"X-CSRF-Token": second_csrf}
    )
    assert refused.status_code == 403


def test_wrong_login_is_401_without_a_session(console: Console) -> None:
    client = console.client()
    response = client.post(f"{API}/auth/login", json={"username": ADMIN, "password": "nope"})
    assert_is_bare_401(response)
    assert "regsentry_session" not in client.cookies
    assert_is_bare_401(client.get(f"{API}/registries"))


def test_a_refused_login_does_not_echo_the_password(console: Console) -> None:
    response = console.client().post(f"{API}/auth/login", json={"password": "pw-Echo-0451"})
    assert response.status_code == 422
    assert "pw-Echo-0451" not in response.text


def test_logout_ends_the_session(console: Console) -> None:
    client, csrf = console.browser()
    assert client.post(f"{API}/auth/logout").status_code == 403  # CSRF applies to logout too
    # The CSRF token may come as a form field as well.
    response = client.post(f"{API}/auth/logout", data={"csrf_token": csrf})
    assert response.status_code == 204
    assert_is_bare_401(client.get(f"{API}/registries"))


def test_a_session_cookie_is_dead_after_logout(console: Console) -> None:
    client, csrf = console.browser()
    stolen = client.cookies["regsentry_session"]
    assert client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    replay = console.client(cookies={"regsentry_session": stolen})
    assert_is_bare_401(replay.get(f"{API}/registries"))


# -- the throttle -----------------------------------------------------------------------------


def test_the_throttle_doubles_after_three_failures_up_to_its_ceiling() -> None:
    throttle = Throttle(base=1.0, ceiling=8.0)
    delays = []
    for _ in range(8):
        delays.append(throttle.delay("user:admin", "client:a"))
        throttle.failed("user:admin", "client:a")
    assert delays == [0.0, 0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0]
    # Any key of an attempt counts: another client guessing the same user is slowed too.
    assert throttle.delay("user:admin", "client:b") == 8.0
    assert throttle.delay("user:other", "client:b") == 0.0
    throttle.succeeded("user:admin", "client:a")
    assert throttle.delay("user:admin", "client:b") == 0.0


def test_failed_basic_logins_are_slowed_down_and_success_resets(console: Console) -> None:
    wrong = console.client(auth=(ADMIN, "wrong-password"))
    console.throttle.delays.clear()
    for _ in range(6):
        assert_is_bare_401(wrong.get(f"{API}/registries"))
    assert console.throttle.delays == [0.0, 0.0, 0.0, 0.001, 0.002, 0.004]
    console.throttle.delays.clear()
    assert console.api.get(f"{API}/registries").status_code == 200  # waits, then succeeds
    assert console.api.get(f"{API}/registries").status_code == 200
    assert console.throttle.delays == [0.004, 0.0]


def test_failed_session_logins_are_slowed_down(console: Console) -> None:
    client = console.client()
    console.throttle.delays.clear()
    for _ in range(5):
        response = client.post(
            f"{API}/auth/login", json={"username": "nobody", "password": "guess"}
        )
        assert response.status_code == 401
    assert console.throttle.delays == [0.0, 0.0, 0.0, 0.001, 0.002]


def test_unknown_tokens_are_slowed_down(console: Console) -> None:
    client = console.bearer("rs_guessed")
    console.throttle.delays.clear()
    for _ in range(5):
        assert_is_bare_401(client.get(f"{API}/registries"))
    assert console.throttle.delays == [0.0, 0.0, 0.0, 0.001, 0.002]


def test_a_valid_token_clears_the_clients_failures(console: Console) -> None:
    token = console.new_token()
    for _ in range(4):
        assert_is_bare_401(console.bearer("rs_typo").get(f"{API}/registries"))
    good = console.bearer(token)
    assert good.get(f"{API}/registries").status_code == 200
    console.throttle.delays.clear()
    assert good.get(f"{API}/registries").status_code == 200
    assert console.throttle.delays == [0.0]


def test_authentication_does_not_block_the_event_loop(console: Console) -> None:
    on_loop: list[bool] = []
    original = console.throttle.delay

    def delay(*keys: str) -> float:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop.append(False)
        else:
            on_loop.append(True)
        return original(*keys)

    console.throttle.delay = delay  # type: ignore[method-assign]
    assert console.api.get(f"{API}/registries").status_code == 200
    assert console.client(auth=(ADMIN, "wrong")).get(f"{API}/registries").status_code == 401
    assert on_loop == [False, False]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_cross_site_request_is_refused_even_with_remembered_basic_credentials(
    console: Console, headers: dict[str, str]
) -> None:
    # A browser that answered the Basic prompt once replays it on a form another site
    # posts: the request says where it comes from, and is refused before anything runs.
    created = console.api.post(f"{API}/tokens", json={"name": "x"}, headers=headers)
    assert created.status_code == 403
    assert console.api.get(f"{API}/tokens").json() == []
    # The same request from the console's own origin, or from an API client, works.
    own = console.api.post(
        f"{API}/tokens", json={"name": "y"}, headers={"Origin": "http://testserver"}
    )
    assert own.status_code == 201
