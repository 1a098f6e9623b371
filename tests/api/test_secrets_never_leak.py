"""Registry secrets go in once and never come out in clear: not in an API answer, a log
line, the console's output, or any file under ``REGSENTRY_HOME`` (where they are Fernet
ciphertext only); and the generated key file is private.

One run stores credentials of every type carrying a canary, scans with them (one really
authenticates against a registry with HTTP Basic, one is an aws credential that fails the
job), calls every GET route, and then greps everything for the canary.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sqlite3
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from regsentry.service.crypto import SecretBox
from tests.api.conftest import API, Console, running_console
from tests.conftest import SampleRegistry
from tests.service.scan_support import app_image, base_layer
from tests.support.images import Pusher
from tests.support.registry_server import start_registry

pytestmark = pytest.mark.registry

ROBOT = "robot"


def _credentials(canary: str) -> list[dict[str, Any]]:
    gcp_key = {
        "type": "service_account",
        "client_email": "x@p.iam.gserviceaccount.com",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{canary}\n-----END PRIVATE KEY-----\n",
    }
    return [
        {"name": "canary-basic", "type": "basic", "username": ROBOT, "secret": canary},
        {"name": "canary-token", "type": "token", "username": "ci", "secret": canary},
        {"name": "canary-aws", "type": "aws", "username": "AKIA0", "secret": canary,
         "session_token": canary, "region": "eu-west-1"},
        {"name": "canary-gcp", "type": "gcp", "secret": json.dumps(gcp_key)},
        {"name": "canary-azure", "type": "azure", "username": "cid", "secret": canary,
         "tenant": "t-1"},
    ]  # fmt: skip


def _forms(canary: str) -> list[bytes]:
    """The canary as it could appear: plain, JSON-escaped, or inside a Basic header."""
    return [
        canary.encode(),
        json.dumps(canary).strip('"').encode(),
        base64.b64encode(f"{ROBOT}:{canary}".encode()),
    ]


def _get_routes(console: Console, values: dict[str, str]) -> list[str]:
    paths: dict[str, dict[str, Any]] = console.app.openapi()["paths"]
    routes = [path for path, operations in paths.items() if "get" in operations]
    return [re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path) for path in routes]


def _files_holding(home: Path, forms: list[bytes]) -> list[str]:
    found = []
    for path in sorted(home.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {form!r}" for form in forms if form in data]
    return found


def test_a_canary_secret_appears_nowhere_in_clear(
    tmp_path: Path,
    open_registry: SampleRegistry,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    canary = f"S3cr3t-CANARY-{uuid.uuid4().hex}"
    forms = _forms(canary)
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):  # every logger, restored afterwards
        caplog.set_level(logging.DEBUG, logger=name)

    # A registry that only lets the canary's owner in.
    guarded = start_registry(tmp_path / "guarded-registry", users={ROBOT: canary})
    home = tmp_path / "home"
    try:
        pusher = Pusher(guarded.url, ROBOT, canary)
        try:
            pusher.push("private/app", app_image(base_layer("private"), "app"), "1.0")
        finally:
            pusher.close()
        with running_console(home) as console:
            api = console.api
            for body in _credentials(canary):
                created = api.post(f"{API}/credentials", json=body)
                assert created.status_code == 201, created.text
            duplicate = api.post(f"{API}/credentials", json=_credentials(canary)[0])
            assert duplicate.status_code == 409
            replaced = api.put(f"{API}/credentials/canary-token", json=_credentials(canary)[1])
            assert replaced.status_code == 200
            assert api.delete(f"{API}/credentials/canary-token").status_code == 204

            rules = {
                "guarded": {"registry": guarded.url, "repository": "private/*",
                            "credential": "canary-basic"},
                "open-gcp": {"registry": open_registry.url, "repository": "team/tools",
                             "credential": "canary-gcp"},
                "open-azure": {"registry": open_registry.url, "repository": "other/*",
                               "credential": "canary-azure"},
                "open-aws": {"registry": open_registry.url, "repository": "tmp/*",
                             "credential": "canary-aws"},
            }  # fmt: skip
            jobs: dict[str, dict[str, Any]] = {}
            rule_ids = {}
            for name, fields in rules.items():
                rule = api.post(f"{API}/registries", json={"name": name, **fields})
                assert rule.status_code == 201, rule.text
                rule_ids[name] = rule.json()["id"]
                started = api.post(f"{API}/registries/{rule_ids[name]}/scan")
                assert started.status_code == 202
                jobs[name] = started.json()
            finished = {name: console.wait_for_job(job["id"]) for name, job in jobs.items()}
            # The credential really was used: the guarded registry let the scan in.
            assert finished["guarded"]["status"] == "completed", finished["guarded"]
            assert finished["guarded"]["progress"]["scanned"] == 1
            assert finished["open-gcp"]["status"] == "completed"
            assert finished["open-aws"]["status"] == "failed"
            assert "aws" in finished["open-aws"]["error"]
            in_use = api.delete(f"{API}/credentials/canary-basic")
            assert in_use.status_code == 409

            images = api.get(f"{API}/images").json()["items"]
            digest = next(i["digest"] for i in images if i["repository"] == "private/app")
            values = {
                "rule_id": str(rule_ids["guarded"]),
                "job_id": str(jobs["guarded"]["id"]),
                "name": "canary-basic",
                "host": guarded.host,
                "digest": digest,
            }
            for route in _get_routes(console, values):
                response = api.get(route)
                assert response.status_code == 200, (route, response.text)
            for name in ("canary-aws", "canary-gcp", "canary-azure"):
                assert api.get(f"{API}/credentials/{name}").status_code == 200

            # Stored: as ciphertext that opens to the canary, and nowhere in clear.
            with sqlite3.connect(console.settings.home / "results.sqlite") as database:
                stored = dict(database.execute("SELECT name, secret FROM credentials"))
            assert set(stored) == {"canary-basic", "canary-aws", "canary-gcp", "canary-azure"}
            box = SecretBox(console.settings)
            for ciphertext in stored.values():
                assert bytes(ciphertext).startswith(b"gAAAAA")  # Fernet
                assert canary.encode() in box.open(bytes(ciphertext))
            assert _files_holding(home, forms) == []
            exchanges = list(console.exchanges)
        assert _files_holding(home, forms) == []  # after shutdown too (WAL checkpointed)
    finally:
        guarded.stop()

    assert len(exchanges) > 20
    for exchange in exchanges:
        for form in forms:
            assert form not in exchange.body, (exchange.method, exchange.path, exchange.status)
            assert form not in exchange.headers, (exchange.method, exchange.path)
    logged = caplog.text + "\n".join(repr(record.__dict__) for record in caplog.records)
    assert caplog.records  # logging was captured at DEBUG
    for form in forms:
        assert form.decode() not in logged
    out, err = capfd.readouterr()
    for form in forms:
        assert form.decode() not in out
        assert form.decode() not in err

    key_file = home / "secret.key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
