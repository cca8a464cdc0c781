"""The visible browser: headed under a virtual display, and the fall-back with no display."""

from __future__ import annotations

import pytest

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
        shot = session.run(session.page.screenshot())
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
