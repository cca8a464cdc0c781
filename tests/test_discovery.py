"""Finding a browser: explicit path, Playwright's own, the system's, or a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mira_agent.browser.discovery import (
    INSTALL_HINT,
    find_browser,
    headless_shell_candidates,
    playwright_browser,
    playwright_headless_shell,
)
from mira_agent.errors import BrowserNotFoundError


def fake_browser(folder: Path, name: str = "chrome") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_an_explicit_path_wins(tmp_path: Path) -> None:
    explicit = fake_browser(tmp_path, "my-chrome")
    found = find_browser(str(explicit), env={}, system_candidates=["/usr/bin/chromium"])
    assert found.path == explicit and found.source == "explicit"


def test_the_environment_variable_counts_as_explicit(tmp_path: Path) -> None:
    explicit = fake_browser(tmp_path, "env-chrome")
    found = find_browser(None, env={"MIRA_BROWSER": str(explicit)})
    assert found.path == explicit and found.source == "explicit"


def test_an_explicit_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFoundError, match=r"--browser-path .* is not an executable"):
        find_browser(str(tmp_path / "nope"), env={})
    with pytest.raises(BrowserNotFoundError, match="MIRA_BROWSER"):
        find_browser(None, env={"MIRA_BROWSER": str(tmp_path / "nope")})


def test_playwrights_own_browser_comes_before_the_systems(tmp_path: Path) -> None:
    own = fake_browser(tmp_path / "pw", "chrome")
    system = fake_browser(tmp_path / "sys", "chromium")
    found = find_browser(
        None, env={}, playwright_path=lambda: str(own), system_candidates=[str(system)]
    )
    assert found.source == "playwright" and found.path == own


def test_the_system_browser_is_found_when_playwright_has_none(tmp_path: Path) -> None:
    system = fake_browser(tmp_path, "chromium")
    found = find_browser(
        None, env={}, playwright_path=lambda: None, system_candidates=["/nowhere", str(system)]
    )
    assert found.source == "system" and found.path == system


def test_no_browser_anywhere_says_how_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BrowserNotFoundError) as info:
        find_browser(None, env={}, playwright_path=lambda: None, system_candidates=[])
    assert str(info.value) == INSTALL_HINT
    assert "apt-get install chromium" in str(info.value)
    assert info.value.exit_code == 2


def test_playwrights_cache_is_read_newest_revision_first(tmp_path: Path) -> None:
    fake_browser(tmp_path / "chromium-1100" / "chrome-linux", "chrome")
    newest = fake_browser(tmp_path / "chromium-1200" / "chrome-linux64", "chrome")
    assert playwright_browser({"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}) == str(newest)
    assert playwright_browser({"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "empty")}) is None


def test_debian_chromium_is_found_on_this_machine() -> None:
    found = find_browser(None, env={}, playwright_path=lambda: None)
    assert found.source == "system" and os.access(found.path, os.X_OK)


def test_a_headless_run_prefers_a_headless_shell(tmp_path: Path) -> None:
    shell = fake_browser(tmp_path, "headless_shell")
    system = fake_browser(tmp_path, "chromium")
    found = find_browser(
        None, env={}, system_candidates=[str(system)], headless_shells=[str(shell)]
    )
    assert found.path == shell and found.source == "headless shell"
    # Without one, or for a visible browser, the full browser is used.
    found = find_browser(
        None, env={}, system_candidates=[str(system)], headless_shells=[str(tmp_path / "none")]
    )
    assert found.path == system
    assert find_browser(None, env={}, system_candidates=[str(system)]).path == system


def test_an_explicit_browser_wins_over_a_headless_shell(tmp_path: Path) -> None:
    shell = fake_browser(tmp_path, "headless_shell")
    explicit = fake_browser(tmp_path, "mine")
    found = find_browser(str(explicit), env={}, headless_shells=[str(shell)])
    assert found.path == explicit


def test_playwrights_headless_shell_is_found_in_its_cache(tmp_path: Path) -> None:
    for revision in ("1100", "1200"):
        fake_browser(
            tmp_path / f"chromium_headless_shell-{revision}" / "chrome-linux", "headless_shell"
        )
    env = {"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}
    found = playwright_headless_shell(env)
    assert found is not None and "chromium_headless_shell-1200" in found
    assert headless_shell_candidates(env)[0] == found
