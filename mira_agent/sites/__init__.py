"""Sandbox sites mira serves on loopback, with tasks whose success is checked exactly.

The registry maps a site's name to its class so the CLI and evaluation code can
start a site by name without importing each site module themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from mira_agent.errors import SiteError
from mira_agent.sites.base import Site
from mira_agent.sites.flights import FlightSite
from mira_agent.sites.forum import ForumSite
from mira_agent.sites.mail import MailSite
from mira_agent.sites.shop import ShopSite

SITES: dict[str, Callable[..., Site]] = {
    FlightSite.name: FlightSite,
    ForumSite.name: ForumSite,
    MailSite.name: MailSite,
    ShopSite.name: ShopSite,
}


def get_site(name: str, seed: int = 0) -> Site:
    """A fresh, not yet started instance of the site called `name`."""
    try:
        site_class = SITES[name]
    except KeyError:
        known = ", ".join(sorted(SITES))
        raise SiteError(f"unknown site {name!r}; known sites: {known}") from None
    return site_class(seed=seed)


def list_sites() -> list[tuple[str, str]]:
    """(name, description) of every site, sorted by name."""
    return [(name, SITES[name].description) for name in sorted(SITES)]  # type: ignore[attr-defined]
