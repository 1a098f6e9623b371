"""Logging in and out, and the user's API tokens.

The login form carries a CSRF token too, bound to a pre-login session, so another site
cannot log a browser into an account of its choosing. A successful login starts a fresh
session (:func:`~regsentry.api.security.start_session`), so nothing from before survives.
A new API token is shown on the page that answers the creating post, once, and that page
is not cached; the list shows only each token's prefix.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from pydantic import ValidationError

from regsentry.api.routes.auth import TokenRequest
from regsentry.api.security import client_of, end_session, session_user, start_session
from regsentry.api.ui.forms import FormState, collect_errors
from regsentry.api.ui.web import (
    LOGIN_PATH,
    Id,
    UIRoute,
    console,
    flash,
    form_user,
    not_found,
    page_user,
    redirect,
    render,
    safe_next,
)
from regsentry.db.console_store import UserRecord

router = APIRouter(route_class=UIRoute)

_LOGIN_CSRF = "login_csrf"


def _login_page(
    request: Request, next_: str, error: str = "", username: str = "", code: int = 200
) -> Response:
    token = request.session.get(_LOGIN_CSRF)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[_LOGIN_CSRF] = token
    return render(
        request,
        "login.html",
        {"login_csrf": token, "next": safe_next(next_), "error": error, "username": username},
        status_code=code,
    )


@router.get(LOGIN_PATH)
def login_form(
    request: Request, next_: Annotated[str, Query(alias="next", max_length=2000)] = ""
) -> Response:
    """The login page (or straight on, for a browser that is logged in already)."""
    if session_user(request) is not None:
        return redirect(safe_next(next_))
    return _login_page(request, next_)


@router.post(LOGIN_PATH)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    """Check the password (failures are slowed down) and start a session."""
    expected = str(request.session.get(_LOGIN_CSRF, ""))
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(
            request, next_, "The login form expired: please try again.", username, 403
        )
    user = console(request).accounts.login(username, password, client_of(request))
    if user is None:
        return _login_page(
            request, next_, "Wrong username or password.", username, status.HTTP_401_UNAUTHORIZED
        )
    start_session(request, user)
    return redirect(safe_next(next_))


@router.post("/logout")
def logout(request: Request, _user: Annotated[UserRecord, Depends(form_user)]) -> Response:
    """End the session (on the server too: a copied cookie is dead as well)."""
    end_session(request)
    flash(request, "You are logged out.")
    return redirect(LOGIN_PATH)


def _tokens_page(
    request: Request,
    user: UserRecord,
    *,
    state: FormState | None = None,
    created: str = "",
    code: int = 200,
) -> Response:
    headers = {"Cache-Control": "no-store"} if created else None
    return render(
        request,
        "tokens.html",
        {
            "tokens": console(request).accounts.tokens(user),
            "form": state or FormState(values={"name": ""}),
            "created": created,
        },
        section="tokens",
        status_code=code,
        headers=headers,
    )


@router.get("/ui/tokens")
def tokens(request: Request, user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """Your API tokens, and a form to create one."""
    return _tokens_page(request, user)


@router.post("/ui/tokens")
def create_token(
    request: Request,
    user: Annotated[UserRecord, Depends(form_user)],
    name: Annotated[str, Form()] = "",
) -> Response:
    """Create a token and show it, this once."""
    state = FormState(values={"name": name})
    try:
        body = TokenRequest(name=name.strip())
    except ValidationError as exc:
        collect_errors(exc, state, ["name"], {})
        return _tokens_page(request, user, state=state, code=422)
    created = console(request).accounts.new_token(user, body.name)
    return _tokens_page(request, user, created=created.secret)


@router.get("/ui/tokens/{token_id}/revoke")
def confirm_revoke(
    request: Request, token_id: Id, user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """Ask before revoking (works without JavaScript)."""
    token = next((t for t in console(request).accounts.tokens(user) if t.id == token_id), None)
    if token is None:
        raise not_found(f"API token {token_id}")
    return render(
        request,
        "confirm.html",
        {
            "title": f"Revoke API token {token.name}?",
            "message": "Clients using it are refused from now on. This cannot be undone.",
            "action": f"/ui/tokens/{token_id}/revoke",
            "button": "Revoke token",
            "back": "/ui/tokens",
        },
        section="tokens",
    )


@router.post("/ui/tokens/{token_id}/revoke")
def revoke(
    request: Request, token_id: Id, user: Annotated[UserRecord, Depends(form_user)]
) -> Response:
    """Revoke one of your tokens."""
    if not console(request).accounts.revoke(user, token_id):
        raise not_found(f"API token {token_id}")
    flash(request, "The API token is revoked.", "success")
    return redirect("/ui/tokens")
