"""The console application: REST API, web UI, and the scheduler in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from regsentry import __version__
from regsentry.api import errors, ui
from regsentry.api.routes import auth, credentials, health, registries, results, scans, settings
from regsentry.config import Settings
from regsentry.db.store import utc_now
from regsentry.service.console.auth import SESSION_LIFETIME
from regsentry.service.console.services import ConsoleServices
from regsentry.service.crypto import SecretBox

log = logging.getLogger(__name__)


def create_app(
    config: Settings,
    *,
    scheduler: bool = True,
    tick_seconds: float = 10.0,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The console for ``config``; ``scheduler=False`` leaves scheduling to the caller."""
    console = ConsoleServices.build(config, clock=clock)
    generated = console.accounts.ensure_admin(config)
    if generated:
        # Printed once, on the first start only: it is not stored anywhere in clear.
        print(
            f"regsentry console: created user 'admin' with password {generated} "
            f"(set REGSENTRY_ADMIN_PASSWORD to choose it)",
            file=sys.stderr,
            flush=True,
        )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = (
            asyncio.create_task(console.scheduler.run_forever(tick_seconds), name="scheduler")
            if scheduler
            else None
        )
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await console.jobs.stop()
            console.close()

    app = FastAPI(
        title="regsentry console",
        version=__version__,
        description="Scan rules, credentials, scans and results of regsentry.",
        docs_url="/docs",
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.services = console
    app.add_middleware(
        SessionMiddleware,
        secret_key=SecretBox(config).derive("session"),
        session_cookie="regsentry_session",
        same_site="strict",
        https_only=False,
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    errors.install(app)
    for module in (health, auth, registries, credentials, settings, scans, results):
        app.include_router(module.router)
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        """The web UI's dashboard."""
        return RedirectResponse(ui.HOME_PATH, status_code=303)

    return app
