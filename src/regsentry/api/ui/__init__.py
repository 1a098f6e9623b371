"""The console's web UI: server-rendered pages over the same services as the REST API.

Page map (every page but ``/login`` needs a browser session):

- ``/login``, ``/logout``: the session.
- ``/ui``: dashboard (severity totals, jobs live, unreachable registries, advisory DB).
- ``/ui/rules``: scan rules; ``/ui/rules/new`` the "Add registry settings" form;
  ``/ui/rules/{id}/edit``, ``/delete``, ``/scan`` ("scan now").
- ``/ui/credentials`` (``/new``, ``/{name}/edit``, ``/{name}/delete``): write-only secrets.
- ``/ui/scans``, ``/ui/scans/{id}``: jobs and their live progress (htmx polling).
- ``/ui/results`` → ``/ui/results/repositories?registry=`` → ``/ui/images?…`` →
  ``/ui/images/{digest}``; ``/ui/vulnerabilities``: search by CVE or package.
- ``/ui/scanners``, ``/ui/settings``, ``/ui/tokens``.

Templates live in ``regsentry/api/templates``, static files (htmx 2.0.11, vendored from
npm with its license, and one stylesheet) in ``regsentry/api/static``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from regsentry.api.ui import (
    auth_pages,
    credential_pages,
    result_pages,
    rule_pages,
    scan_pages,
    system_pages,
)
from regsentry.api.ui.web import HOME_PATH, UIRoute, not_found, page_user, redirect
from regsentry.db.console_store import UserRecord

router = APIRouter(include_in_schema=False)
for _module in (auth_pages, system_pages, rule_pages, credential_pages, scan_pages, result_pages):
    router.include_router(_module.router)

_fallback = APIRouter(route_class=UIRoute)


@_fallback.get("/ui/{rest:path}")
def unknown_page(rest: str, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """Any other /ui address: an HTML 404 with a way back (declared last, so it only
    catches what no page matched); ``/ui/`` is the dashboard."""
    if not rest:
        return redirect(HOME_PATH)
    raise not_found(f"The page /ui/{rest}")


router.include_router(_fallback)

__all__ = ["HOME_PATH", "router"]
