"""The scanner's Celery task: thin, idempotent, acknowledged late (ARCHITECTURE pattern 11)."""

from __future__ import annotations

from typing import Any

from celery import Celery

from regsentry.service.pool.celery_app import SCAN_IMAGE_TASK
from regsentry.service.pool.work import ScannerRuntime, TaskResult

#: Seconds before an image whose registry could not be reached is tried again.
RETRY_DELAY = 5


def register_tasks(app: Celery, runtime: ScannerRuntime) -> None:
    """Register the task on ``app``, bound to this process's runtime."""

    @app.task(  # type: ignore[untyped-decorator]
        name=SCAN_IMAGE_TASK,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=None,
    )
    def scan_image(task: Any, image_id: int) -> str:
        """Finish job image ``image_id`` (a no-op unless it is still this scanner's)."""
        result = runtime.scan_image(int(image_id))
        if result is TaskResult.RETRY:
            raise task.retry(countdown=RETRY_DELAY)
        return result.value
