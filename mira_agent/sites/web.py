"""The small web framework every sandbox site is written in: requests and responses as
plain data, a router from (method, path pattern) to handler, and Jinja2 templates.

Handlers are functions of a `Request` returning a `Response`, independent of the HTTP
server, so a site's pages can be tested without a socket and its state read directly
by task checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape

Query = dict[str, list[str]]
Item = TypeVar("Item")


@dataclass(frozen=True)
class Request:
    """What a handler needs from an HTTP request: parsed query and form fields."""

    method: str
    path: str
    query: Query = field(default_factory=dict)
    form: Query = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        """The first value of a query field (stripped), or `default`."""
        values = self.query.get(name) or [default]
        return values[0].strip()

    def field(self, name: str, default: str = "") -> str:
        """The first value of a form field (stripped), or `default`."""
        values = self.form.get(name) or [default]
        return values[0].strip()


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    cache_seconds: int = 0  # pages change with the site's state; a stylesheet does not


Handler = Callable[..., Response]


def page_number(text: str) -> int:
    """The page a ``page`` query field asks for: 1 unless it is a whole number above 0."""
    return int(text) if text.isdigit() and int(text) > 0 else 1


def page_of(items: Sequence[Item], page: int, size: int) -> tuple[list[Item], int, int]:
    """The items on `page` of a listing `size` items a page, that page (clamped to the
    last one) and the number of pages (at least one, even when there are no items)."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 1), pages)
    return list(items[(page - 1) * size : page * size]), page, pages


def redirect(location: str) -> Response:
    """A 303, so the browser follows a POST with a GET (post/redirect/get: reloading a
    page never submits twice)."""
    return Response(303, location=location)


class WebApp:
    """Routes requests to handlers and renders the package's templates.

    A site subclasses it, calls `route()` for each page, and provides `base.html` and
    `static/site.css` in its package: only what differs from the other sites. What they
    share sits in `sites/templates/` and `sites/static/`, found through the same loader:
    the page skeleton (`page.html`, which a site's `base.html` extends), the form macros
    (`_forms.html`), the error page (it extends the site's `base.html` and offers a way
    back to `home`, a URL and its label) and the base stylesheet, served at the front of
    the site's own.
    """

    def __init__(
        self,
        package: str,
        *,
        home: tuple[str, str] = ("/", "Back to the front page"),
        filters: Mapping[str, Callable[..., Any]] | None = None,
        globals: Mapping[str, Any] | None = None,
    ) -> None:
        self.env = Environment(
            loader=ChoiceLoader(
                [
                    PackageLoader(package, "templates"),
                    PackageLoader("mira_agent.sites", "templates"),
                ]
            ),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(filters or {})
        self.env.globals.update(home_url=home[0], home_text=home[1], field_owner=_no_owner)
        self.env.globals.update(globals or {})
        self._css = _stylesheet("mira_agent.sites", "base.css") + _stylesheet(package, "site.css")
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.route("GET", r"/static/site\.css", self.stylesheet)
        self.route("GET", r"/favicon\.ico", lambda request: Response(204))

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Send `method` requests whose whole path matches `pattern` to `handler`, with
        the pattern's named groups as keyword arguments."""
        self.routes.append((method, re.compile(pattern), handler))

    def handle(self, request: Request) -> Response:
        """Dispatch to the route matching the whole path; 404 or 405 otherwise."""
        path_matched = False
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if not match:
                continue
            path_matched = True
            if method == request.method:
                return handler(request, **match.groupdict())
        if path_matched:
            problem = f"This page can't be opened with {request.method}."
            return self.render("error.html", status=405, title="Not allowed", problems=[problem])
        return self.not_found("We couldn't find that page.")

    def render(self, template: str, status: int = 200, **context: object) -> Response:
        body = self.env.get_template(template).render(**context).encode("utf-8")
        return Response(status, body)

    def not_found(self, message: str) -> Response:
        return self.render("error.html", status=404, title="Page not found", problems=[message])

    def stylesheet(self, request: Request) -> Response:
        return Response(200, self._css, "text/css; charset=utf-8", cache_seconds=3600)


def _no_owner(name: str) -> str:
    """Whose field `name` is, for the error summary: nobody's unless a site says (the
    flight site names the passenger)."""
    return ""


def _stylesheet(package: str, name: str) -> bytes:
    return resources.files(package).joinpath("static", name).read_bytes()
