"""The Celery application both sides of the pool share: names, queues and settings.

Messages carry only a job image's id (ARCHITECTURE pattern 11): everything else, the
credentials included, is read from the database by the scanner that claims the image.
Tasks are acknowledged late and rejected when their worker is lost, so the broker
redelivers a message whose scanner died; the claim in the database makes a redelivered
or duplicated message harmless.
"""

from __future__ import annotations

from celery import Celery

#: The one task: finish one image of a pooled job.
SCAN_IMAGE_TASK = "regsentry.scan_image"


def scanner_queue(name: str) -> str:
    """The queue only the scanner called ``name`` consumes (the dispatcher's target)."""
    return f"scanner.{name}"


def os_queue(os_name: str) -> str:
    """The queue every scanner of an OS consumes: work that any of them may take."""
    return f"os.{os_name}"


def make_app(broker_url: str) -> Celery:
    """A Celery app on ``broker_url`` (``redis://…`` or ``amqp://…``), no result backend:
    results go to the store, and progress is read from it."""
    app = Celery("regsentry", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_connection_retry_on_startup=True,
        # Redis redelivers an unacknowledged message after this long (RabbitMQ does so
        # as soon as the worker's connection drops); longer than any one image takes.
        broker_transport_options={"visibility_timeout": 3600},
        task_default_queue="regsentry",
    )
    return app
