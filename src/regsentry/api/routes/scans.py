"""Scan jobs: list, progress, cancel; and the scanners."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from regsentry.api.params import Offset, RowId
from regsentry.api.security import current_user, services
from regsentry.db.console_store import JobRecord

router = APIRouter(prefix="/api/v1", tags=["scans"], dependencies=[Depends(current_user)])


class Progress(BaseModel):
    """Images of a job by state."""

    planned: int = Field(description="Images the job covers (after listing).")
    pending: int
    scanned: int
    failed: int
    skipped: int


class JobView(BaseModel):
    """A scan job."""

    id: int
    rule: str
    status: str = Field(description="running, completed, failed or cancelled")
    trigger: str = Field(description="user, schedule, sync or cli")
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    progress: Progress
    waiting_reason: str | None = Field(
        None, description="Why a running job makes no progress (e.g. its scanner is offline)."
    )


class ScannerView(BaseModel):
    """A scanner of the pool (the embedded default: the console itself)."""

    name: str
    os: str
    version: str
    running_jobs: int = Field(description="Jobs with images on this scanner now.")
    alive: bool = Field(description="Its heartbeats arrive (offline after three missed).")
    load: int = Field(description="Images being analysed now.")
    concurrency: int = Field(description="Images it analyses at once.")
    last_seen: datetime | None = Field(description="Its last heartbeat (none in-process).")
    host: str


def job_view(job: JobRecord) -> JobView:
    """The API shape of a job."""
    counts = job.counts
    return JobView(
        id=job.id,
        rule=job.rule_name,
        status=job.status,
        trigger=job.trigger,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        progress=Progress(
            planned=sum(counts.values()),
            pending=counts.get("pending", 0),
            scanned=counts.get("scanned", 0),
            failed=counts.get("failed", 0),
            skipped=counts.get("skipped", 0),
        ),
        waiting_reason=job.waiting_reason,
    )


@router.get("/scans", response_model=list[JobView], summary="Recent scan jobs")
def list_jobs(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    offset: Offset = 0,
    rule: str | None = Query(None, max_length=200),
) -> list[JobView]:
    """Newest first."""
    return [
        job_view(j)
        for j in services(request).store.jobs(limit=limit, offset=offset, rule_name=rule)
    ]


@router.get("/scans/{job_id}", response_model=JobView, summary="One job and its progress")
def get_job(request: Request, job_id: RowId) -> JobView:
    """Poll this for live progress."""
    job = services(request).store.job(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no job {job_id}")
    return job_view(job)


@router.post("/scans/{job_id}/cancel", response_model=JobView, summary="Cancel a running job")
async def cancel_job(request: Request, job_id: RowId) -> JobView:
    """404 for an unknown job, 409 when the job is not running. (On the event loop: the
    job is a task of that loop, and only the loop may cancel it.)"""
    console = services(request)
    if console.store.job(job_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no job {job_id}")
    if not console.jobs.cancel(job_id):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"job {job_id} is not running")
    job = console.store.job(job_id)
    assert job is not None
    return job_view(job)


@router.get("/scanners", response_model=list[ScannerView], summary="The scanners")
def scanners(request: Request) -> list[ScannerView]:
    """Online scanners first; a scanner that died stays listed, not alive. In the
    embedded default the console scans itself, for Linux images."""
    return [
        ScannerView.model_validate(info, from_attributes=True)
        for info in services(request).scanners.list()
    ]
