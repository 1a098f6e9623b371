"""System settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from regsentry.api.security import current_user, services
from regsentry.service.console.rules import SystemSettings

router = APIRouter(
    prefix="/api/v1/settings", tags=["settings"], dependencies=[Depends(current_user)]
)


@router.get("", response_model=SystemSettings, summary="System settings")
def get_settings(request: Request) -> SystemSettings:
    """Scan and sync intervals, retention, per-registry concurrency."""
    return services(request).system.get()


@router.put("", response_model=SystemSettings, summary="Change system settings")
def put_settings(request: Request, body: SystemSettings) -> SystemSettings:
    """Takes effect at the scheduler's next round."""
    return services(request).system.put(body)
