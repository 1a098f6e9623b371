"""Who is calling: browser sessions (with CSRF protection), HTTP Basic, or API tokens.

Everything but ``/healthz`` needs a user. Browsers log in once and carry a signed session
cookie; state-changing requests from a session must echo its CSRF token (header
``X-CSRF-Token`` or form field ``csrf_token``), so another site cannot act for them. API
clients send ``Authorization: Basic`` or ``Authorization: Bearer <token>`` on every
request and need no CSRF token. Wrong or missing credentials are a 401 and nothing else;
repeated failures are slowed down (see :class:`~regsentry.service.console.auth.Throttle`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets

from fastapi import HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from regsentry.db.console_store import UserRecord
from regsentry.service.console.services import ConsoleServices

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def services(request: Request) -> ConsoleServices:
    """The console's services, from the application state."""
    return request.app.state.services  # type: ignore[no-any-return]


def client_of(request: Request) -> str:
    """The caller's address, for throttling."""
    return request.client.host if request.client else "unknown"


def unauthorized(message: str = "authentication required") -> HTTPException:
    """A 401 that says how to authenticate, and nothing more."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=message,
        headers={"WWW-Authenticate": 'Basic realm="regsentry", charset="UTF-8"'},
    )


def start_session(request: Request, user: UserRecord) -> str:
    """Log a browser in (a fresh session, nothing from before kept); returns its CSRF
    token. The signed cookie names a server-side session, so logging out ends it."""
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["sid"] = services(request).accounts.open_session(user)
    token = secrets.token_urlsafe(24)
    request.session["csrf"] = token
    return token


def session_user(request: Request) -> UserRecord | None:
    """The user of the request's browser session, if it is open."""
    user_id = request.session.get("user_id")
    session_id = request.session.get("sid")
    if not isinstance(user_id, int) or not isinstance(session_id, str):
        return None
    return services(request).accounts.session_user(user_id, session_id)


def end_session(request: Request) -> None:
    """Log the browser session out: on the server (every copy of the cookie) and here."""
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        services(request).accounts.close_session(session_id)
    request.session.clear()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (for forms)."""
    return str(request.session.get("csrf", ""))


def _check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or wrong CSRF token")


def _refuse_cross_site(request: Request) -> None:
    """A browser that once answered the Basic prompt replays those credentials on
    requests another site makes it send (a form posted to "scan now"): such requests
    carry their origin, and a state-changing request from another origin is refused,
    whatever its credentials. API clients send neither header."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-site request refused")
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin.rstrip("/") != expected:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-site request refused")
    elif origin == "null":
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-site request refused")


async def current_user(request: Request) -> UserRecord:
    """The authenticated user of a request, or a 401 (403 for a CSRF failure).

    Password hashing and the failure throttle's waits run on a worker thread: one caller
    guessing passwords must not stall the event loop (and the scans running on it).
    """
    console = services(request)
    if request.method not in SAFE_METHODS:
        _refuse_cross_site(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise unauthorized("malformed Basic credentials") from exc
        user = await run_in_threadpool(
            console.accounts.login, username, password, client_of(request)
        )
        if user is None:
            raise unauthorized("wrong username or password")
        return user
    if scheme.lower() == "bearer":
        user = await run_in_threadpool(console.accounts.by_token, value.strip(), client_of(request))
        if user is None:
            raise unauthorized("unknown API token")
        return user
    user = session_user(request)
    if user is None:
        raise unauthorized()
    if request.method not in SAFE_METHODS:
        submitted = request.headers.get(CSRF_HEADER)
        if submitted is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value_ = form.get("csrf_token")
            submitted = value_ if isinstance(value_, str) else None
        _check_csrf(request, submitted)
    return user
