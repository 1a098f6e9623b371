"""What every console page shares: templates, sessions, CSRF, flash messages, error pages.

The web UI is server-rendered: each page is a Jinja2 template (autoescaped) filled from
the same services the REST API calls. Pages work without JavaScript; htmx only enhances
(live job progress). Browser sessions are the only way in here: HTTP Basic and API
tokens are for the REST API, because a browser replays cached Basic credentials on any
cross-site form post, which would defeat the CSRF check.

Failures become HTML pages, not JSON: :class:`UIRoute` turns an ``HTTPException`` from a
handler or a dependency into an error page, and "no session" into a redirect to
``/login`` that comes back afterwards.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from regsentry import __version__
from regsentry.api.params import RowId
from regsentry.api.security import csrf_token, services, session_user
from regsentry.db.console_store import UserRecord
from regsentry.model.advisory import SEVERITIES
from regsentry.service.console.services import ConsoleServices

TEMPLATES_DIR = FilePath(__file__).resolve().parent.parent / "templates"
LOGIN_PATH = "/login"
HOME_PATH = "/ui"

#: Ids and offsets end up in SQL: the API's bounded parameters serve the pages too.
Id = RowId

#: Only this origin's scripts and styles (htmx is served from /static, nothing inline);
#: no framing, forms post only here; pages (findings, CSRF tokens) are not kept in the
#: browser's cache, so "back" after logging out shows nothing.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly in tests
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.globals["urlencode"] = urlencode
    env.globals["severities"] = SEVERITIES
    env.filters["when"] = when
    env.filters["short"] = short_digest
    return env


def when(moment: datetime | None) -> str:
    """A timestamp as people read it, in UTC (the console may serve several time zones)."""
    if moment is None:
        return "—"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def short_digest(digest: str | None, length: int = 12) -> str:
    """``sha256:0123456789ab`` (the full digest goes in a title or a link)."""
    if not digest:
        return "—"
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:length]}" if value else digest[:length]


templates = Jinja2Templates(env=_environment())


def safe_next(target: str | None, default: str = HOME_PATH) -> str:
    """A local path to go back to (never another site: no scheme, no ``//host``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(char in target for char in "\r\n\\"):
        return default
    return target


def login_redirect(request: Request) -> Response:
    """Send a visitor without a session to the login page, and back afterwards."""
    back = request.url.path
    if request.url.query:
        back += "?" + request.url.query
    target = LOGIN_PATH
    if request.method == "GET" and back != HOME_PATH:
        target += "?next=" + quote(back, safe="/")
    if request.headers.get("HX-Request"):
        # htmx would follow a redirect inside its XHR and swap the login page into a
        # fragment; HX-Redirect makes it load the login page as a whole instead.
        return Response(status_code=status.HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message for the next page this browser shows (after a redirect)."""
    pending = list(request.session.get("flash", []))
    pending.append([kind, message])
    request.session["flash"] = pending[-5:]


def _take_flashes(request: Request) -> list[tuple[str, str]]:
    pending = request.session.pop("flash", [])
    return [(str(kind), str(text)) for kind, text in pending]


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = status.HTTP_200_OK,
    section: str = "",
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A whole page: the template with the layout's context (user, CSRF token, flashes)."""
    user = session_user(request)
    full = {
        "user": user,
        "csrf": csrf_token(request),
        "flashes": _take_flashes(request),
        "section": section,
        "path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(
        request, template, full, status_code=status_code, headers=dict(headers or {})
    )


def fragment(request: Request, template: str, context: Mapping[str, Any]) -> HTMLResponse:
    """A piece of a page for htmx to swap in (no layout, flashes left for the next page)."""
    return templates.TemplateResponse(request, template, {"csrf": csrf_token(request), **context})


def redirect(path: str) -> RedirectResponse:
    """After a successful form post: go to a page (303, so a reload does not repost)."""
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def console(request: Request) -> ConsoleServices:
    """The services (re-exported so page modules need one import)."""
    return services(request)


def page_user(request: Request) -> UserRecord:
    """The logged-in user of a page view (else 401, which becomes a login redirect)."""
    user = session_user(request)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="login required")
    return user


async def form_user(request: Request) -> UserRecord:
    """The logged-in user of a form post, whose CSRF token must match the session's."""
    user = page_user(request)
    submitted = request.headers.get("X-CSRF-Token")
    if submitted is None:
        form = await request.form()
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    expected = csrf_token(request)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="The form's security token is missing or out of date: reload the page "
            "and submit it again.",
        )
    return user


async def form_data(request: Request) -> FormData:
    """The posted form (parsed once and cached: the CSRF check has read it already)."""
    return await request.form()


def not_found(what: str) -> HTTPException:
    """A 404 for a missing rule, credential, job or image (rendered as a page)."""
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} does not exist.")


def error_page(request: Request, code: int, message: str) -> Response:
    """An HTML error page with a way back."""
    if code == status.HTTP_401_UNAUTHORIZED:
        return login_redirect(request)
    titles = {400: "Bad request", 403: "Forbidden", 404: "Not found", 409: "Conflict"}
    return render(
        request,
        "error.html",
        {"code": code, "title": titles.get(code, "Error"), "message": message},
        status_code=code,
    )


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class UIRoute(APIRoute):
    """A page route: errors become pages and every answer carries the security headers."""

    def get_route_handler(self) -> Handler:
        """Wrap FastAPI's handler (dependencies run inside it, so their errors too)."""
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except HTTPException as exc:
                response = error_page(request, exc.status_code, str(exc.detail))
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in error['loc'][1:])}: {error['msg']}"
                    for error in exc.errors()
                )
                response = error_page(request, status.HTTP_400_BAD_REQUEST, problems)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return page_handler
