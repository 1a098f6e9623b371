"""The sample registry content most registry and planner tests share.

Dates are chosen so that ordering, ties and missing dates are all exercised; see the
expectations next to each repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.support.images import (
    HELM_CONFIG_TYPE,
    Image,
    Index,
    Pusher,
    build_image,
    build_index,
)


def _day(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


@dataclass
class Sample:
    """What was pushed, by repository and tag."""

    tags: dict[str, dict[str, Image | Index]] = field(default_factory=dict)

    def digest(self, repository: str, tag: str) -> str:
        """The digest a tag points at."""
        return self.tags[repository][tag].digest

    def add(self, repository: str, item: Image | Index, *tags: str) -> None:
        """Record an image under tags."""
        for tag in tags:
            self.tags.setdefault(repository, {})[tag] = item


def build_sample() -> list[tuple[str, Image | Index, tuple[str, ...]]]:
    """(repository, image or index, tags) in push order."""
    app_20 = build_image(created=_day(2024, 3), label="app-2.0")
    return [
        # team/app: newest first is dev-branch, {2.0, latest}, 2.1-rc (same date as 2.0,
        # later by tag name), 1.1, 1.0.
        ("team/app", build_image(created=_day(2024, 1), label="app-1.0"), ("1.0",)),
        ("team/app", build_image(created=_day(2024, 2), label="app-1.1"), ("1.1",)),
        ("team/app", app_20, ("2.0", "latest")),
        ("team/app", build_image(created=_day(2024, 3), label="app-2.1-rc"), ("2.1-rc",)),
        ("team/app", build_image(created=_day(2024, 4), label="app-dev"), ("dev-branch",)),
        ("team/tools", build_image(created=_day(2023, 5), label="tools", oci=True), ("v1",)),
        ("other/thing", build_image(created=_day(2022, 6), label="thing"), ("latest",)),
        ("tmp/scratch", build_image(created=_day(2021, 7), label="scratch"), ("latest",)),
        (
            "multi/platform",
            build_index(
                (
                    build_image(created=_day(2024, 5), label="mp-amd64"),
                    build_image(
                        created=_day(2024, 5),
                        label="mp-arm64",
                        architecture="arm64",
                        variant="v8",
                    ),
                    build_image(created=_day(2024, 5), label="mp-win", os="windows"),
                )
            ),
            ("1",),
        ),
        (
            "multi/platform",
            build_index(
                (
                    build_image(created=_day(2024, 6), label="list-amd64"),
                    build_image(
                        created=_day(2024, 6),
                        label="list-armv7",
                        architecture="arm",
                        variant="v7",
                    ),
                ),
                oci=False,
            ),
            ("docker-list",),
        ),
        ("win/only", build_image(created=_day(2024, 2), label="win", os="windows"), ("ltsc",)),
        (
            "helm/chart",
            build_image(label="chart", oci=True, config_media_type=HELM_CONFIG_TYPE),
            ("0.1.0",),
        ),
        # nodate/img: "b" has a date, "a" has none and so sorts last despite its name.
        ("nodate/img", build_image(created=None, label="nodate-a"), ("a",)),
        ("nodate/img", build_image(created=_day(2020, 1), label="nodate-b"), ("b",)),
    ]


def push_sample(pusher: Pusher) -> Sample:
    """Push the sample content and return what was pushed."""
    sample = Sample()
    for repository, item, tags in build_sample():
        pusher.push(repository, item, *tags)
        sample.add(repository, item, *tags)
    return sample
