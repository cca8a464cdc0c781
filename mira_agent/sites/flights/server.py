"""Serving the flight site on loopback, in a daemon thread of the current process.

In-process serving is what lets task checks read `FlightState` directly. The server
is the standard library's threading HTTP server, kept quiet (an agent run should not
print access logs) and shut down fully by `stop()` so tests leave no threads or
sockets behind.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mira_agent.errors import SiteError
from mira_agent.sites.base import Task
from mira_agent.sites.flights.data import FlightData
from mira_agent.sites.flights.state import FlightState
from mira_agent.sites.flights.tasks import build_tasks
from mira_agent.sites.flights.views import FlightApp, Request, Response

log = logging.getLogger(__name__)

_MAX_FORM_BYTES = 64 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: FlightApp) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log instead of printing tracebacks: a browser dropping a connection is normal."""
        log.debug("error serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "Skyway/1.0"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        form: dict[str, list[str]] = {}
        if method == "POST":
            length = min(int(self.headers.get("Content-Length") or 0), _MAX_FORM_BYTES)
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            form = parse_qs(body, keep_blank_values=True)
        request = Request(
            method=method,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            form=form,
        )
        try:
            response = self.server.app.handle(request)
        except Exception:
            log.exception("the flight site failed on %s %s", method, self.path)
            response = Response(500, b"<h1>Something went wrong</h1>")
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        if response.location:
            self.send_header("Location", response.location)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(response.body)


class FlightSite:
    """The flight booking sandbox: search, pick a flight, add passengers, pay, confirm.

    Everything is deterministic for a given seed: the inventory, the tasks and their
    expected answers, and the booking references handed out after `reset()`.
    """

    name = "flights"
    description = "Skyway Flights: search, compare and book US domestic flights (December 2026)."

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.data = FlightData(seed)
        self._state = FlightState(seed)
        self._app = FlightApp(self.data, self._state)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tasks: list[Task] | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise SiteError("the flights site is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def state(self) -> FlightState:
        return self._state

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread (port 0 picks a free port); return the base URL."""
        if self._server is not None:
            return self.url
        try:
            server = _Server((host, port), self._app)
        except OSError as exc:
            raise SiteError(f"could not serve the flights site on {host}:{port}: {exc}") from exc
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"flights-site-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def reset(self) -> None:
        """Forget searches, drafts and bookings: a fresh episode on the same inventory."""
        self._state.reset()

    def tasks(self) -> list[Task]:
        if self._tasks is None:
            self._tasks = build_tasks(self.data)
        return list(self._tasks)

    def __enter__(self) -> FlightSite:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
