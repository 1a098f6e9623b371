"""The credential store: secrets go in and never come out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status

from regsentry.api.security import current_user, services
from regsentry.service.console.credentials import CredentialInput, CredentialView

router = APIRouter(
    prefix="/api/v1/credentials", tags=["credentials"], dependencies=[Depends(current_user)]
)


@router.get("", response_model=list[CredentialView], summary="List credentials")
def list_credentials(request: Request) -> list[CredentialView]:
    """Names, types, usernames and which rules use them; never secrets."""
    return services(request).credentials.all()


@router.post("", response_model=CredentialView, status_code=status.HTTP_201_CREATED,
             summary="Add a credential")  # fmt: skip
def create_credential(request: Request, body: CredentialInput) -> CredentialView:
    """The secret is encrypted at rest and never shown again (409 if the name exists)."""
    return services(request).credentials.put(body, create=True)


@router.get("/{name}", response_model=CredentialView, summary="One credential")
def get_credential(request: Request, name: str) -> CredentialView:
    """Without its secret."""
    found = services(request).credentials.get(name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no credential {name!r}")
    return found


@router.put("/{name}", response_model=CredentialView, summary="Replace a credential")
def replace_credential(request: Request, name: str, body: CredentialInput) -> CredentialView:
    """The name in the path and in the body must agree."""
    if body.name != name:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="name mismatch")
    if services(request).credentials.get(name) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no credential {name!r}")
    return services(request).credentials.put(body, create=False)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a credential")
def delete_credential(request: Request, name: str) -> None:
    """409 while a rule uses it."""
    if not services(request).credentials.delete(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no credential {name!r}")
