"""The console application: REST API, web UI, and the scheduler in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from regsentry import __version__
from regsentry.api import errors
from regsentry.api.routes import auth, credentials, health, registries, results, scans, settings
from regsentry.config import Settings
from regsentry.db.store import utc_now
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
        max_age=12 * 3600,
    )
    errors.install(app)
    for module in (health, auth, registries, credentials, settings, scans, results):
        app.include_router(module.router)
    return app
