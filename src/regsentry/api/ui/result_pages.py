"""Results: registries → repositories → images → one image (layers, packages, findings),
and the vulnerability search (by CVE, advisory id or package).

Tables sort on the server (:mod:`regsentry.api.ui.tables`). Each finding says why it
matched: which package name (binary or source) in which ecosystem, the advisory's range,
and the advisories and sources that said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from regsentry.api.params import Offset
from regsentry.api.ui.tables import PAGE_SIZE, Paging, Sort, severity_rank
from regsentry.api.ui.web import UIRoute, console, not_found, page_user, render
from regsentry.db.console_store import UserRecord
from regsentry.model.advisory import SEVERITIES
from regsentry.service.console.results import (
    FindingView,
    ImageDetail,
    ImageSummary,
    PackageView,
    RegistryView,
    RepositoryView,
    SeverityCounts,
)

router = APIRouter(route_class=UIRoute)

#: The services page through everything; the UI sorts the whole list, then pages it.
ALL = 1_000_000


def worst_first(counts: SeverityCounts | None) -> tuple[int, ...] | None:
    """Sort key: more critical findings first, then more high ones, and so on."""
    if counts is None:
        return None
    return tuple(getattr(counts, severity) for severity in SEVERITIES)


@router.get("/ui/results")
def registries(request: Request, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """Every registry seen, with totals."""
    rows = console(request).queries.registries()
    sort: Sort[RegistryView] = Sort.parse(
        request.query_params,
        {
            "host": lambda r: r.host,
            "repositories": lambda r: r.repositories,
            "images": lambda r: r.images,
            "severity": lambda r: worst_first(r.vulnerabilities),
        },
        "host",
    )
    return render(
        request, "results.html", {"rows": sort.apply(rows), "sort": sort}, section="results"
    )


@router.get("/ui/results/repositories")
def repositories(
    request: Request,
    _user: Annotated[UserRecord, Depends(page_user)],
    registry: Annotated[str, Query(min_length=1, max_length=300)],
) -> Response:
    """The repositories of one registry."""
    rows = console(request).queries.repositories(registry)
    sort: Sort[RepositoryView] = Sort.parse(
        request.query_params,
        {
            "name": lambda r: r.name,
            "images": lambda r: r.images,
            "severity": lambda r: worst_first(r.vulnerabilities),
        },
        "name",
    )
    return render(
        request,
        "repositories.html",
        {"registry": registry, "rows": sort.apply(rows), "sort": sort},
        section="results",
    )


@router.get("/ui/images")
def images(
    request: Request,
    _user: Annotated[UserRecord, Depends(page_user)],
    registry: Annotated[str | None, Query(max_length=300)] = None,
    repository: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[Literal["", "scanned", "failed", "skipped"], Query()] = "",
    stale: Annotated[Literal["", "yes", "no"], Query()] = "",
) -> Response:
    """Images, newest first by default; filter by registry, repository, status, staleness."""
    found = console(request).queries.images(
        registry=registry or None,
        repository=repository or None,
        status=status or None,
        stale={"yes": True, "no": False}.get(stale),
        limit=ALL,
    )
    sort: Sort[ImageSummary] = Sort.parse(
        request.query_params,
        {
            "created": lambda i: i.created,
            "repository": lambda i: (i.registry, i.repository),
            "tags": lambda i: ", ".join(i.tags),
            "status": lambda i: i.status,
            "severity": lambda i: worst_first(i.vulnerabilities),
        },
        "created",
        descending=True,
    )
    ordered = sort.apply(found.items)
    paging = Paging.parse(request.query_params, len(ordered))
    filters = {
        "registry": registry or "",
        "repository": repository or "",
        "status": status,
        "stale": stale,
    }
    return render(
        request,
        "images.html",
        {"rows": paging.slice(ordered), "sort": sort, "paging": paging, "filters": filters},
        section="results",
    )


@dataclass
class Layer:
    """A layer as the analysis saw it: the files read from it and the packages it added."""

    digest: str
    files: list[str] = field(default_factory=list)
    packages: int = 0


def layers_of(image: ImageDetail) -> list[Layer]:
    """The layers that held analysed files or installed packages, in image order."""
    found: dict[str, Layer] = {}
    for item in image.analysed_files:
        found.setdefault(item["layer"], Layer(item["layer"])).files.append(item["path"])
    for package in image.packages:
        if package.layer:
            found.setdefault(package.layer, Layer(package.layer)).packages += 1
    return list(found.values())


def why(finding: FindingView) -> dict[str, Any]:
    """The finding's match detail, with defaults for what an older record lacks."""
    match = finding.match
    return {
        "matched_by": str(match.get("matched_by", "package")),
        "name": str(match.get("matched_name", finding.package)),
        "ecosystem": str(match.get("ecosystem", "")),
        "constraint": str(match.get("constraint", "")),
        "advisories": [str(a) for a in match.get("advisory_ids", [])],
        "sources": [str(s) for s in match.get("sources", [])],
    }


@router.get("/ui/images/{digest}")
def image(
    request: Request, digest: str, _user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """One image: where it was seen, its layers, packages, and findings with why."""
    detail = console(request).queries.image(digest)
    if detail is None:
        raise not_found(f"Image {digest}")
    findings: Sort[FindingView] = Sort.parse(
        request.query_params,
        {
            "severity": lambda f: (severity_rank(f.severity), -(f.cvss_score or 0), f.id),
            "id": lambda f: f.id,
            "package": lambda f: (f.package, f.id),
            "cvss": lambda f: f.cvss_score,
            "fixed": lambda f: f.fixed_version,
        },
        "severity",
        prefix="f_",
    )
    packages: Sort[PackageView] = Sort.parse(
        request.query_params,
        {
            "name": lambda p: (p.name, p.version),
            "type": lambda p: (p.type, p.name),
            "source": lambda p: (p.source_name, p.name),
            "layer": lambda p: p.layer,
        },
        "name",
        prefix="p_",
    )
    return render(
        request,
        "image.html",
        {
            "image": detail,
            "findings": [(f, why(f)) for f in findings.apply(detail.findings)],
            "finding_sort": findings,
            "packages": packages.apply(detail.packages),
            "package_sort": packages,
            "layers": layers_of(detail),
        },
        section="results",
    )


@router.get("/ui/vulnerabilities")
def vulnerabilities(
    request: Request,
    _user: Annotated[UserRecord, Depends(page_user)],
    q: Annotated[str, Query(max_length=300)] = "",
    severity: Annotated[
        Literal["", "critical", "high", "medium", "low", "negligible", "unknown"], Query()
    ] = "",
    fixable: Annotated[Literal["", "yes", "no"], Query()] = "",
    offset: Offset = 0,
) -> Response:
    """Current findings across every image: search by CVE, advisory id or package."""
    page = console(request).queries.findings(
        query=q.strip() or None,
        severity=severity or None,
        fixable={"yes": True, "no": False}.get(fixable),
        offset=offset,
        limit=PAGE_SIZE,
    )
    paging = Paging(offset, PAGE_SIZE, page.total, request.query_params)
    return render(
        request,
        "vulnerabilities.html",
        {
            "rows": [(f, why(f)) for f in page.items],
            "paging": paging,
            "filters": {"q": q, "severity": severity, "fixable": fixable},
        },
        section="vulnerabilities",
    )
