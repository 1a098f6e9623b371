"""Logging in and out (browser sessions) and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from regsentry.api.params import RowId
from regsentry.api.security import (
    client_of,
    current_user,
    end_session,
    services,
    start_session,
    unauthorized,
)
from regsentry.db.console_store import UserRecord

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Login(BaseModel):
    """Credentials of a console user."""

    username: str = Field(max_length=100)
    password: str = Field(max_length=1000)


class SessionInfo(BaseModel):
    """A browser session: send ``csrf_token`` as ``X-CSRF-Token`` on changes."""

    username: str
    csrf_token: str


class TokenRequest(BaseModel):
    """A new API token's name."""

    name: str = Field(min_length=1, max_length=100)


class TokenView(BaseModel):
    """An API token (its secret is never shown again)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class NewTokenView(TokenView):
    """A token just created: ``token`` is shown this once."""

    token: str


@router.post("/auth/login", response_model=SessionInfo, summary="Start a browser session")
def login(request: Request, body: Login) -> SessionInfo:
    """Checks the password (failures slow down) and sets the session cookie."""
    user = services(request).accounts.login(body.username, body.password, client_of(request))
    if user is None:
        raise unauthorized("wrong username or password")
    return SessionInfo(username=user.username, csrf_token=start_session(request, user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the session")
def logout(request: Request, _user: Annotated[UserRecord, Depends(current_user)]) -> None:
    """Ends the session on the server (a copy of the cookie is dead too) and clears it."""
    end_session(request)


@router.get("/tokens", response_model=list[TokenView], summary="Your API tokens")
def tokens(request: Request, user: Annotated[UserRecord, Depends(current_user)]) -> list[TokenView]:
    """Without their secrets."""
    return [TokenView(**vars(t)) for t in services(request).accounts.tokens(user)]


@router.post("/tokens", response_model=NewTokenView, status_code=status.HTTP_201_CREATED,
             summary="Create an API token")  # fmt: skip
def create_token(
    request: Request, body: TokenRequest, user: Annotated[UserRecord, Depends(current_user)]
) -> NewTokenView:
    """The token is in the answer once; send it as ``Authorization: Bearer <token>``."""
    created = services(request).accounts.new_token(user, body.name)
    return NewTokenView(**vars(created.record), token=created.secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Revoke an API token")  # fmt: skip
def revoke_token(
    request: Request, token_id: RowId, user: Annotated[UserRecord, Depends(current_user)]
) -> None:
    """404 when you have no such token."""
    if not services(request).accounts.revoke(user, token_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such token")
