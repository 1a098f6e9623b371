"""Scan jobs: list, progress, cancel; and the scanners."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from regsentry import __version__
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


class ScannerView(BaseModel):
    """A scanner of the pool (the embedded default: the console itself)."""

    name: str
    os: str
    version: str
    running_jobs: int
    alive: bool


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
    )


@router.get("/scans", response_model=list[JobView], summary="Recent scan jobs")
def list_jobs(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    rule: str | None = Query(None, max_length=200),
) -> list[JobView]:
    """Newest first."""
    return [
        job_view(j)
        for j in services(request).store.jobs(limit=limit, offset=offset, rule_name=rule)
    ]


@router.get("/scans/{job_id}", response_model=JobView, summary="One job and its progress")
def get_job(request: Request, job_id: int) -> JobView:
    """Poll this for live progress."""
    job = services(request).store.job(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no job {job_id}")
    return job_view(job)


@router.post("/scans/{job_id}/cancel", response_model=JobView, summary="Cancel a running job")
def cancel_job(request: Request, job_id: int) -> JobView:
    """409 when the job is not running."""
    console = services(request)
    if not console.jobs.cancel(job_id):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"job {job_id} is not running")
    job = console.store.job(job_id)
    assert job is not None
    return job_view(job)


@router.get("/scanners", response_model=list[ScannerView], summary="The scanners")
def scanners(request: Request) -> list[ScannerView]:
    """In the embedded default the console scans itself, for Linux images."""
    running = sum(1 for j in services(request).store.running_jobs())
    return [ScannerView(name="console", os="linux", version=__version__,
                        running_jobs=running, alive=True)]  # fmt: skip
