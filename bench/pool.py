"""Benchmark: the same job on a pool of 1, then 2 scanner processes.

    .venv/bin/python -m bench.pool [--images 60] [--layer-mb 30] [--concurrency 2]

A local docker-registry holds ``--images`` images, each with its own compressible layer
of about ``--layer-mb`` MB made of many files, so the job is dominated by layer work
(inflating, hashing, walking the tar). Each round starts from an empty PostgreSQL schema
(nothing reused from an earlier round), starts the scanners (``regsentry scanner``, Redis
broker), waits until they are online, then times ``regsentry scan`` submitting the job to
the pool. Printed: images/s for 1 and 2 scanners and their ratio (goal >= 1.6x on two
cores), with the in-process scan of the same job for reference, and the share of the
machine's cores that was busy. One scanner already runs its layer work on threads
(inflating and hashing release the GIL), so on two cores a second scanner process can
only add what the first left idle; the same rounds are therefore also run with each
scanner pinned to a core of its own (``taskset``), which is what the pool gives when
every scanner has its own host.

Needs Debian's docker-registry, PostgreSQL on 127.0.0.1:5432 and Redis on 6379.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from tests.service.scan_support import OS_RELEASE, stanza
from tests.support.images import Pusher, gzip_layer, image_from_layers
from tests.support.postgres import PG_URL
from tests.support.registry_server import RunningRegistry, start_registry

from bench.timing import compile_bytecode

REDIS_URL = os.environ.get("REGSENTRY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def populate(registry: RunningRegistry, images: int, layer_mb: float) -> None:
    """Images whose one layer is ``layer_mb`` MB of base64 text in 64 KB files (and a
    Debian os-release and dpkg status, so that each is scanned, not failed)."""
    rng = random.Random(11)
    files_per_layer = max(1, int(layer_mb * 1_000_000 / 65_536))
    pusher = Pusher(registry.url)
    for number in range(images):
        files = {
            f"srv/app{number}/file{index}.txt": base64.b64encode(rng.randbytes(49_152))
            for index in range(files_per_layer)
        }
        files["etc/os-release"] = OS_RELEASE
        files["var/lib/dpkg/status"] = stanza("bash", "5.2.15-2+b2", "bash (5.2.15-2)")
        pusher.push(f"bench/app{number}", image_from_layers((gzip_layer(files),)), "v1")
    pusher.close()


@contextmanager
def fresh_schema() -> Iterator[str]:
    """An empty PostgreSQL schema for one round, dropped afterwards."""
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def environment(home: Path, db_url: str, broker: str) -> dict[str, str]:
    return {
        **os.environ,
        "REGSENTRY_HOME": str(home),
        "REGSENTRY_DB_URL": db_url,
        "REGSENTRY_BROKER_URL": broker,
        "REGSENTRY_SCANNER_HEARTBEAT": "1",
    }


def online(env: dict[str, str], count: int) -> bool:
    listing = subprocess.run(
        [sys.executable, "-m", "regsentry", "scanners", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return listing.stdout.count('"online": true') >= count


def busy_cores_seconds() -> float:
    """CPU seconds the whole machine spent busy so far (every process: the registry,
    the scanners, the dispatcher), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


USAGE: dict[str, float] = {}


def timed_scan(registry: RunningRegistry, env: dict[str, str], home: Path, label: str) -> float:
    busy = busy_cores_seconds()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "regsentry", "scan", registry.url, "--repo", "bench/*",
         "--cap", "0", "--format", "json", "--output", str(home / "report.json")],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    USAGE[label] = (busy_cores_seconds() - busy) / seconds
    return seconds


def pool_round(
    registry: RunningRegistry, work: Path, scanners: int, concurrency: int, *, pin: bool
) -> float:
    """Seconds for the job on ``scanners`` scanner processes (with ``pin``, scanner n
    may use core n only, as if each had a machine of one core)."""
    home = work / f"home-{scanners}-{pin}"
    with fresh_schema() as db_url:
        env = environment(home, db_url, REDIS_URL)
        prefix = secrets.token_hex(3)
        processes = [
            subprocess.Popen(
                [
                    *(["taskset", "-c", str(n % (os.cpu_count() or 1))] if pin else []),
                    sys.executable,
                    "-m",
                    "regsentry",
                    "scanner",
                    "--name",
                    f"{prefix}-{n}",
                    "--concurrency",
                    str(concurrency),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(scanners)
        ]
        try:
            deadline = time.monotonic() + 60
            while not online(env, scanners):
                if time.monotonic() > deadline:
                    raise SystemExit("the scanners did not come online")
                time.sleep(0.5)
            return timed_scan(registry, env, home, f"{scanners}{'p' if pin else ''}")
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)


def in_process_round(registry: RunningRegistry, work: Path) -> float:
    home = work / "home-local"
    with fresh_schema() as db_url:
        env = environment(home, db_url, "")
        return timed_scan(registry, env, home, "local")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--layer-mb", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=2, help="Threads per scanner.")
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="regsentry-bench-pool-") as directory:
        work = Path(directory)
        registry = start_registry(work / "registry")
        try:
            print(f"pushing {args.images} images of ~{args.layer_mb} MB …", flush=True)
            populate(registry, args.images, args.layer_mb)
            local = in_process_round(registry, work)
            one = pool_round(registry, work, 1, args.concurrency, pin=False)
            two = pool_round(registry, work, 2, args.concurrency, pin=False)
            one_pinned = pool_round(registry, work, 1, args.concurrency, pin=True)
            two_pinned = pool_round(registry, work, 2, args.concurrency, pin=True)
        finally:
            registry.stop()
    rate = {label: args.images / seconds for label, seconds in
            (("local", local), ("one", one), ("two", two), ("one_pinned", one_pinned),
             ("two_pinned", two_pinned))}  # fmt: skip
    print(f"cores: {os.cpu_count()}; {args.images} images, one ~{args.layer_mb} MB layer each")
    cores = "cores busy (machine-wide, registry included)"
    print(f"in-process (no pool):  {local:6.2f} s  {rate['local']:6.2f} images/s  "
          f"{USAGE['local']:.2f} {cores}")  # fmt: skip
    print(f"pool, 1 scanner:       {one:6.2f} s  {rate['one']:6.2f} images/s  "
          f"{USAGE['1']:.2f} {cores}")  # fmt: skip
    print(f"pool, 2 scanners:      {two:6.2f} s  {rate['two']:6.2f} images/s  "
          f"{USAGE['2']:.2f} {cores}")  # fmt: skip
    print(f"2 scanners / 1 scanner: {rate['two'] / rate['one']:.2f}x (goal >= 1.6x)")
    print("each scanner pinned to its own core (one core per scanner, as on separate hosts):")
    print(f"pool, 1 scanner:       {one_pinned:6.2f} s  {rate['one_pinned']:6.2f} images/s  "
          f"{USAGE['1p']:.2f} {cores}")  # fmt: skip
    print(f"pool, 2 scanners:      {two_pinned:6.2f} s  {rate['two_pinned']:6.2f} images/s  "
          f"{USAGE['2p']:.2f} {cores}")  # fmt: skip
    print(f"2 scanners / 1 scanner: {rate['two_pinned'] / rate['one_pinned']:.2f}x (goal >= 1.6x)")


if __name__ == "__main__":
    main()
