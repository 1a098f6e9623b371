"""Which live scanners a job may use, and the reasons it waits (pure, table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from regsentry import __version__
from regsentry.db.pool_store import ScannerRecord
from regsentry.model.rule import ScanRule
from regsentry.service.pool.scanners import choose_scanners

NOW = datetime(2026, 6, 1, tzinfo=UTC)
KEY = "analyzers-1"


def scanner(name: str, os: str = "linux", load: int = 0, analyzers: str = KEY) -> ScannerRecord:
    return ScannerRecord(
        name=name, os=os, version=__version__, analyzers=analyzers, hostname="h", pid=1,
        instance="i", concurrency=4, load=load, started_at=NOW, last_seen=NOW,
        stopped_at=None,
    )  # fmt: skip


def rule(**fields: object) -> ScanRule:
    return ScanRule.build(registry="r.example", **fields)


def names(
    rule_: ScanRule,
    live: list[ScannerRecord],
    holding: tuple[str, ...] = (),
    served: tuple[str, ...] = (),
) -> list[str]:
    choice = choose_scanners(rule_, live, analyzers=KEY, holding=holding, served=served)
    assert choice.waiting_reason is None
    return [s.name for s in choice.scanners]


def test_auto_takes_at_most_scanners_of_the_rules_os_least_loaded_first() -> None:
    live = [scanner("a", load=3), scanner("b", load=0), scanner("c", load=1),
            scanner("w", os="windows")]  # fmt: skip
    assert names(rule(), live) == ["b", "c"]
    assert names(rule(scanners=1), live) == ["b"]
    assert names(rule(scanners=10), live) == ["b", "c", "a"]
    assert names(rule(os="windows"), live) == ["w"]


def test_scanners_holding_images_of_the_job_are_kept_first() -> None:
    live = [scanner("a", load=3), scanner("b"), scanner("c")]
    assert names(rule(scanners=1), live, holding=("a",)) == ["a"]
    assert names(rule(scanners=2), live, holding=("c",)) == ["c", "b"]


def test_a_scanner_that_emptied_its_window_keeps_the_job() -> None:
    # "a" finished everything it was handed before the next round: nothing held, but the
    # job stays on it rather than moving to the less loaded "b" (scanners: 1).
    live = [scanner("a", load=2), scanner("b")]
    assert names(rule(scanners=1), live, served=("a",)) == ["a"]
    # Images still held come before images served: "c" holds, "a" only served.
    assert names(rule(scanners=1), [*live, scanner("c", load=4)], ("c",), ("a",)) == ["c"]
    # A served scanner that went offline is simply not among the live ones.
    assert names(rule(scanners=1), [scanner("b")], served=("a",)) == ["b"]


def test_a_named_scanner_is_the_only_one() -> None:
    live = [scanner("a"), scanner("b")]
    assert names(rule(scanner="b", scanners=2), live) == ["b"]


@pytest.mark.parametrize(
    ("fields", "live", "reason"),
    [
        ({}, [], "no live linux scanner; the job waits for one"),
        ({"os": "windows"}, [scanner("a")], "no live windows scanner; the job waits for one"),
        (
            {"scanner": "gone"},
            [scanner("a")],
            "scanner 'gone' is offline; the rule names it, so the job waits for it (set the "
            "rule's scanner to auto to use any linux scanner)",
        ),
        (
            {"scanner": "a", "os": "windows"},
            [scanner("a")],
            "scanner 'a' is a linux scanner and this rule scans windows images; the job waits",
        ),
    ],
)
def test_a_job_without_a_usable_scanner_waits_and_says_why(
    fields: dict[str, object], live: list[ScannerRecord], reason: str
) -> None:
    choice = choose_scanners(rule(**fields), live, analyzers=KEY)
    assert choice.scanners == ()
    assert choice.waiting_reason == reason


def test_scanners_with_other_analyzers_get_no_work() -> None:
    # Their inventories would be stored under another analyzer key: the dispatcher could
    # not read them back, so it never hands them images.
    other = [scanner("old", analyzers="analyzers-0")]
    auto = choose_scanners(rule(), other, analyzers=KEY)
    assert auto.scanners == ()
    assert auto.waiting_reason is not None
    assert "other analyzer versions" in auto.waiting_reason
    named = choose_scanners(rule(scanner="old"), other, analyzers=KEY)
    assert named.scanners == ()
    assert named.waiting_reason is not None
    assert "other analyzer versions" in named.waiting_reason


def test_a_scanner_is_alive_until_three_beats_are_missed_or_it_stops() -> None:
    record = scanner("a")
    assert record.alive(NOW + timedelta(seconds=15), 15)
    assert not record.alive(NOW + timedelta(seconds=16), 15)
    stopped = ScannerRecord(**{**record.__dict__, "stopped_at": NOW})
    assert not stopped.alive(NOW, 15)
