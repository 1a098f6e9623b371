"""The dashboard (what needs attention) and the system settings.

The dashboard answers "is everything being scanned, and how bad is it": totals per
severity, jobs (live while one runs), unreachable registries, and whether the advisory
database is fresh, since "no findings" from a stale or empty database means little.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
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
from regsentry.api.ui.scan_pages import jobs_context
from regsentry.api.ui.web import (
    UIRoute,
    console,
    flash,
    form_data,
    form_user,
    page_user,
    redirect,
    render,
)
from regsentry.db.console_store import UserRecord
from regsentry.model.advisory import SEVERITIES
from regsentry.service import advisories
from regsentry.service.console.rules import SystemSettings

router = APIRouter(route_class=UIRoute)

LABELS = {
    "scan_interval": "Scan interval (hours)",
    "sync_interval_minutes": "Re-listing interval (minutes)",
    "retention_days": "Retention (days)",
    "registry_concurrency": "Requests per registry",
}
DASHBOARD_JOBS = 8


def _database(request: Request) -> dict[str, object]:
    settings = console(request).settings
    state = advisories.status(settings)
    max_age = timedelta(days=settings.advisory_max_age_days)
    return {
        "freshness": state.freshness(max_age),
        "advisories": state.advisories,
        "sources": state.sources,
        "error": state.error,
        "max_age_days": settings.advisory_max_age_days,
    }


@router.get("/ui")
def dashboard(request: Request, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """Totals, recent jobs, problems."""
    services = console(request)
    registries = services.queries.registries()
    totals = {
        severity: sum(getattr(r.vulnerabilities, severity) for r in registries)
        for severity in SEVERITIES
    }
    jobs = jobs_context(request, None, 0, DASHBOARD_JOBS)
    return render(
        request,
        "dashboard.html",
        {
            "rules": len(services.rules.all()),
            "credentials": len(services.credentials.all()),
            "registries": registries,
            "images": sum(r.images for r in registries),
            "totals": totals,
            "unreachable": [r for r in registries if r.unreachable_since],
            "database": _database(request),
            **jobs,
        },
        section="dashboard",
    )


def settings_fields() -> list[FieldSpec]:
    """The settings form, from :class:`SystemSettings`."""
    return fields_of(SystemSettings, LABELS)


def _settings_page(request: Request, state: FormState, code: int = 200) -> Response:
    return render(
        request,
        "settings.html",
        {"fields": settings_fields(), "form": state, "database": _database(request)},
        section="settings",
        status_code=code,
    )


@router.get("/ui/settings")
def settings(request: Request, _user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    """System settings (and the advisory database's state, read-only)."""
    current = console(request).system.get()
    return _settings_page(request, FormState(values=initial(current, settings_fields())))


@router.post("/ui/settings")
def save_settings(
    request: Request,
    _user: Annotated[UserRecord, Depends(form_user)],
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Validate and store; the scheduler uses them from its next round."""
    specs = settings_fields()
    state = FormState(values=submitted(form, specs))
    try:
        parsed = SystemSettings.model_validate(model_input(state.values, specs))
    except ValidationError as exc:
        collect_errors(exc, state, [s.name for s in specs], {})
        return _settings_page(request, state, 422)
    console(request).system.put(parsed)
    flash(request, "Settings saved; they apply from the scheduler's next round.", "success")
    return redirect("/ui/settings")
