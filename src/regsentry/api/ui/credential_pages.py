"""The credential store: list, add, replace, delete. Secrets are write-only.

No page ever holds a secret: the list shows names, types and usernames; the edit form
leaves the secret blank and says so, and a form shown again after an error does not
echo the secret that was typed. Adding a credential from the rule form comes back to
that form (``next``) with the new credential chosen.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from regsentry.api.ui.forms import (
    FieldSpec,
    FormState,
    collect_errors,
    fields_of,
    initial,
    model_input,
    submitted,
)
from regsentry.api.ui.web import (
    UIRoute,
    console,
    flash,
    form_data,
    form_user,
    not_found,
    page_user,
    redirect,
    render,
    safe_next,
)
from regsentry.db.console_store import NameTakenError, UserRecord
from regsentry.service.console.credentials import (
    CredentialInput,
    CredentialInUseError,
    CredentialView,
)

router = APIRouter(route_class=UIRoute)

LABELS = {
    "name": "Name",
    "type": "Type",
    "username": "Username",
    "secret": "Secret",
    "session_token": "Session token (aws)",
    "region": "Region (aws)",
    "tenant": "Tenant (azure)",
}
TYPE_CHOICES = (
    ("basic", "basic: username and password"),
    ("token", "token: token name and value (Quay, GitLab …)"),
    ("aws", "aws: access key (ECR)"),
    ("gcp", "gcp: service-account JSON key (GCR, Artifact Registry)"),
    ("azure", "azure: service principal (ACR)"),
)


def credential_fields() -> list[FieldSpec]:
    """The credential form's fields, from :class:`CredentialInput`."""
    return fields_of(CredentialInput, LABELS, choices={"type": TYPE_CHOICES})


def _form_page(
    request: Request,
    stored: CredentialView | None,
    state: FormState,
    next_: str,
    code: int,
) -> Response:
    for spec in credential_fields():
        if spec.kind == "password":
            state.values[spec.name] = ""  # never echo a secret back
    return render(
        request,
        "credential_form.html",
        {
            "title": f"Edit credential {stored.name}" if stored else "Add a credential",
            "stored": stored,
            "fields": credential_fields(),
            "form": state,
            "next": next_,
            "action": f"/ui/credentials/{stored.name}/edit" if stored else "/ui/credentials/new",
        },
        section="credentials",
        status_code=code,
    )


def _stored(request: Request, name: str) -> CredentialView:
    found = console(request).credentials.get(name)
    if found is None:
        raise not_found(f"Credential {name!r}")
    return found


@router.get("/ui/credentials")
def credentials(request: Request, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """Every credential, without secrets, and which rules use it."""
    services = console(request)
    rule_ids = {rule.name: rule.id for rule in services.rules.all()}
    return render(
        request,
        "credentials.html",
        {"credentials": services.credentials.all(), "rule_ids": rule_ids},
        section="credentials",
    )


@router.get("/ui/credentials/new")
def new_credential(
    request: Request,
    _user: Annotated[UserRecord, Depends(page_user)],
    next_: Annotated[str, Query(alias="next", max_length=4000)] = "",
) -> Response:
    """The form for a new credential."""
    state = FormState(values=initial(None, credential_fields()))
    return _form_page(request, None, state, safe_next(next_, ""), 200)


@router.get("/ui/credentials/{name}/edit")
def edit_credential(
    request: Request, name: str, _user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """The form with a stored credential (its secret blank: write-only)."""
    stored = _stored(request, name)
    values = initial(None, credential_fields())
    values.update(name=stored.name, type=stored.type, username=stored.username, **stored.extra)
    return _form_page(request, stored, FormState(values=values), "", 200)


def _save(request: Request, form: FormData, stored: CredentialView | None) -> Response:
    specs = credential_fields()
    state = FormState(values=submitted(form, specs))
    if stored is not None:
        state.values["name"] = stored.name  # a credential is renamed by adding another
    raw_next = form.get("next")
    next_ = safe_next(raw_next if isinstance(raw_next, str) else "", "")
    try:
        data = CredentialInput.model_validate(model_input(state.values, specs))
    except ValidationError as exc:
        collect_errors(exc, state, [s.name for s in specs], {"token": "session_token"})
        return _form_page(request, stored, state, next_, 422)
    try:
        saved = console(request).credentials.put(data, create=stored is None)
    except NameTakenError:
        state.add("name", f"A credential named {data.name!r} exists already.")
        return _form_page(request, stored, state, next_, 409)
    flash(request, f"Credential {saved.name} saved; its secret is stored encrypted.", "success")
    if next_:
        joiner = "&" if "?" in next_ else "?"
        return redirect(next_ + joiner + urlencode({"credential": saved.name}))
    return redirect("/ui/credentials")


@router.post("/ui/credentials/new")
def create_credential(
    request: Request,
    _user: Annotated[UserRecord, Depends(form_user)],
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Add a credential (then go back to the rule form when it came from there)."""
    return _save(request, form, None)


@router.post("/ui/credentials/{name}/edit")
def update_credential(
    request: Request,
    name: str,
    _user: Annotated[UserRecord, Depends(form_user)],
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Replace a credential (the secret must be given again)."""
    return _save(request, form, _stored(request, name))


@router.get("/ui/credentials/{name}/delete")
def confirm_delete(
    request: Request, name: str, _user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """Ask before deleting."""
    stored = _stored(request, name)
    return render(
        request,
        "confirm.html",
        {
            "title": f"Delete credential {stored.name}?",
            "message": "Its encrypted secret is destroyed."
            + (f" Rules using it: {', '.join(stored.used_by)}." if stored.used_by else ""),
            "action": f"/ui/credentials/{stored.name}/delete",
            "button": "Delete credential",
            "back": "/ui/credentials",
        },
        section="credentials",
    )


@router.post("/ui/credentials/{name}/delete")
def delete_credential(
    request: Request, name: str, _user: Annotated[UserRecord, Depends(form_user)]
) -> Response:
    """Delete a credential no rule uses."""
    _stored(request, name)
    try:
        console(request).credentials.delete(name)
    except CredentialInUseError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Credential {name} deleted.", "success")
    return redirect("/ui/credentials")
