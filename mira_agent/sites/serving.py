"""Serving a sandbox site on loopback, in a daemon thread of the current process.

In-process serving is what lets task checks read a site's state directly. The server
is the standard library's threading HTTP server, kept quiet (an agent run should not
print access logs) and shut down fully by `stop()` so tests leave no threads or
sockets behind. `ServedSite` is the base of every site: it owns the server; a site
adds its app, its state, its tasks and its oracle.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qs, urlsplit

from mira_agent.errors import SiteError, UsageError
from mira_agent.sites import task_templates as tt
from mira_agent.sites.base import Oracle, Task
from mira_agent.sites.web import Request, Response

log = logging.getLogger(__name__)

_MAX_FORM_BYTES = 64 * 1024


class App(Protocol):
    def handle(self, request: Request) -> Response: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App, name: str) -> None:
        self.app = app
        self.site_name = name
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log instead of printing tracebacks: a browser dropping a connection is normal."""
        log.debug("error serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "mira-sandbox/1.0"

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
            log.exception("the %s site failed on %s %s", self.server.site_name, method, self.path)
            response = Response(500, b"<h1>Something went wrong</h1>")
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        if response.location:
            self.send_header("Location", response.location)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        cache = f"max-age={response.cache_seconds}" if response.cache_seconds else "no-store"
        self.send_header("Cache-Control", cache)
        self.end_headers()
        self.wfile.write(response.body)


class ServedSite:
    """The serving half of a sandbox site: start on a free port, stop, use as a context
    manager. Subclasses set `name`, `description` and `app` (what answers requests)."""

    name: str = "site"
    description: str = ""
    app: App

    def __init__(self) -> None:
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise SiteError(f"the {self.name} site is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread (port 0 picks a free port); return the base URL."""
        if self._server is not None:
            return self.url
        try:
            server = _Server((host, port), self.app, self.name)
        except OSError as exc:
            raise SiteError(
                f"could not serve the {self.name} site on {host}:{port}: {exc}"
            ) from exc
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"{self.name}-site-{server.server_address[1]}",
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

    def __enter__(self) -> ServedSite:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class SandboxSite(ServedSite):
    """A sandbox site made the one way they all are: seeded data, an episode state over
    it, the pages (a `WebApp`), tasks built from the data, and a scripted oracle. A site
    names its parts; everything is deterministic for a given seed."""

    data_class: ClassVar[Callable[[int], Any]]
    state_class: ClassVar[Callable[[Any], Any]]
    app_class: ClassVar[Callable[[Any, Any], App]]
    oracle_class: ClassVar[Callable[[Task], Oracle]]
    task_builder: ClassVar[Callable[[Any], list[Task]]]
    template_table: ClassVar[tuple[tt.Template[Any], ...]] = ()

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.seed = seed
        self.data = type(self).data_class(seed)
        self._state = type(self).state_class(self.data)
        self.app = type(self).app_class(self.data, self._state)
        self._tasks: list[Task] | None = None
        self._instances: dict[str, Task] = {}

    @property
    def state(self) -> Any:
        return self._state

    def reset(self) -> None:
        """Forget everything the agent did: a fresh episode on the same data."""
        self._state.reset()

    def tasks(self) -> list[Task]:
        if self._tasks is None:
            self._tasks = type(self).task_builder(self.data)
        return list(self._tasks)

    def templates(self) -> list[tt.Template[Any]]:
        return list(type(self).template_table)

    def task(self, task_id: str) -> Task:
        parsed = tt.parse_instance_id(task_id)
        if parsed is None:
            found = next((t for t in self.tasks() if t.id == task_id), None)
            if found is None:
                ids = ", ".join(t.id for t in self.tasks())
                raise UsageError(
                    f"no task {task_id!r} on {self.name}; its tasks: {ids}, "
                    "or TEMPLATE@SEED for a template's instance (`mira sites tasks "
                    f"{self.name} --instances 1` lists them)"
                )
            return found
        if task_id not in self._instances:
            name, seed = parsed
            template = tt.find_template(self.name, self.templates(), name)
            self._instances[task_id] = tt.instantiate(self.name, template, self.data, seed)
        return self._instances[task_id]

    def instances(self, split: str, count: int, start: int | None = None) -> list[Task]:
        """`count` distinct instances of each template of `split`, from seed `start`
        (the split's first seed by default) on: the seeds a run draws are contiguous,
        so a second run from where the first stopped never repeats an instance. A
        template whose parameter space holds fewer gives all it has (`short_templates`
        names them)."""
        seeds = tt.seeds_of(split)
        if count < 1:
            raise UsageError(f"--instances must be at least 1, got {count}")
        begin = seeds.start if start is None else start
        if begin not in seeds:
            raise UsageError(
                f"seed {begin} is outside {split}'s seeds ({seeds.start}-{seeds.stop - 1})"
            )
        chosen: list[Task] = []
        for template in self.templates():
            if not tt.in_split(template, split):
                continue
            drawn = tt.distinct_instances(self.name, template, self.data, range(begin, seeds.stop))
            batch = list(itertools.islice(drawn, count))
            if not batch:
                raise UsageError(f"template {template.id} has no instance in {split}")
            for task in batch:
                self._instances.setdefault(task.id, task)
            chosen += batch
        if not chosen:
            raise UsageError(f"{self.name} has no templates in {split}")
        return chosen

    def oracle(self, task: Task) -> Oracle:
        """The scripted policy that solves `task` (proof that it can be solved)."""
        return type(self).oracle_class(task)
