"""`segql serve`: the workbench, a local web app to write, size and understand segments (DESIGN §11).

The `serve` extra (Starlette, uvicorn); segql.serve.app is the app, segql.serve.static its front end (package data,
with the editor bundle's build recipe). Never listens beyond 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"


def listen(port: int) -> socket.socket:
    """A socket on 127.0.0.1 (port 0: a free one), bound before the app exists so its URL is known."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(root: Path, *, port: int = 0, target: str | None = None, as_of: dt.date | None = None,
          history_schema: str | None = None, timeout: float = 60.0, announce: Callable[[str], None] = print,
          open_browser: bool = True) -> None:
    """Run the workbench until interrupted; `announce` gets its URL (with this run's token) first."""
    import uvicorn

    from segql.analysis import Analysis
    from segql.serve.app import Workbench, create_app
    from segql.serve.jobs import Runner

    sock = listen(port)
    bound = sock.getsockname()[1]
    bench = Workbench(Analysis(root), secrets.token_urlsafe(24), bound, target, as_of, history_schema, Runner(timeout))
    url = f"http://{HOST}:{bound}/?token={bench.token}"
    announce(url)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    config = uvicorn.Config(create_app(bench), log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
