"""The planner (scan rule → images) against a real docker-registry with the sample content."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from regsentry.model.image import ImageResult, ImageStatus
from regsentry.model.rule import ScanRule
from regsentry.registry.auth import Credentials
from regsentry.registry.client import ClientOptions
from regsentry.registry.errors import AuthenticationError
from regsentry.service.plan import plan_images
from tests.conftest import ADMIN, SampleRegistry
from tests.support.images import Index

pytestmark = pytest.mark.registry


async def plan(
    registry: SampleRegistry, options: ClientOptions | None = None, **fields: object
) -> list[ImageResult]:
    rule = ScanRule.build(registry=registry.url, **fields)
    return await plan_images(rule, options or ClientOptions(concurrency=4))


def rows(results: list[ImageResult]) -> list[tuple[str, tuple[str, ...], str]]:
    return [(r.target.repository, r.target.tags, r.status.value) for r in results]


async def test_repository_pattern_cap_zero_orders_newest_first(
    open_registry: SampleRegistry,
) -> None:
    results = await plan(open_registry, repository="team/*", cap=0)
    assert rows(results) == [
        ("team/app", ("dev-branch",), "planned"),
        ("team/app", ("2.0", "latest"), "planned"),  # same digest: one image
        ("team/app", ("2.1-rc",), "planned"),  # same date as 2.0: tie broken by tag name
        ("team/app", ("1.1",), "planned"),
        ("team/app", ("1.0",), "planned"),
        ("team/tools", ("v1",), "planned"),
    ]
    image = results[1].target
    assert image.registry == open_registry.host
    assert str(image.digest) == open_registry.sample.digest("team/app", "2.0")
    assert image.created == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert str(image.platform) == "linux/amd64"
    assert image.index_digest is None


async def test_cap_keeps_the_newest_images_per_repository(open_registry: SampleRegistry) -> None:
    results = await plan(open_registry, repository="team/*", cap=2)
    assert rows(results) == [
        ("team/app", ("dev-branch",), "planned"),
        ("team/app", ("2.0", "latest"), "planned"),
        ("team/tools", ("v1",), "planned"),
    ]


async def test_default_cap_is_five(open_registry: SampleRegistry) -> None:
    results = await plan(open_registry, repository="team/app")
    assert len(results) == 5


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ("team/*,!team/tools", ["team/app"]),
        ("*/app,other/*", ["other/thing", "team/app"]),
        ("team/?pp", ["team/app"]),
        (
            "!team/*,!multi/*,!win/*,!helm/*,!nodate/*",
            ["other/thing", "tmp/scratch"],
        ),
    ],
)
async def test_repository_patterns(
    open_registry: SampleRegistry, repository: str, expected: list[str]
) -> None:
    results = await plan(open_registry, repository=repository, cap=1)
    assert sorted({r.target.repository for r in results}) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("1.?", [("1.1",), ("1.0",)]),
        ("*,!dev-*,!*-rc", [("2.0", "latest"), ("1.1",), ("1.0",)]),
        ("latest", [("latest",)]),  # only the tags the rule covers are listed
        ("nothing-*", []),
    ],
)
async def test_tag_patterns(
    open_registry: SampleRegistry, tag: str, expected: list[tuple[str, ...]]
) -> None:
    results = await plan(open_registry, repository="team/app", tag=tag, cap=0)
    assert [r.target.tags for r in results] == expected


async def test_index_default_platform_is_linux_amd64(open_registry: SampleRegistry) -> None:
    results = await plan(open_registry, repository="multi/platform", tag="1")
    [image] = results
    index = open_registry.sample.tags["multi/platform"]["1"]
    assert isinstance(index, Index)
    assert image.status is ImageStatus.PLANNED
    assert str(image.target.index_digest) == index.digest
    assert str(image.target.platform) == "linux/amd64"
    amd64 = next(c for c in index.children if c.architecture == "amd64" and c.os == "linux")
    assert str(image.target.digest) == amd64.digest


async def test_index_every_linux_platform(open_registry: SampleRegistry) -> None:
    results = await plan(open_registry, repository="multi/platform", platforms="*", cap=0)
    assert [(r.target.tags, str(r.target.platform)) for r in results] == [
        (("docker-list",), "linux/amd64"),
        (("docker-list",), "linux/arm/v7"),
        (("1",), "linux/amd64"),
        (("1",), "linux/arm64/v8"),
    ]
    assert {r.status for r in results} == {ImageStatus.PLANNED}


async def test_index_chosen_platforms_and_missing_ones(open_registry: SampleRegistry) -> None:
    results = await plan(open_registry, repository="multi/platform", platforms="linux/arm64", cap=0)
    assert [(r.target.tags, r.status.value, str(r.target.platform)) for r in results] == [
        (("1",), "planned", "linux/arm64/v8"),
        (("docker-list",), "skipped", "None"),
    ]
    assert "no linux/arm64/v8 image" in (results[1].error or "")
    assert "linux/arm/v7" in (results[1].error or "")


async def test_windows_rule_takes_windows_children_and_images(
    open_registry: SampleRegistry,
) -> None:
    results = await plan(open_registry, repository="multi/platform,win/only", os="windows", cap=0)
    planned = [
        (r.target.repository, str(r.target.platform))
        for r in results
        if r.status is ImageStatus.PLANNED
    ]
    assert planned == [("multi/platform", "windows/amd64"), ("win/only", "windows/amd64")]


async def test_image_of_another_os_is_skipped_with_the_reason(
    open_registry: SampleRegistry,
) -> None:
    [result] = await plan(open_registry, repository="win/only")
    assert result.status is ImageStatus.SKIPPED
    assert result.error == "image is for windows (windows/amd64); this rule scans linux images"
    assert str(result.target.digest) == open_registry.sample.digest("win/only", "ltsc")


async def test_an_artifact_is_skipped_as_not_a_container_image(
    open_registry: SampleRegistry,
) -> None:
    [result] = await plan(open_registry, repository="helm/chart")
    assert result.status is ImageStatus.SKIPPED
    assert "not a container image" in (result.error or "")


async def test_images_without_a_date_come_last(open_registry: SampleRegistry) -> None:
    results = await plan(open_registry, repository="nodate/img", cap=0)
    assert [(r.target.tags, r.target.created) for r in results] == [
        (("b",), datetime(2020, 1, 1, 12, tzinfo=UTC)),
        (("a",), None),
    ]


async def test_a_named_repository_that_does_not_exist_is_failed(
    open_registry: SampleRegistry,
) -> None:
    results = await plan(open_registry, repository="team/app,does/not-exist", cap=1)
    assert rows(results) == [
        ("does/not-exist", (), "failed"),
        ("team/app", ("dev-branch",), "planned"),
    ]
    assert "NAME_UNKNOWN" in (results[0].error or "")


async def test_token_registry_with_credentials(token_registry: SampleRegistry) -> None:
    options = ClientOptions(credentials=Credentials(*ADMIN))
    results = await plan(token_registry, options, repository="team/*", cap=1)
    assert rows(results) == [
        ("team/app", ("dev-branch",), "planned"),
        ("team/tools", ("v1",), "planned"),
    ]


async def test_token_registry_anonymous_named_repository(token_registry: SampleRegistry) -> None:
    results = await plan(token_registry, repository="team/app", cap=1)
    assert rows(results) == [("team/app", ("dev-branch",), "planned")]


async def test_token_registry_anonymous_catalog_is_refused(
    token_registry: SampleRegistry,
) -> None:
    with pytest.raises(AuthenticationError, match="the repository catalog"):
        await plan(token_registry, repository="team/*")
