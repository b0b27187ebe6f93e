"""`mlzone portal`: serve the self-service web app on 127.0.0.1 with a random token in the URL."""

from __future__ import annotations

import secrets
from pathlib import Path

import typer
from rich.console import Console

from mlzone.commands.common import ROOT, TARGET, reported
from mlzone.process import free_port
from mlzone.zone_access import open_zone

out = Console()
PORT = typer.Option(0, "--port", help="Port on 127.0.0.1 (0: a free one).")


@reported
def command(root: Path = ROOT, target: str = TARGET, port: int = PORT) -> None:
    """Serve the portal: per project its notebooks, clusters, endpoints and model versions, and actions."""
    import uvicorn  # loaded on use: keeps `mlzone` start fast

    from mlzone.portal.app import Zone, create_app
    from mlzone.portal.buttons import zone_buttons

    access = open_zone(root, target)
    operator = access.operator()
    projects, actions = zone_buttons(root, target, access, operator)
    token = secrets.token_urlsafe(24)
    port = port or free_port()
    out.print(f"mlzone portal: http://127.0.0.1:{port}/?token={token}  (Ctrl-C stops it)", highlight=False)
    uvicorn.run(
        create_app(Zone(projects, access.client), token, actions), host="127.0.0.1", port=port, log_level="warning"
    )
