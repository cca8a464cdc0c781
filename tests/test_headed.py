"""The visible browser: headed under a virtual display, the fall-back with no display, the
launch arguments, and screenshots that a busy machine does not break."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError

from mira_agent.browser.capture import ATTEMPTS, TRANSIENT, capture_png
from mira_agent.browser.observe import observe
from mira_agent.browser.session import BrowserOptions, BrowserSession
from tests.conftest import require_xvfb

pytestmark = pytest.mark.headed


def user_agent(session: BrowserSession) -> str:
    return session.run(session.page.evaluate("navigator.userAgent"))


def test_headed_chromium_runs_visibly_under_xvfb(
    monkeypatch: pytest.MonkeyPatch, pages_server: str
) -> None:
    require_xvfb()
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with BrowserSession(BrowserOptions(headless=False, xvfb=True)) as session:
        assert not session.headless and not session.warnings
        assert "HeadlessChrome" not in user_agent(session)
        session.goto(f"{pages_server}/observe.html")
        seen = observe(session)
        assert seen.title == "Observe fixture" and "Search" in seen.text
        # A real window on the X server: the page has a size and is painted.
        width = session.run(session.page.evaluate("window.outerWidth"))
        assert width >= 1280
        shot = session.screenshot()
        assert len(shot) > 5_000


def test_with_no_display_mira_says_so_and_runs_headless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with BrowserSession(BrowserOptions(headless=False)) as session:
        assert session.headless
        assert any("no display found" in w for w in session.warnings)
        assert "HeadlessChrome" in user_agent(session)


def test_headless_when_asked(browser: BrowserSession) -> None:
    assert browser.headless and "HeadlessChrome" in user_agent(browser)


def test_a_persistent_profile_keeps_cookies_between_runs(tmp_path, pages_server: str) -> None:  # type: ignore[no-untyped-def]
    profile = tmp_path / "profile"
    with BrowserSession(BrowserOptions(headless=True, profile=profile)) as first:
        first.goto(f"{pages_server}/observe.html")
        first.run(first.page.evaluate("document.cookie = 'seat=12A; max-age=3600'"))
    with BrowserSession(BrowserOptions(headless=True, profile=profile)) as second:
        second.goto(f"{pages_server}/observe.html")
        assert "seat=12A" in second.run(second.page.evaluate("document.cookie"))
    with BrowserSession(BrowserOptions(headless=True)) as isolated:
        isolated.goto(f"{pages_server}/observe.html")
        assert "seat=12A" not in isolated.run(isolated.page.evaluate("document.cookie"))


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def _argv(pid: int) -> list[str]:
    """A process's arguments (Chromium's children rewrite theirs as one spaced string)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().replace("\0", " ").split()
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc")
def test_mira_keeps_the_features_playwright_switches_off(tmp_path: Path, pages_server: str) -> None:
    """Chromium obeys only the last --disable-features: one of mira's own would quietly
    switch Playwright's (PaintHolding, ThirdPartyStoragePartitioning, ...) back on."""
    profile = tmp_path / "profile"
    with BrowserSession(BrowserOptions(headless=True, profile=profile)) as session:
        session.goto(f"{pages_server}/observe.html")
        [browser] = [  # the browser process: its children name their --type
            int(p.parent.name)
            for p in Path("/proc").glob("[0-9]*/cmdline")
            if f"--user-data-dir={profile}" in (argv := _argv(int(p.parent.name)))
            and not any(a.startswith("--type=") for a in argv)
        ]
        assert sum(a.startswith("--disable-features=") for a in _argv(browser)) == 1
        renderers = [_argv(pid) for pid in _descendants(browser)]
        effective = [
            a.split("=", 1)[1].split(",")
            for argv in renderers
            if "--type=renderer" in argv
            for a in argv
            if a.startswith("--disable-features=")
        ]
        assert effective, "no renderer found"
        for features in effective:
            assert {"PaintHolding", "ThirdPartyStoragePartitioning"} <= set(features)


class _MissesFrames:
    """A real page whose first `misses` screenshots fail as Chromium's do when a busy
    machine makes it miss the compositor frame; everything else is the page itself."""

    def __init__(self, page: Any, misses: int, message: str = TRANSIENT) -> None:
        self.page, self.misses, self.message = page, misses, message
        self.shots = 0

    async def screenshot(self, **kwargs: Any) -> bytes:
        self.shots += 1
        if self.shots <= self.misses:
            raise PlaywrightError(f"Page.screenshot: Protocol error: {self.message}")
        return await self.page.screenshot(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)


@pytest.mark.parametrize("misses", [1, ATTEMPTS - 1])
def test_a_missed_frame_is_asked_for_again_after_a_paint(
    session: BrowserSession, pages_server: str, misses: int
) -> None:
    session.goto(f"{pages_server}/observe.html")
    page = _MissesFrames(session.page, misses)
    shot = session.run(capture_png(page))  # type: ignore[arg-type]
    assert shot.startswith(b"\x89PNG") and page.shots == misses + 1


def test_a_screenshot_that_keeps_failing_or_fails_otherwise_is_reported(
    session: BrowserSession, pages_server: str
) -> None:
    session.goto(f"{pages_server}/observe.html")
    always = _MissesFrames(session.page, ATTEMPTS)
    with pytest.raises(PlaywrightError, match=TRANSIENT):
        session.run(capture_png(always))  # type: ignore[arg-type]
    assert always.shots == ATTEMPTS
    other = _MissesFrames(session.page, 1, "Cannot take screenshot larger than 32767 pixels")
    with pytest.raises(PlaywrightError, match="larger than"):
        session.run(capture_png(other))  # type: ignore[arg-type]
    assert other.shots == 1  # not a missed frame: not asked again
