"""Benchmark: enumerate 1,000 tags with ``regsentry scan --dry-run --cap 0`` against a
sequential curl loop (GET manifest, then GET config, per tag) over the same tags, in the
same run, on a local docker-registry.

    .venv/bin/python -m bench.enumerate [--tags 1000] [--rounds 3]

Goal (issue 2): at least 10x the sequential loop. Prints figures; asserts nothing.
"first listing" starts from an empty REGSENTRY_HOME; "re-listing" runs again on the same
home, where image configs (the registry's most expensive answers) come from the content
cache, as they do for the scheduler's frequent re-listing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.images import Pusher, build_image
from tests.support.registry_server import start_registry

from bench.timing import compile_bytecode, median_seconds

REPOSITORY = "bench/app"
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def populate(pusher: Pusher, count: int) -> list[str]:
    """``count`` distinct images (own layer, config and date), one tag each."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    tags = [f"v{number:04d}" for number in range(count)]
    for number, tag in enumerate(tags):
        image = build_image(created=base + timedelta(minutes=number), label=str(number))
        pusher.push(REPOSITORY, image, tag)
    return tags


def curl(url: str, accept: str | None = None) -> bytes:
    command = ["curl", "-sf", url]
    if accept:
        command[2:2] = ["-H", f"Accept: {accept}"]
    return subprocess.run(command, capture_output=True, check=True).stdout


def curl_loop(base_url: str, tags: list[str]) -> None:
    """The baseline: what a shell script would do, one request after another."""
    for tag in tags:
        manifest = json.loads(curl(f"{base_url}/v2/{REPOSITORY}/manifests/{tag}", ACCEPT))
        curl(f"{base_url}/v2/{REPOSITORY}/blobs/{manifest['config']['digest']}")


def regsentry_dry_run(base_url: str, expected: int, home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "regsentry", "scan", base_url, "--repo", REPOSITORY, "--cap", "0",
         "--dry-run", "--format", "json"],
        capture_output=True, check=True, text=True, env={**os.environ, "REGSENTRY_HOME": str(home)},
    )  # fmt: skip
    planned = json.loads(result.stdout)["summary"]["planned"]
    if planned != expected:
        raise SystemExit(f"regsentry planned {planned} images, expected {expected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="regsentry-bench-") as directory:
        registry = start_registry(Path(directory))
        try:
            pusher = Pusher(registry.url)
            print(f"pushing {args.tags} images to {registry.url} …", flush=True)
            tags = populate(pusher, args.tags)
            pusher.close()
            homes = iter(range(10**6))

            def cold() -> None:
                # A fresh REGSENTRY_HOME: nothing cached, every manifest and config fetched.
                regsentry_dry_run(registry.url, len(tags), Path(directory) / f"h{next(homes)}")

            def warm() -> None:
                # The same home again: configs come from the content cache, tags are re-read.
                regsentry_dry_run(registry.url, len(tags), Path(directory) / "warm")

            ours_cold = median_seconds(cold, args.rounds)
            warm()
            ours_warm = median_seconds(warm, args.rounds)
            baseline = median_seconds(lambda: curl_loop(registry.url, tags), args.rounds)
        finally:
            registry.stop()
    print(f"tags: {len(tags)}, rounds: {args.rounds} (medians)")
    print(f"sequential curl loop    : {baseline:7.2f} s  {len(tags) / baseline:8.0f} tags/s")
    for label, ours in (("first listing", ours_cold), ("re-listing", ours_warm)):
        print(
            f"regsentry, {label:13}: {ours:7.2f} s  {len(tags) / ours:8.0f} tags/s  "
            f"ratio {baseline / ours:5.1f}x  (goal: >= 10x)"
        )


if __name__ == "__main__":
    main()
