"""The credential store at ``/api/v1/credentials``: every type, validation, names unique,
secrets write-only (never in any answer), and never deleted from under a rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from regsentry.errors import ConfigError
from tests.api.conftest import API, Console, detail_locations

CREDENTIALS = f"{API}/credentials"
GCP_KEY = json.dumps(
    {
        "type": "service_account",
        "client_email": "x@p.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\n",
    }
)
SECRETS = {
    "basic": "basic-Pa55word-0451",
    "token": "glpat-TokenValue-0451",
    "aws": "aws/Secret+Access+Key-0451",
    "azure": "azure~Client~Secret-0451",
    "gcp": GCP_KEY,
}
SESSION_TOKEN = "aws-Session-Token-0451"
INPUTS: dict[str, dict[str, Any]] = {
    "basic": {"type": "basic", "username": "robot"},
    "token": {"type": "token", "username": "ci-token"},
    "aws": {
        "type": "aws", "username": "AKIAEXAMPLE0451", "region": "eu-west-1",
        "session_token": SESSION_TOKEN,
    },
    "azure": {"type": "azure", "username": "client-id-0451", "tenant": "tenant-0451"},
    "gcp": {"type": "gcp"},
}  # fmt: skip
VIEWS: dict[str, tuple[str, dict[str, str]]] = {
    "basic": ("robot", {}),
    "token": ("ci-token", {}),
    "aws": ("AKIAEXAMPLE0451", {"region": "eu-west-1"}),
    "azure": ("client-id-0451", {"tenant": "tenant-0451"}),
    "gcp": ("x@p.iam.gserviceaccount.com", {}),
}


def credential(kind: str, name: str | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "name": f"{kind}-cred" if name is None else name,
        **INPUTS[kind],
        "secret": SECRETS[kind],
        **changes,
    }


def assert_no_secret_in(console: Console) -> None:
    assert console.exchanges
    for exchange in console.exchanges:
        for secret in [*SECRETS.values(), SESSION_TOKEN, "BEGIN PRIVATE KEY"]:
            assert secret.encode() not in exchange.body, (exchange.method, exchange.path)
            assert secret.encode() not in exchange.headers, (exchange.method, exchange.path)


@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_each_type_is_stored_and_shown_without_its_secret(console: Console, kind: str) -> None:
    api = console.api
    created = api.post(CREDENTIALS, json=credential(kind))
    assert created.status_code == 201, created.text
    view = created.json()
    username, extra = VIEWS[kind]
    assert view["name"] == f"{kind}-cred"
    assert view["type"] == kind
    assert view["username"] == username
    assert view["extra"] == extra
    assert view["used_by"] == []
    assert "secret" not in view
    assert "session_token" not in view
    assert api.get(f"{CREDENTIALS}/{kind}-cred").json() == view
    assert api.get(CREDENTIALS).json() == [view]
    assert_no_secret_in(console)


@pytest.mark.parametrize(
    ("kind", "login"),
    [("basic", "robot"), ("token", "ci-token"), ("azure", "client-id-0451"), ("gcp", "_json_key")],
)
def test_the_stored_secret_is_what_a_scan_uses(console: Console, kind: str, login: str) -> None:
    assert console.api.post(CREDENTIALS, json=credential(kind)).status_code == 201
    resolved = console.services.credentials.resolve(f"{kind}-cred")
    assert (resolved.username, resolved.password) == (login, SECRETS[kind])


def test_an_aws_credential_is_refused_at_scan_time_with_a_reason(console: Console) -> None:
    assert console.api.post(CREDENTIALS, json=credential("aws")).status_code == 201
    with pytest.raises(ConfigError, match="aws"):
        console.services.credentials.resolve("aws-cred")


@pytest.mark.parametrize(
    ("body", "location", "words"),
    [
        ({"type": "basic", "secret": "pw-x"}, (), "needs a username"),
        ({"type": "token", "secret": "pw-x"}, (), "needs a username"),
        ({"type": "basic", "username": "u", "secret": ""}, (), "secret is empty"),
        ({"type": "basic", "username": "u"}, ("secret",), "Field required"),
        ({"username": "u", "secret": "pw-x"}, ("type",), "Field required"),
        ({"type": "ldap", "username": "u", "secret": "pw-x"}, ("type",), "basic"),
        ({"type": "aws", "username": "AKIA", "secret": "pw-x"}, (), "region"),
        ({"type": "azure", "username": "cid", "secret": "pw-x"}, (), "tenant"),
        ({"type": "gcp", "secret": "not json"}, (), "service-account JSON key"),
        ({"type": "gcp", "secret": '{"type": "service_account"}'}, (), "JSON key"),
        ({"type": "gcp", "secret": "[1, 2]"}, (), "JSON key"),
        ({"type": "basic", "username": "u", "secret": "pw-x", "note": "x"}, ("note",), "Extra"),
        ({"type": "basic", "username": "u" * 301, "secret": "pw-x"}, ("username",), "at most"),
    ],
)
def test_incomplete_credentials_are_a_422(
    console: Console, body: dict[str, Any], location: tuple[str, ...], words: str
) -> None:
    response = console.api.post(CREDENTIALS, json={"name": "c1", **body})
    assert location in detail_locations(response)
    assert any(words in error["msg"] for error in response.json()["detail"])
    assert console.api.get(CREDENTIALS).json() == []


@pytest.mark.parametrize("name", ["", "-leading-dash", "with space", "slash/es", "é", "n" * 201])
def test_credential_names_are_checked(console: Console, name: str) -> None:
    response = console.api.post(CREDENTIALS, json=credential("basic", name=name))
    assert ("name",) in detail_locations(response)


@pytest.mark.parametrize(
    "body",
    [
        credential("aws", region=""),  # aws without its region
        credential("azure", tenant=""),  # azure without its tenant
        credential("basic", username=""),  # basic without a username
        credential("gcp", secret=GCP_KEY.replace("client_email", "email")),  # not a key
    ],
)
def test_a_refused_credential_is_not_echoed(console: Console, body: dict[str, Any]) -> None:
    response = console.api.post(CREDENTIALS, json=body)
    assert response.status_code == 422
    assert_no_secret_in(console)


def test_names_are_unique(console: Console) -> None:
    api = console.api
    assert api.post(CREDENTIALS, json=credential("basic", name="shared")).status_code == 201
    again = api.post(CREDENTIALS, json=credential("token", name="shared"))
    assert again.status_code == 409
    assert "shared" in again.json()["detail"]
    [view] = api.get(CREDENTIALS).json()
    assert view["type"] == "basic"
    assert_no_secret_in(console)


def test_replace_changes_the_secret_and_keeps_it_hidden(console: Console) -> None:
    api = console.api
    created = api.post(CREDENTIALS, json=credential("basic", name="robot")).json()
    new_secret = "rotated-Pa55word-0451"
    replaced = api.put(
        f"{CREDENTIALS}/robot",
        json={"name": "robot", "type": "token", "username": "bot2", "secret": new_secret},
    )
    assert replaced.status_code == 200, replaced.text
    view = replaced.json()
    assert (view["type"], view["username"]) == ("token", "bot2")
    assert view["created_at"] == created["created_at"]
    assert view["updated_at"] >= created["updated_at"]
    resolved = console.services.credentials.resolve("robot")
    assert (resolved.username, resolved.password) == ("bot2", new_secret)
    mismatch = api.put(f"{CREDENTIALS}/robot", json=credential("basic", name="other"))
    assert mismatch.status_code == 422
    missing = api.put(f"{CREDENTIALS}/nobody", json=credential("basic", name="nobody"))
    assert missing.status_code == 404
    invalid = api.put(f"{CREDENTIALS}/robot", json={"name": "robot", "type": "basic"})
    assert ("secret",) in detail_locations(invalid)
    assert new_secret.encode() not in b"".join(e.body for e in console.exchanges)
    assert_no_secret_in(console)


def test_a_credential_in_use_cannot_be_deleted_until_the_rule_changes(console: Console) -> None:
    api = console.api
    assert api.post(CREDENTIALS, json=credential("basic", name="robot")).status_code == 201
    rule = api.post(
        f"{API}/registries", json={"registry": "r.example", "credential": "robot"}
    ).json()
    refused = api.delete(f"{CREDENTIALS}/robot")
    assert refused.status_code == 409
    assert "r.example/*" in refused.json()["detail"]
    assert api.get(f"{CREDENTIALS}/robot").json()["used_by"] == ["r.example/*"]
    changed = api.put(f"{API}/registries/{rule['id']}", json={"registry": "r.example"})
    assert changed.status_code == 200
    assert api.get(f"{CREDENTIALS}/robot").json()["used_by"] == []
    assert api.delete(f"{CREDENTIALS}/robot").status_code == 204
    assert api.get(f"{CREDENTIALS}/robot").status_code == 404
    assert api.delete(f"{CREDENTIALS}/robot").status_code == 404
    assert api.get(CREDENTIALS).json() == []


def test_deleting_the_rule_frees_its_credential(console: Console) -> None:
    api = console.api
    assert api.post(CREDENTIALS, json=credential("token", name="robot")).status_code == 201
    rule = api.post(
        f"{API}/registries", json={"registry": "r.example", "credential": "robot"}
    ).json()
    assert api.delete(f"{CREDENTIALS}/robot").status_code == 409
    assert api.delete(f"{API}/registries/{rule['id']}").status_code == 204
    assert api.delete(f"{CREDENTIALS}/robot").status_code == 204
