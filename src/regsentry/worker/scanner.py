"""``regsentry scanner``: join the pool and work through the queues of this scanner.

The process registers in the database (offline until it consumes), beats while the
Celery worker runs, and leaves the pool when the worker stops: a clean stop is offline at
once; a killed scanner turns offline after three missed beats, and the dispatcher hands
its unfinished images to another.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from regsentry.config import Settings
from regsentry.db.store import utc_now
from regsentry.errors import ConfigError
from regsentry.service.pool.celery_app import make_app, os_queue, scanner_queue
from regsentry.service.pool.scanners import Heartbeat
from regsentry.service.pool.work import ScannerRuntime
from regsentry.worker.tasks import register_tasks

log = logging.getLogger(__name__)


def run_scanner(settings: Settings, *, name: str, os_name: str, concurrency: int) -> int:
    """Run a scanner until it is stopped; returns the worker's exit code."""
    if not settings.broker_url:
        raise ConfigError(
            "regsentry scanner needs a broker: set REGSENTRY_BROKER_URL (redis://… or "
            "amqp://…), and REGSENTRY_DB_URL to the console's database"
        )
    from celery.signals import worker_ready

    # One line per registry request would drown the worker's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = make_app(settings.broker_url)
    runtime = ScannerRuntime(settings, name)
    heartbeat = Heartbeat(
        runtime.pool,
        name=name,
        os_name=os_name,
        analyzers=runtime.analyzer_key,
        concurrency=concurrency,
        interval=settings.scanner_heartbeat,
        load=runtime.load,
        clock=utc_now,
    )
    try:
        heartbeat.register()
        register_tasks(app, runtime)

        def consuming(**_: Any) -> None:
            log.info("scanner %s (%s) consumes its queues", name, os_name)
            heartbeat.start()

        worker_ready.connect(consuming, weak=False)
        worker = app.Worker(
            hostname=f"{name}@{socket.gethostname()}",
            pool_cls="threads",
            concurrency=concurrency,
            queues=[scanner_queue(name), os_queue(os_name)],
            without_gossip=True,
            without_mingle=True,
            loglevel="INFO",
            quiet=True,
        )
        worker.start()
        return int(worker.exitcode or 0)
    finally:
        heartbeat.stop()
        runtime.close()
