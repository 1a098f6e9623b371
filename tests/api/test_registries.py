"""Scan rules at ``/api/v1/registries`` (SPEC §1 fields, named exactly so): defaults,
validation of every field (422 naming it), the credential reference, update, delete, 404s
and the schema's help texts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import API, Console, TestClient, detail_locations

RULES = f"{API}/registries"
SPEC_FIELDS = {
    "name", "version", "registry", "repository", "tag", "credential", "os", "scanner",
    "scanners", "cap",
}  # fmt: skip


def create(api: TestClient, **fields: Any) -> dict[str, Any]:
    response = api.post(RULES, json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_new_rule_gets_the_spec_defaults_and_is_due_at_once(api: TestClient) -> None:
    rule = create(api, registry="registry.example:5000")
    assert set(rule) >= SPEC_FIELDS
    assert {k: rule[k] for k in SPEC_FIELDS | {"platforms"}} == {
        "name": "registry.example:5000/*",
        "version": "v2",
        "registry": "registry.example:5000",
        "repository": "",
        "tag": "",
        "credential": "",
        "os": "linux",
        "platforms": "",
        "scanner": "auto",
        "scanners": 2,
        "cap": 5,
    }
    assert isinstance(rule["id"], int)
    assert rule["next_scan_at"] is not None
    assert api.get(f"{RULES}/{rule['id']}").json() == rule
    assert api.get(RULES).json() == [rule]


def test_a_blank_registry_is_docker_hub_and_names_default_to_registry_and_repository(
    api: TestClient,
) -> None:
    hub = create(api, repository="library/alpine")
    assert hub["name"] == "docker.io/library/alpine"
    assert hub["registry"] == ""
    named = create(api, name="  my rule ", registry="http://127.0.0.1:5000", repository="a/*")
    assert named["name"] == "my rule"  # surrounding blanks are dropped


@pytest.mark.parametrize(
    "fields",
    [
        {"version": "dockerhub", "repository": "library/alpine, !library/*-rc"},
        {"version": "dockerhub", "registry": "docker.io", "repository": "myorg/*"},
        {"version": "ecr", "registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
        {"version": "gcr", "registry": "gcr.io", "repository": "my-project/app"},
        {"version": "acr", "registry": "myreg.azurecr.io", "tag": "v?.*,!*-rc*"},
        {"registry": "https://harbor.example", "os": "windows", "platforms": "windows/amd64"},
        {"registry": "r.example", "platforms": "*", "cap": 0, "scanners": 16},
        {"registry": "r.example", "platforms": "linux/amd64, linux/arm64/v8"},
        {"registry": "r.example", "scanner": "scanner-7", "scanners": 1},
    ],
)
def test_valid_rules_are_accepted_as_given(api: TestClient, fields: dict[str, Any]) -> None:
    rule = create(api, **fields)
    for key, value in fields.items():
        assert rule[key] == value


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"registry": "ftp://r.example"}, ("registry",)),
        ({"registry": "r.example/some/path"}, ("registry",)),
        ({"registry": "r.example:99999"}, ("registry",)),
        ({"registry": "https://"}, ("registry",)),
        ({"registry": "r" * 301}, ("registry",)),
        ({"repository": "team/*,,other/*"}, ("repository",)),
        ({"repository": "team/a b"}, ("repository",)),
        ({"tag": "v1,,v2"}, ("tag",)),
        ({"tag": "v 1"}, ("tag",)),
        ({"os": "macos"}, ("os",)),
        ({"version": "quay"}, ("version",)),
        ({"scanners": 0}, ("scanners",)),
        ({"scanners": 1001}, ("scanners",)),
        ({"scanners": "many"}, ("scanners",)),
        ({"cap": -1}, ("cap",)),
        ({"cap": 2.5}, ("cap",)),
        ({"name": "n" * 201}, ("name",)),
        ({"scanner": "s" * 201}, ("scanner",)),
        ({"credential": "c" * 201}, ("credential",)),
        ({"platforms": "p" * 1001}, ("platforms",)),
        ({"interval": 3}, ("interval",)),  # unknown fields are refused, not ignored
        ({"Registry": "r.example"}, ("Registry",)),
    ],
)
def test_an_invalid_field_is_a_422_naming_it(
    console: Console, fields: dict[str, Any], location: tuple[str, ...]
) -> None:
    response = console.api.post(RULES, json=fields)
    assert location in detail_locations(response)
    assert console.services.rules.all() == []


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"version": "dockerhub", "registry": "r.example"}, ["dockerhub", "r.example"]),
        ({"version": "ecr"}, ["ecr", "registry"]),
        ({"version": "gcr"}, ["gcr", "registry"]),
        ({"version": "acr"}, ["acr", "registry"]),
        ({"platforms": "windows/amd64"}, ["platform", "os"]),
        ({"os": "windows", "platforms": "linux/amd64"}, ["platform", "os"]),
        ({"platforms": "amd64"}, ["platform", "os/architecture"]),
    ],
)
def test_inconsistent_fields_are_a_422_that_names_them(
    console: Console, fields: dict[str, Any], words: list[str]
) -> None:
    response = console.api.post(RULES, json=fields)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    for word in words:
        assert word in error["msg"]
    assert console.services.rules.all() == []


def test_a_rules_credential_must_exist(console: Console) -> None:
    api = console.api
    missing = api.post(RULES, json={"registry": "r.example", "credential": "robot"})
    assert missing.status_code == 422
    assert "robot" in missing.json()["detail"]
    assert console.services.rules.all() == []
    stored = api.post(
        f"{API}/credentials",
        json={"name": "robot", "type": "basic", "username": "robot$ci", "secret": "pw"},
    )
    assert stored.status_code == 201
    rule = create(api, registry="r.example", credential="robot")
    assert rule["credential"] == "robot"
    assert api.get(f"{API}/credentials/robot").json()["used_by"] == ["r.example/*"]


def test_update_replaces_the_whole_rule(api: TestClient) -> None:
    rule = create(api, registry="r.example", repository="team/*", cap=9, tag="v*")
    replaced = api.put(
        f"{RULES}/{rule['id']}", json={"name": "team", "registry": "r.example", "cap": 0}
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["id"] == rule["id"]
    assert (body["name"], body["cap"], body["repository"], body["tag"]) == ("team", 0, "", "")
    assert api.get(f"{RULES}/{rule['id']}").json() == body
    assert [r["name"] for r in api.get(RULES).json()] == ["team"]


def test_update_validates_like_create(console: Console) -> None:
    api = console.api
    rule = create(api, registry="r.example")
    bad = api.put(f"{RULES}/{rule['id']}", json={"registry": "r.example", "cap": -5})
    assert ("cap",) in detail_locations(bad)
    unknown_credential = api.put(
        f"{RULES}/{rule['id']}", json={"registry": "r.example", "credential": "nope"}
    )
    assert unknown_credential.status_code == 422
    assert api.get(f"{RULES}/{rule['id']}").json() == rule


def test_rule_names_are_unique(api: TestClient) -> None:
    first = create(api, registry="r.example", repository="a/*")
    duplicate = api.post(RULES, json={"registry": "r.example", "repository": "a/*"})
    assert duplicate.status_code == 409
    assert "r.example/a/*" in duplicate.json()["detail"]
    second = create(api, registry="r.example", repository="b/*")
    renamed = api.put(f"{RULES}/{second['id']}", json={"name": first["name"]})
    assert renamed.status_code == 409
    assert len(api.get(RULES).json()) == 2


def test_delete_and_404s(api: TestClient) -> None:
    rule = create(api, registry="r.example")
    assert api.delete(f"{RULES}/{rule['id']}").status_code == 204
    assert api.get(RULES).json() == []
    for method in ("GET", "DELETE"):
        gone = api.request(method, f"{RULES}/{rule['id']}")
        assert gone.status_code == 404
        assert gone.json() == {"detail": f"no rule {rule['id']}"}
    assert api.put(f"{RULES}/{rule['id']}", json={"registry": "r.example"}).status_code == 404
    assert api.post(f"{RULES}/{rule['id']}/scan").status_code == 404
    assert api.get(f"{RULES}/not-a-number").status_code == 422


def test_every_spec_field_has_help_text_in_the_schema(console: Console) -> None:
    schema = console.app.openapi()
    components = schema["components"]["schemas"]
    operation = schema["paths"]["/api/v1/registries"]["post"]
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_model = components[reference.rsplit("/", 1)[1]]
    assert request_model.get("additionalProperties") is False
    properties = request_model["properties"]
    for name in SPEC_FIELDS | {"platforms"}:
        description = properties[name].get("description", "")
        assert len(description) >= 10, (name, description)
    assert "Docker Hub" in properties["registry"]["description"]
    assert "0 = all" in properties["cap"]["description"]
    assert properties["os"]["enum"] == ["linux", "windows"]
    assert properties["scanners"]["minimum"] == 1
    assert properties["cap"]["minimum"] == 0
    version = properties["version"]
    if "$ref" in version:
        version = components[version["$ref"].rsplit("/", 1)[1]]
    elif "allOf" in version:
        version = components[version["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert version["enum"] == ["v2", "dockerhub", "ecr", "gcr", "acr"]
