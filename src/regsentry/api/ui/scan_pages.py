"""Scan jobs with live progress, and the scanners.

Live progress is htmx polling a server-rendered fragment: while a job runs, its
progress block carries ``hx-get``/``hx-trigger="every 1s"`` and replaces itself with the
fragment from ``/ui/scans/{id}/progress``; the fragment of a finished job has no trigger,
so polling stops by itself. Without JavaScript, a ``<noscript>`` refresh reloads the
page while the job runs. The fragment is the same template the page includes, so the
two can never drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from regsentry.api.params import Offset
from regsentry.api.routes.scans import JobView, job_view, scanners
from regsentry.api.ui.web import (
    Id,
    UIRoute,
    console,
    flash,
    form_user,
    fragment,
    not_found,
    page_user,
    redirect,
    render,
)
from regsentry.db.console_store import UserRecord
from regsentry.service.console.rules import RuleView

router = APIRouter(route_class=UIRoute)

JOBS_PER_PAGE = 50


def _job(request: Request, job_id: int) -> JobView:
    found = console(request).store.job(job_id)
    if found is None:
        raise not_found(f"Scan job {job_id}")
    return job_view(found)


def _rule_named(request: Request, name: str) -> RuleView | None:
    return next((r for r in console(request).rules.all() if r.name == name), None)


def progress_context(request: Request, job: JobView) -> dict[str, Any]:
    """What the progress block shows: counts, the bar, and where the results are."""
    progress = job.progress
    done = progress.scanned + progress.failed + progress.skipped
    rule = _rule_named(request, job.rule)
    return {
        "job": job,
        "done": done,
        "rule": rule,
        "registry_host": rule.address.display if rule else None,
        "running": job.status == "running",
    }


def jobs_context(
    request: Request, rule: str | None, offset: int, limit: int = JOBS_PER_PAGE
) -> dict[str, Any]:
    """The jobs table: a page of jobs (``limit`` fewer on the dashboard) and its links."""
    records = console(request).store.jobs(limit=limit + 1, offset=offset, rule_name=rule)
    jobs = [job_view(j) for j in records]
    more = len(jobs) > limit
    jobs = jobs[:limit]
    filters: dict[str, str | int] = {"rule": rule} if rule else {}
    if limit != JOBS_PER_PAGE:
        filters["limit"] = limit
    return {
        "jobs": jobs,
        "rule_filter": rule or "",
        "filters": filters,
        "offset": offset,
        "more": more,
        "limit": limit,
        "compact": limit != JOBS_PER_PAGE,
        "any_running": any(j.status == "running" for j in jobs),
        "rule_ids": {r.name: r.id for r in console(request).rules.all()},
    }


@router.get("/ui/scans")
def scans(
    request: Request,
    _user: Annotated[UserRecord, Depends(page_user)],
    rule: Annotated[str | None, Query(max_length=200)] = None,
    offset: Offset = 0,
) -> Response:
    """Recent jobs, newest first; the table refreshes itself while any job runs."""
    return render(request, "scans.html", jobs_context(request, rule, offset), section="scans")


@router.get("/ui/scans/table")
def scans_table(
    request: Request,
    _user: Annotated[UserRecord, Depends(page_user)],
    rule: Annotated[str | None, Query(max_length=200)] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=JOBS_PER_PAGE)] = JOBS_PER_PAGE,
) -> Response:
    """The jobs table alone (htmx polls it while a job runs)."""
    context = jobs_context(request, rule, offset, limit)
    return fragment(request, "partials/jobs_table.html", context)


@router.get("/ui/scans/{job_id}")
def scan(
    request: Request, job_id: Id, _user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """One job: its progress (live while it runs) and where its results are."""
    job = _job(request, job_id)
    return render(request, "scan.html", progress_context(request, job), section="scans")


@router.get("/ui/scans/{job_id}/progress")
def scan_progress(
    request: Request, job_id: Id, _user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """The progress block alone, for htmx to swap in."""
    job = _job(request, job_id)
    return fragment(request, "partials/progress.html", progress_context(request, job))


@router.post("/ui/scans/{job_id}/cancel")
async def cancel(
    request: Request, job_id: Id, _user: Annotated[UserRecord, Depends(form_user)]
) -> Response:
    """Ask a running job to stop (on the event loop: its task is cancelled from there)."""
    _job(request, job_id)
    if console(request).jobs.cancel(job_id):
        flash(request, f"Scan job {job_id} is being cancelled.", "success")
    else:
        flash(request, f"Scan job {job_id} is not running any more.", "error")
    return redirect(f"/ui/scans/{job_id}")


@router.get("/ui/scanners")
def scanner_list(request: Request, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """The scanners and their health; rules pinned to a scanner that is not there."""
    pool = scanners(request)
    alive = {s.name for s in pool if s.alive}
    pinned = [
        {"rule": rule, "alive": rule.scanner in alive}
        for rule in console(request).rules.all()
        if rule.scanner != "auto"
    ]
    return render(
        request, "scanners.html", {"scanners": pool, "pinned": pinned}, section="scanners"
    )
