"""Find a Chromium to drive.

Order: an explicit path (``--browser-path`` or ``MIRA_BROWSER``), then the browser
Playwright installed for itself, then the system's Chromium or Chrome. Playwright's
own download cannot run on every machine (offline hosts, Debian images), so the
system browser is a first-class choice, not a fallback of last resort.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mira_agent.errors import BrowserNotFoundError

ENV_VAR = "MIRA_BROWSER"

SYSTEM_CANDIDATES: tuple[str, ...] = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
SYSTEM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "chrome")

INSTALL_HINT = (
    "no Chromium found: install one (Debian/Ubuntu: `sudo apt-get install chromium`; "
    "or `playwright install chromium`), or pass --browser-path / set MIRA_BROWSER"
)


@dataclass(frozen=True)
class FoundBrowser:
    """A browser executable and where it was found (explicit, playwright or system)."""

    path: Path
    source: str


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def playwright_browser(env: dict[str, str] | None = None) -> str | None:
    """The newest Chromium that `playwright install` left on this machine, if any.

    Read from Playwright's cache folder rather than by starting Playwright's driver,
    which would cost half a second on every launch.
    """
    env = os.environ if env is None else env
    custom = env.get("PLAYWRIGHT_BROWSERS_PATH")
    if custom and custom != "0":
        roots = [Path(custom)]
    else:
        roots = [
            Path.home() / ".cache" / "ms-playwright",
            Path.home() / "Library" / "Caches" / "ms-playwright",
        ]
    patterns = (
        "chromium-*/chrome-linux*/chrome",
        "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
        "chromium-*/chrome-mac*/Google Chrome for Testing.app/Contents/MacOS/*",
    )
    found: list[Path] = []
    for root in roots:
        for pattern in patterns:
            found.extend(p for p in root.glob(pattern) if _is_executable(p))
    if not found:
        return None
    return str(max(found, key=lambda p: _revision(p)))


def _revision(path: Path) -> int:
    for part in path.parts:
        if part.startswith("chromium-") and part[len("chromium-") :].isdigit():
            return int(part[len("chromium-") :])
    return 0


def find_browser(
    explicit: str | os.PathLike[str] | None = None,
    *,
    env: dict[str, str] | None = None,
    playwright_path: Callable[[], str | None] | None = None,
    system_candidates: Iterable[str] | None = None,
    system_names: Iterable[str] | None = None,
) -> FoundBrowser:
    """Return the Chromium to launch, or raise `BrowserNotFoundError` saying how to get one.

    An explicit path that does not exist is an error rather than a silent fallback:
    the user asked for that browser.
    """
    env = os.environ if env is None else env
    wanted = explicit or env.get(ENV_VAR) or None
    if wanted:
        path = Path(wanted).expanduser()
        if not _is_executable(path):
            origin = "--browser-path" if explicit else ENV_VAR
            raise BrowserNotFoundError(f"{origin} {wanted} is not an executable browser")
        return FoundBrowser(path, "explicit")

    if playwright_path is not None:
        candidate = playwright_path()
        if candidate and _is_executable(Path(candidate)):
            return FoundBrowser(Path(candidate), "playwright")

    for candidate in SYSTEM_CANDIDATES if system_candidates is None else system_candidates:
        if _is_executable(Path(candidate)):
            return FoundBrowser(Path(candidate), "system")
    for name in SYSTEM_NAMES if system_names is None else system_names:
        located = shutil.which(name)
        if located:
            return FoundBrowser(Path(located), "system")
    raise BrowserNotFoundError(INSTALL_HINT)
