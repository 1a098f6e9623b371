"""Scan rules (registry settings, SPEC §1): the list, the "Add registry settings" form,
editing, deleting, and "scan now".

The form is drawn from :class:`~regsentry.model.rule.ScanRule`, so its fields, defaults
and help texts are the model's own. "Add a new credential" on the form submits what was
typed so far and comes back to it with the new credential chosen, so nothing typed is
lost (and no JavaScript is needed).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from regsentry.api.routes.scans import scanners
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
    Id,
    UIRoute,
    console,
    flash,
    form_data,
    form_user,
    not_found,
    page_user,
    redirect,
    render,
)
from regsentry.db.console_store import NameTakenError, UserRecord
from regsentry.errors import ConfigError
from regsentry.model.rule import ScanRule
from regsentry.service.console.rules import RuleView

router = APIRouter(route_class=UIRoute)

LABELS = {
    "name": "Name",
    "version": "Registry kind",
    "registry": "Registry",
    "repository": "Repositories",
    "tag": "Tags",
    "credential": "Credential",
    "os": "Operating system",
    "platforms": "Platforms",
    "scanner": "Scanner",
    "scanners": "Scanners per job",
    "cap": "Images per repository (cap)",
}
VERSION_CHOICES = (
    ("v2", "v2: any Registry v2 / OCI (Harbor, Quay, GitLab …)"),
    ("dockerhub", "dockerhub: Docker Hub"),
    ("ecr", "ecr: Amazon ECR"),
    ("gcr", "gcr: Google Container / Artifact Registry"),
    ("acr", "acr: Azure Container Registry"),
)
#: The form's sections; a field the model gains later lands in "More".
GROUPS = (
    ("Registry", ("name", "version", "registry", "credential")),
    ("What to scan", ("repository", "tag", "cap", "os", "platforms")),
    ("Scanners", ("scanner", "scanners")),
)
#: Model-level messages name these words; their errors go next to these fields.
ALIASES = {"platform": "platforms"}


def rule_fields(request: Request) -> list[FieldSpec]:
    """The rule form's fields; the credential is chosen among the stored ones."""
    stored = console(request).credentials.all()
    credentials = [("", "none: anonymous access")] + [
        (c.name, f"{c.name} ({c.type}, {c.username})") for c in stored
    ]
    return fields_of(
        ScanRule, LABELS, choices={"version": VERSION_CHOICES, "credential": credentials}
    )


def grouped(specs: list[FieldSpec]) -> list[tuple[str, list[FieldSpec]]]:
    """The fields by section, in the model's order within each."""
    by_name = {spec.name: spec for spec in specs}
    placed = {name for _, names in GROUPS for name in names}
    groups = [(legend, [by_name[n] for n in names if n in by_name]) for legend, names in GROUPS]
    leftovers = [spec for spec in specs if spec.name not in placed]
    if leftovers:
        groups.append(("More", leftovers))
    return groups


def _form_page(
    request: Request, rule: RuleView | None, specs: list[FieldSpec], state: FormState, code: int
) -> Response:
    title = f"Edit scan rule {rule.name}" if rule else "Add registry settings"
    return render(
        request,
        "rule_form.html",
        {
            "title": title,
            "rule": rule,
            "groups": grouped(specs),
            "form": state,
            "action": f"/ui/rules/{rule.id}/edit" if rule else "/ui/rules/new",
        },
        section="rules",
        status_code=code,
    )


def _stored(request: Request, rule_id: int) -> RuleView:
    found = console(request).rules.get(rule_id)
    if found is None:
        raise not_found(f"Scan rule {rule_id}")
    return found


@router.get("/ui/rules")
def rules(request: Request, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """Every rule with its schedule, its last job and "scan now"."""
    services = console(request)
    alive = {s.name for s in scanners(request) if s.alive}
    rows: list[dict[str, Any]] = []
    for rule in services.rules.all():
        last = services.store.jobs(limit=1, rule_name=rule.name)
        waits = rule.scanner != "auto" and rule.scanner not in alive
        rows.append({"rule": rule, "last": last[0] if last else None, "waits": waits})
    return render(request, "rules.html", {"rows": rows}, section="rules")


def _prefilled(request: Request, specs: list[FieldSpec], base: dict[str, str]) -> dict[str, str]:
    """Values given in the URL (coming back from "add a new credential") win."""
    return {
        spec.name: request.query_params.get(spec.name, base.get(spec.name, "")) for spec in specs
    }


@router.get("/ui/rules/new")
def new_rule(request: Request, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """The "Add registry settings" form, with the defaults filled in."""
    specs = rule_fields(request)
    state = FormState(values=_prefilled(request, specs, initial(None, specs)))
    return _form_page(request, None, specs, state, 200)


@router.get("/ui/rules/{rule_id}/edit")
def edit_rule(
    request: Request, rule_id: Id, _user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """The form with a stored rule's values."""
    rule = _stored(request, rule_id)
    specs = rule_fields(request)
    state = FormState(values=_prefilled(request, specs, initial(rule, specs)))
    return _form_page(request, rule, specs, state, 200)


def _save(request: Request, form: FormData, rule: RuleView | None) -> Response:
    specs = rule_fields(request)
    state = FormState(values=submitted(form, specs))
    if form.get("action") == "add-credential":
        back = f"/ui/rules/{rule.id}/edit" if rule else "/ui/rules/new"
        back += "?" + urlencode({k: v for k, v in state.values.items() if k != "credential"})
        return redirect("/ui/credentials/new?" + urlencode({"next": back}))
    services = console(request)
    try:
        parsed = ScanRule.model_validate(model_input(state.values, specs))
    except ValidationError as exc:
        collect_errors(exc, state, [s.name for s in specs], ALIASES)
        return _form_page(request, rule, specs, state, 422)
    if parsed.credential and services.credentials.get(parsed.credential) is None:
        state.add("credential", f"There is no credential {parsed.credential!r}: add it first.")
        return _form_page(request, rule, specs, state, 422)
    try:
        saved = services.rules.put(parsed, rule.id if rule else None)
    except NameTakenError:
        state.add("name", f"Another rule is named {parsed.name!r}: choose another name.")
        return _form_page(request, rule, specs, state, 409)
    except ConfigError as exc:
        state.add("", str(exc))
        return _form_page(request, rule, specs, state, 422)
    verb = "saved" if rule else "added; it is scanned at the scheduler's next round"
    flash(request, f"Scan rule {saved.name} {verb}.", "success")
    return redirect("/ui/rules")


@router.post("/ui/rules/new")
def create_rule(
    request: Request,
    _user: Annotated[UserRecord, Depends(form_user)],
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Validate with the model; errors are shown next to their fields."""
    return _save(request, form, None)


@router.post("/ui/rules/{rule_id}/edit")
def update_rule(
    request: Request,
    rule_id: Id,
    _user: Annotated[UserRecord, Depends(form_user)],
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Replace a rule."""
    return _save(request, form, _stored(request, rule_id))


@router.get("/ui/rules/{rule_id}/delete")
def confirm_delete(
    request: Request, rule_id: Id, _user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """Ask before deleting."""
    rule = _stored(request, rule_id)
    return render(
        request,
        "confirm.html",
        {
            "title": f"Delete scan rule {rule.name}?",
            "message": "Its images are no longer scanned. Their results stay and age out "
            "with the retention period.",
            "action": f"/ui/rules/{rule_id}/delete",
            "button": "Delete rule",
            "back": "/ui/rules",
        },
        section="rules",
    )


@router.post("/ui/rules/{rule_id}/delete")
def delete_rule(
    request: Request, rule_id: Id, _user: Annotated[UserRecord, Depends(form_user)]
) -> Response:
    """Delete a rule."""
    rule = _stored(request, rule_id)
    console(request).rules.delete(rule_id)
    flash(request, f"Scan rule {rule.name} deleted.", "success")
    return redirect("/ui/rules")


@router.post("/ui/rules/{rule_id}/scan")
async def scan_now(
    request: Request, rule_id: Id, _user: Annotated[UserRecord, Depends(form_user)]
) -> Response:
    """Start the rule's job (or join the running one) and follow its progress."""
    _stored(request, rule_id)
    job = await console(request).jobs.start(rule_id, "user")
    return redirect(f"/ui/scans/{job.id}")
