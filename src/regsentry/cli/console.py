"""``regsentry console``: the web console, REST API and scheduler."""

from __future__ import annotations

from typing import Annotated

import typer

from regsentry.config import Settings


def console(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
) -> None:
    """Serve the web console and the REST API (OpenAPI at /docs), and run the scheduler."""
    import uvicorn

    from regsentry.api.app import create_app

    app = create_app(Settings())
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
