"""HTTP status codes for the project's errors, mapped here and nowhere else."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from regsentry.db.console_store import NameTakenError
from regsentry.errors import ConfigError, RegsentryError
from regsentry.service.console.credentials import CredentialInUseError


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _refused(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes the offending input, which for a login or a
        # credential is the password or secret: say where and what, never the value.
        problems = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""),
             "type": error.get("type", "")}
            for error in exc.errors()
        ]  # fmt: skip
        return JSONResponse({"detail": problems}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(NameTakenError)
    async def _taken(_request: Request, exc: NameTakenError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(CredentialInUseError)
    async def _in_use(_request: Request, exc: CredentialInUseError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(ConfigError)
    async def _invalid(_request: Request, exc: ConfigError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(RegsentryError)
    async def _failed(_request: Request, exc: RegsentryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_502_BAD_GATEWAY)
