"""Scan rules (``/api/v1/registries``; SPEC §1 fields) and "scan now"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from regsentry.api.params import RowId
from regsentry.api.routes.scans import JobView, job_view
from regsentry.api.security import current_user, services
from regsentry.db.console_store import UserRecord
from regsentry.model.rule import ScanRule
from regsentry.service.console.rules import RuleView

router = APIRouter(
    prefix="/api/v1/registries", tags=["registries"], dependencies=[Depends(current_user)]
)


def _rule(request: Request, rule_id: int) -> RuleView:
    found = services(request).rules.get(rule_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no rule {rule_id}")
    return found


@router.get("", response_model=list[RuleView], summary="List scan rules")
def list_rules(request: Request) -> list[RuleView]:
    """Every rule with its schedule."""
    return services(request).rules.all()


@router.post("", response_model=RuleView, status_code=status.HTTP_201_CREATED,
             summary="Add a scan rule")  # fmt: skip
def create_rule(request: Request, rule: ScanRule) -> RuleView:
    """Fields exactly as SPEC §1; invalid ones are a 422 naming the field. New rules are
    scanned at the scheduler's next round."""
    return services(request).rules.put(rule)


@router.get("/{rule_id}", response_model=RuleView, summary="One scan rule")
def get_rule(request: Request, rule_id: RowId) -> RuleView:
    """404 when there is no such rule."""
    return _rule(request, rule_id)


@router.put("/{rule_id}", response_model=RuleView, summary="Replace a scan rule")
def update_rule(request: Request, rule_id: RowId, rule: ScanRule) -> RuleView:
    """The whole rule is replaced."""
    _rule(request, rule_id)
    return services(request).rules.put(rule, rule_id)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a rule")
def delete_rule(request: Request, rule_id: RowId) -> None:
    """Its results stay and age out with retention."""
    if not services(request).rules.delete(rule_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no rule {rule_id}")


@router.post("/{rule_id}/scan", response_model=JobView, status_code=status.HTTP_202_ACCEPTED,
             summary="Scan now")  # fmt: skip
async def scan_now(
    request: Request, rule_id: RowId, user: Annotated[UserRecord, Depends(current_user)]
) -> JobView:
    """Starts the rule's job (or returns the one running); follow it at ``/scans/{id}``."""
    _rule(request, rule_id)
    job = await services(request).jobs.start(rule_id, "user")
    return job_view(job)
