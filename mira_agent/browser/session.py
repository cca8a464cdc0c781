"""Launch Chromium, keep track of its tabs, dialogs and downloads, and expose a sync API.

`BrowserSession` owns one browser context: an isolated throw-away profile by default,
or a persistent ``--profile`` folder that keeps cookies and logins between runs. The
events a page raises on its own (a new tab, a dialog, a download, a crash) are recorded
here and reported in the next observation, so the agent learns about them the way a
person would: by looking.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import BrowserContext, Dialog, Download, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from mira_agent.browser.capture import capture_png
from mira_agent.browser.discovery import (
    FoundBrowser,
    find_browser,
    headless_shell_candidates,
    playwright_browser,
)
from mira_agent.browser.display import VirtualDisplay, has_display, start_xvfb
from mira_agent.browser.loop_thread import LoopThread
from mira_agent.errors import BrowserError

T = TypeVar("T")

# Chromium reaches out to Google services at start; on closed networks those
# connections fail noisily and slow the start, so they are switched off.
# No --disable-features here: Chromium keeps only the last such switch, and Playwright
# passes its own (PaintHolding, ThirdPartyStoragePartitioning, HttpsUpgrades, MediaRouter,
# OptimizationHints, ...), which one of ours would silently replace. Translation is
# switched off in the throw-away profile's preferences instead.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
)

# Marks a page that called window.open, so a click learns at once whether to wait for a
# new tab, instead of every click waiting a grace period for one that rarely comes.
WATCH_WINDOW_OPEN = """(() => {
  const open = window.open;
  window.open = function (...args) {
    for (const w of [window, window.top]) { try { w.__miraOpened = true; } catch (e) {} }
    return open.apply(this, args);
  };
})();"""

# A fresh profile's preferences: no translation bar (it offers to call Google's service).
FRESH_PROFILE_PREFERENCES = {"translate": {"enabled": False}}


@dataclass
class BrowserOptions:
    """How to launch the browser. Every field has a CLI option of the same meaning."""

    headless: bool = False
    xvfb: bool = False
    browser_path: str | None = None
    profile: Path | None = None
    run_dir: Path | None = None
    viewport: tuple[int, int] = (1280, 800)
    action_timeout_ms: int = 5_000
    navigation_timeout_ms: int = 20_000
    trace: Path | None = None  # a Playwright trace zip, written when the browser closes


@dataclass(frozen=True)
class DialogInfo:
    """A JavaScript dialog waiting for an answer."""

    kind: str
    message: str
    default_value: str = ""


@dataclass
class _PageEvents:
    dialog: Dialog | None = None
    crashed: bool = False


@dataclass
class TabInfo:
    index: int
    title: str
    url: str
    active: bool


@dataclass
class _State:
    pages: list[Page] = field(default_factory=list)
    active: int = 0
    events: dict[int, _PageEvents] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    next_id: int = 1
    expected_new_page: bool = False
    frames: dict[str, list[str]] = field(default_factory=dict)


class BrowserSession:
    """One browser with its tabs. Use as a context manager, or call `start` and `close`."""

    def __init__(self, options: BrowserOptions | None = None) -> None:
        self.options = options or BrowserOptions()
        self.warnings: list[str] = []
        self.found: FoundBrowser | None = None
        self.headless = self.options.headless
        self._loop: LoopThread | None = None
        self._display: VirtualDisplay | None = None
        self._playwright: Any = None
        self._context: BrowserContext | None = None
        self._state = _State()
        self._dialog_arrived: asyncio.Event | None = None
        self._closed_by_us = False
        self._dead_reason: str | None = None
        self._tmp_profile: tempfile.TemporaryDirectory[str] | None = None
        self.downloads_dir: Path = (
            self.options.run_dir / "downloads"
            if self.options.run_dir
            else Path(tempfile.mkdtemp(prefix="mira-downloads-"))
        )

    # -- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> BrowserSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> BrowserSession:
        """Find and launch the browser; raises a `MiraError` subclass saying what went wrong."""
        env = dict(os.environ)
        no_display = not self.headless and not has_display()
        if no_display and not self.options.xvfb:
            self.warnings.append(
                "no display found: running headless (pass --xvfb for a virtual display)"
            )
            self.headless = True
        # Found before Xvfb starts: a missing browser then leaves no display behind.
        self.found = find_browser(
            self.options.browser_path,
            playwright_path=playwright_browser,
            headless_shells=headless_shell_candidates() if self.headless else None,
        )
        if no_display and self.options.xvfb:
            self._display = start_xvfb((self.options.viewport[0], self.options.viewport[1] + 100))
            env["DISPLAY"] = self._display.display
        self._loop = LoopThread()
        try:
            self._run(self._launch(env))
        except BaseException:
            self.close()
            raise
        return self

    async def _launch(self, env: dict[str, str]) -> None:
        self._dialog_arrived = asyncio.Event()
        self._playwright = await async_playwright().start()
        args = list(CHROMIUM_ARGS)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to sandbox as root.
        if self.options.profile:
            profile = Path(self.options.profile).expanduser()
            profile.mkdir(parents=True, exist_ok=True)
        else:
            self._tmp_profile = tempfile.TemporaryDirectory(prefix="mira-profile-")
            profile = Path(self._tmp_profile.name)
            (profile / "Default").mkdir()
            (profile / "Default" / "Preferences").write_text(json.dumps(FRESH_PROFILE_PREFERENCES))
        width, height = self.options.viewport
        try:
            self._context = await self._playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=str(self.found.path) if self.found else None,
                headless=self.headless,
                args=args,
                env=env,
                viewport={"width": width, "height": height},
                accept_downloads=True,
                ignore_default_args=["--enable-automation"] if not self.headless else None,
            )
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise BrowserError(
                f"could not start {self.found.path if self.found else 'the browser'}: {first}"
            ) from exc
        self._context.set_default_timeout(self.options.action_timeout_ms)
        self._context.set_default_navigation_timeout(self.options.navigation_timeout_ms)
        await self._context.add_init_script(WATCH_WINDOW_OPEN)
        self._context.on("page", self._on_new_page)
        self._context.on("close", self._on_context_close)
        if self.options.trace is not None:
            await self._context.tracing.start(screenshots=True, snapshots=True, sources=False)
        for page in self._context.pages:
            self._track(page)
        if not self._state.pages:
            await self._context.new_page()
            await asyncio.sleep(0)
            if not self._state.pages:  # the "page" event may lag the call
                self._track(self._context.pages[0])

    def close(self) -> None:
        """Close the browser and everything mira started for it. Safe to call twice."""
        self._closed_by_us = True
        if self._loop is not None:
            try:
                self._loop.run(self._shutdown(), timeout=20)
            except Exception:
                pass
            self._loop.stop()
            self._loop = None
        if self._display is not None:
            self._display.stop()
            self._display = None
        if self._tmp_profile is not None:
            self._tmp_profile.cleanup()
            self._tmp_profile = None

    async def _shutdown(self) -> None:
        if self._context is not None:
            if self.options.trace is not None and self._dead_reason is None:
                try:
                    self.options.trace.parent.mkdir(parents=True, exist_ok=True)
                    await self._context.tracing.stop(path=str(self.options.trace))
                except PlaywrightError as exc:
                    self.warnings.append(f"the trace could not be saved: {exc}")
            try:
                await self._context.close()
            except PlaywrightError:
                pass
            self._context = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    # -- events from the browser ---------------------------------------------------

    def _track(self, page: Page) -> None:
        if page in self._state.pages:
            return
        self._state.pages.append(page)
        events = _PageEvents()
        self._state.events[id(page)] = events

        def on_dialog(dialog: Dialog) -> None:
            events.dialog = dialog
            if self._dialog_arrived is not None:
                self._dialog_arrived.set()

        def on_crash(_: Page) -> None:
            events.crashed = True
            self._state.notices.append("the page crashed: reload it or go back")

        page.on("dialog", on_dialog)
        page.on("crash", on_crash)
        page.on("download", self._on_download)
        page.on("close", self._on_page_close)

    def _on_new_page(self, page: Page) -> None:
        self._track(page)
        if self._state.expected_new_page:
            self._state.expected_new_page = False
            return
        # A page opened a tab (target=_blank, window.open): follow it, as a browser does.
        self._state.active = self._state.pages.index(page)
        self._state.notices.append(
            f"a new tab opened (tab {self._state.active}) and is now active: {page.url}"
        )

    def _on_page_close(self, page: Page) -> None:
        if page not in self._state.pages:
            return
        index = self._state.pages.index(page)
        active = self.page_or_none()
        self._state.pages.remove(page)
        self._state.events.pop(id(page), None)
        if active is page or active is None:
            self._state.active = max(0, min(index, len(self._state.pages)) - 1)
            if not self._closed_by_us:
                self._state.notices.append(f"tab {index} closed")
        elif active in self._state.pages:
            self._state.active = self._state.pages.index(active)

    def _on_context_close(self, _: BrowserContext) -> None:
        if not self._closed_by_us:
            self._dead_reason = "the browser was closed or crashed"

    async def _on_download(self, download: Download) -> None:
        self.downloads_dir.mkdir(parents=True, exist_ok=True)
        target = _free_name(self.downloads_dir, download.suggested_filename or "download")
        try:
            await download.save_as(target)
        except PlaywrightError as exc:
            self._state.notices.append(f"a download failed: {str(exc).splitlines()[0]}")
            return
        self._state.notices.append(f"downloaded a file, saved as {target}")

    # -- what the rest of mira uses ------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if self._loop is None:
            coro.close()
            raise BrowserError("the browser is not running")
        if self._dead_reason:
            coro.close()
            raise BrowserError(self._dead_reason)
        try:
            return self._loop.run(coro, timeout)
        except PlaywrightError as exc:
            if self._dead_reason or "has been closed" in str(exc):
                raise BrowserError(
                    self._dead_reason or "the browser was closed or crashed"
                ) from exc
            raise

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine against this session's pages on its browser thread."""
        return self._run(coro, timeout)

    def page_or_none(self) -> Page | None:
        pages = self._state.pages
        if not pages:
            return None
        return pages[min(self._state.active, len(pages) - 1)]

    @property
    def page(self) -> Page:
        """The active tab."""
        page = self.page_or_none()
        if page is None:
            raise BrowserError(self._dead_reason or "the browser has no open tab")
        return page

    @property
    def pages(self) -> list[Page]:
        return list(self._state.pages)

    @property
    def active_index(self) -> int:
        return min(self._state.active, max(0, len(self._state.pages) - 1))

    @property
    def context(self) -> BrowserContext:
        if self._context is None:
            raise BrowserError("the browser is not running")
        return self._context

    @property
    def dead(self) -> str | None:
        """Why the browser is gone, or None while it lives."""
        return self._dead_reason

    def pending_dialog(self) -> Dialog | None:
        page = self.page_or_none()
        if page is None:
            return None
        events = self._state.events.get(id(page))
        return events.dialog if events else None

    def dialog_info(self) -> DialogInfo | None:
        dialog = self.pending_dialog()
        if dialog is None:
            return None
        return DialogInfo(dialog.type, dialog.message, dialog.default_value)

    def clear_dialog(self) -> None:
        page = self.page_or_none()
        if page is not None and id(page) in self._state.events:
            self._state.events[id(page)].dialog = None
        if not any(e.dialog for e in self._state.events.values()) and self._dialog_arrived:
            self._dialog_arrived.clear()

    def take_notices(self) -> list[str]:
        """Events since the last call (new tabs, downloads, crashes), oldest first."""
        notices, self._state.notices = self._state.notices, []
        return notices

    def set_active(self, index: int) -> None:
        self._state.active = index

    def expect_new_page(self) -> None:
        """The next new page is mira's own (new_tab), not a popup the page opened."""
        self._state.expected_new_page = True

    def adopt(self, page: Page) -> None:
        """Track a page mira opened and make it the active tab."""
        self._track(page)
        self._state.active = self._state.pages.index(page)

    def remember_frames(self, framed: dict[str, list[str]]) -> None:
        """Which iframes (by their data-mira-frame keys) hold each framed element id."""
        self._state.frames = dict(framed)

    def frame_chain(self, element: str) -> list[str]:
        chain = self._state.frames.get(element)
        if chain is not None:
            return chain
        # Ids minted inside a cross-origin frame carry its key: "3.12" is element 12 of frame 3.
        return element.split(".")[:-1]

    @property
    def dialog_arrived(self) -> asyncio.Event:
        assert self._dialog_arrived is not None
        return self._dialog_arrived

    @property
    def next_element_id(self) -> int:
        return self._state.next_id

    def note_element_ids(self, next_id: int) -> None:
        """Ids keep growing across documents so an old id never names a new element."""
        self._state.next_id = max(self._state.next_id, next_id)

    def goto(self, url: str) -> None:
        """Open `url` in the active tab."""
        self._run(self.page.goto(url))

    def screenshot(self) -> bytes:
        """A PNG of the active tab's viewport (asked again when a busy machine made
        Chromium miss the frame: see browser/capture.py)."""
        return self._run(capture_png(self.page))

    def tabs(self) -> list[TabInfo]:
        return self._run(self.tabs_async())

    async def tabs_async(self) -> list[TabInfo]:
        infos = []
        for i, page in enumerate(self._state.pages):
            title = ""
            events = self._state.events.get(id(page))
            if not (events and (events.dialog or events.crashed)):
                try:
                    title = await asyncio.wait_for(page.title(), 2)
                except (TimeoutError, PlaywrightError):
                    title = ""
            infos.append(TabInfo(i, title, page.url, i == self.active_index))
        return infos


def _free_name(folder: Path, name: str) -> Path:
    name = Path(name).name or "download"
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target
