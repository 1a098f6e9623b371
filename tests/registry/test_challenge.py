"""WWW-Authenticate parsing."""

from __future__ import annotations

from regsentry.registry.challenge import parse_challenges


def test_bearer_with_quoted_params_and_commas_inside_quotes() -> None:
    [challenge] = parse_challenges(
        [
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
            'scope="repository:library/alpine:pull,push"'
        ]
    )
    assert challenge.scheme == "bearer"
    assert challenge.realm == "https://auth.docker.io/token"
    assert challenge.params["service"] == "registry.docker.io"
    assert challenge.params["scope"] == "repository:library/alpine:pull,push"


def test_basic_and_unquoted_values_and_escapes() -> None:
    [basic] = parse_challenges(['Basic realm="Registry \\"Realm\\""'])
    assert basic.scheme == "basic"
    assert basic.realm == 'Registry "Realm"'
    [token] = parse_challenges(["BEARER realm=https://a/token, service=svc"])
    assert token.scheme == "bearer"
    assert token.params == {"realm": "https://a/token", "service": "svc"}


def test_several_challenges_in_one_and_several_headers() -> None:
    challenges = parse_challenges(
        ['Basic realm="r1", Bearer realm="https://t/token",service="s"', "Negotiate"]
    )
    assert [c.scheme for c in challenges] == ["basic", "bearer", "negotiate"]
    assert challenges[1].params["service"] == "s"


def test_garbage_yields_nothing_usable() -> None:
    assert [c.scheme for c in parse_challenges(["", "   "])] == []
