"""``/healthz`` (no authentication) and Prometheus ``/metrics``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regsentry.api.security import current_user, services
from regsentry.db.console_store import UserRecord
from regsentry.db.tables import FindingRow, Image, ScanJob

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the console answers and its database too")
def healthz(request: Request) -> dict[str, str]:
    """No authentication: for load balancers and orchestrators."""
    with Session(services(request).results.engine) as session:
        session.execute(select(1))
    return {"status": "ok"}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request, _user: Annotated[UserRecord, Depends(current_user)]) -> Response:
    """Images, current findings per severity, running jobs."""
    registry = CollectorRegistry()
    images = Gauge("regsentry_images", "Stored images by status", ["status"], registry=registry)
    findings = Gauge(
        "regsentry_findings", "Unresolved findings by severity", ["severity"], registry=registry
    )
    jobs = Gauge("regsentry_scan_jobs_running", "Scan jobs running", registry=registry)
    with Session(services(request).results.engine) as session:
        for status_, count in session.execute(
            select(Image.status, func.count()).group_by(Image.status)
        ):
            images.labels(status_).set(count)
        for severity, count in session.execute(
            select(FindingRow.severity, func.count())
            .where(FindingRow.resolved_at.is_(None))
            .group_by(FindingRow.severity)
        ):
            findings.labels(severity).set(count)
        jobs.set(
            session.scalar(select(func.count(ScanJob.id)).where(ScanJob.status == "running")) or 0
        )
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
