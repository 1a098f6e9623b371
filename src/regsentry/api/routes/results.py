"""Results: registries → repositories → images → packages and vulnerabilities."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from regsentry.api.params import Offset
from regsentry.api.security import current_user, services
from regsentry.service.console.results import (
    FindingPage,
    ImageDetail,
    ImagePage,
    RegistryView,
    RepositoryView,
)

router = APIRouter(prefix="/api/v1", tags=["results"], dependencies=[Depends(current_user)])
SeverityFilter = Literal["critical", "high", "medium", "low", "negligible", "unknown"]
StatusFilter = Literal["scanned", "failed", "skipped"]


@router.get("/results/registries", response_model=list[RegistryView], summary="Registries")
def registries(request: Request) -> list[RegistryView]:
    """Every registry seen, with totals."""
    return services(request).queries.registries()


@router.get("/results/registries/{host}/repositories", response_model=list[RepositoryView],
            summary="Repositories of a registry")  # fmt: skip
def repositories(request: Request, host: str) -> list[RepositoryView]:
    """With image and vulnerability totals."""
    return services(request).queries.repositories(host)


@router.get("/images", response_model=ImagePage, summary="Images")
def images(
    request: Request,
    registry: str | None = Query(None, max_length=300),
    repository: str | None = Query(None, max_length=500),
    status_: StatusFilter | None = Query(None, alias="status"),
    stale: bool | None = Query(None, description="Only images no longer listed (or only listed)."),
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=500),
) -> ImagePage:
    """Newest first; paged."""
    return services(request).queries.images(
        registry=registry, repository=repository, status=status_, stale=stale,
        offset=offset, limit=limit,
    )  # fmt: skip


@router.get("/images/{digest}", response_model=ImageDetail, summary="One image")
def image(request: Request, digest: str) -> ImageDetail:
    """Where it was seen, analysed files, packages, findings with why they matched."""
    found = services(request).queries.image(digest)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no image {digest}")
    return found


@router.get("/vulnerabilities", response_model=FindingPage, summary="Search findings")
def vulnerabilities(
    request: Request,
    q: str | None = Query(None, max_length=300, description="CVE or advisory id, or package."),
    severity: SeverityFilter | None = None,
    fixable: bool | None = Query(None, description="Only findings with (or without) a fix."),
    known_exploited: bool | None = None,
    image: str | None = Query(None, max_length=140, description="One image's digest."),
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=500),
) -> FindingPage:
    """Current findings across every image."""
    return services(request).queries.findings(
        query=q, severity=severity, fixable=fixable, known_exploited=known_exploited,
        image=image, offset=offset, limit=limit,
    )  # fmt: skip


@router.get("/changes", summary="New and fixed since the last match")
def changes(request: Request) -> dict[str, Any]:
    """Findings that appeared, and that went away, in the last matching pass."""
    return services(request).queries.changes()
