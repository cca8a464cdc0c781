"""Shared fixtures: a new machine's empty folders, a real Chromium, a loopback server for
test pages, the sandbox site."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mira_agent.browser.session import BrowserOptions, BrowserSession
from tests.helpers import FAILED_TASK, SUCCESS_TASK, TRAIN_ARGS, finetune, mira

PAGES = Path(__file__).parent / "pages"


class _PageHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, directory=str(PAGES), **kwargs)

    def do_GET(self) -> None:
        if self.path.startswith("/download/report.csv"):
            body = b"flight,price\nUA100,245\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Disposition", 'attachment; filename="report.csv"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/slow"):
            import time

            time.sleep(30)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


# Where an earlier run, or the developer's own set-up, could hand the tests what a new
# machine lacks: mira's data folder (the assembled embedded model, the converted training
# model), Hugging Face's, matplotlib's and torch's caches, and the XDG folders that
# platformdirs resolves them through.
CACHE_VARIABLES = (
    "MIRA_HOME",
    "MIRA_DB",
    "HF_HOME",
    "HF_HUB_CACHE",
    "HF_DATASETS_CACHE",
    "TRANSFORMERS_CACHE",
    "MPLCONFIGDIR",
    "TORCH_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
)


def pytest_configure(config: pytest.Config) -> None:
    """A suite started with SIGINT ignored (nohup, or `&` in a shell without job
    control) would hand that on to every `mira` it starts, and the tests that press
    Ctrl-C on one would see it ignored; they get the usual Ctrl-C instead."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def new_machine_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session runs as on a machine that never ran mira: an empty HOME, with
    none of the variables that point at caches, so that the first-run paths (assembling
    the embedded model, converting it for training, building font caches) are taken and
    timed in every run, once per session, by the first test that needs them; the `mira`
    commands the tests start inherit it."""
    home = tmp_path_factory.mktemp("home")
    saved = {name: os.environ.get(name) for name in (*CACHE_VARIABLES, "HOME")}
    for name in CACHE_VARIABLES:
        os.environ.pop(name, None)
    os.environ["HOME"] = str(home)
    yield home
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _episodes_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs the tests start record their episodes in the test session's own database,
    never in the user's."""
    monkeypatch.setenv("MIRA_DB", str(tmp_path_factory.getbasetemp() / "episodes.db"))


@pytest.fixture(scope="session")
def pages_server() -> Iterator[str]:
    """Test pages on 127.0.0.1; the same server as ``localhost`` is another origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserSession]:
    run_dir = tmp_path_factory.mktemp("run")
    options = BrowserOptions(headless=True, run_dir=run_dir, action_timeout_ms=1500)
    with BrowserSession(options) as session:
        yield session


@pytest.fixture
def session(browser: BrowserSession) -> Iterator[BrowserSession]:
    """The shared headless browser, left with one blank tab and no dialog after each test."""
    yield browser
    if browser.dead:
        return
    dialog = browser.pending_dialog()
    if dialog is not None:
        browser.clear_dialog()
        browser.run(dialog.dismiss())
    pages = browser.pages
    for page in pages[1:]:
        browser.run(page.close())
    browser.set_active(0)
    browser.take_notices()
    for _ in range(3):  # a failed navigation can still be settling on Chromium's error page
        try:
            browser.goto("about:blank")
            break
        except Exception:
            continue


@pytest.fixture
def flight_site() -> Iterator[object]:
    from mira_agent.sites import get_site

    site = get_site("flights", seed=0)
    site.start()
    yield site
    site.stop()


def require_xvfb() -> None:
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed: `make setup` installs it (apt-get install xvfb)")


@pytest.fixture(scope="session")
def local_model():  # type: ignore[no-untyped-def]
    """The embedded Gemma 3 270M, loaded once through llama.cpp."""
    from mira_agent.llm.llamacpp import LocalBackend

    return LocalBackend(context=4096)


# -- training data ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def episodes_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Oracle episodes in the actor's own format, labelled by the site's checker: one
    success, and one failure cut off by the step limit after some progress."""
    db = tmp_path_factory.mktemp("train-data") / "episodes.db"
    for task, steps in ((SUCCESS_TASK, "30"), (FAILED_TASK, "2")):
        done = mira(
            "bench",
            "mail",
            "--tasks",
            task,
            "--split",
            "train",
            "--policy",
            "oracle",
            "--max-steps",
            steps,
            "--db",
            str(db),
        )
        assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="session")
def converted_base(
    episodes_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The session's first `mira finetune` (an SFT phase), as a new user's first one: it
    converts the embedded GGUF for transformers (about a minute on two cores) into the
    empty data folder. Every test that trains or loads the base model asks for this
    first, so the conversion is made once a session; the tests of a first run, and of
    SFT, read this run and its output folder."""
    pytest.importorskip("torch")
    from mira_agent.llm.models import default_local_model
    from mira_agent.train.base_model import converted_folder

    folder = converted_folder(default_local_model())
    assert not folder.exists(), f"{folder} was made before the first finetune: a test skipped"
    out = tmp_path_factory.mktemp("first-finetune") / "sft"
    done = finetune(
        episodes_db,
        out,
        "--algo",
        "sft",
        "--no-gguf",
        "--no-merge",
        "--epochs",
        "3",
        *TRAIN_ARGS,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (folder / "config.json").is_file()
    return done, out
