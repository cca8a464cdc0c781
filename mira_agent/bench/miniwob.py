"""The MiniWoB++ suite, from the `miniwob` package: its task pages served on 127.0.0.1, an
episode started with a seed, and its reward read from the page, as the package's own
environment reads it (`WOB_REWARD_GLOBAL` and friends). The episode clock is lifted:
a model's latency must not count against it. The scripted policies are in
`miniwob_oracle.py`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mira_agent.bench.miniwob_oracle import MiniWobOracle, has_oracle
from mira_agent.bench.tasks import BenchTask
from mira_agent.browser.session import BrowserSession
from mira_agent.errors import UsageError
from mira_agent.sites.base import Oracle

# Tasks that need coordinates, drawing, dragging, a canvas or sight of shapes and
# colours: not doable through a text observation and element actions.
VISUAL = frozenset(
    {
        "bisect-angle", "circle-center", "click-color", "click-pie", "click-pie-nodelay",
        "click-shape", "count-shape", "count-sides", "drag-box", "drag-circle", "drag-cube",
        "drag-items", "drag-items-grid", "drag-shapes", "drag-shapes-2", "drag-single-shape",
        "drag-sort-numbers", "draw-circle", "draw-line", "find-midpoint", "grid-coordinate",
        "highlight-text", "highlight-text-2", "identify-shape", "moving-items",
        "right-angle", "resize-textarea", "text-transform", "visual-addition",
        "number-checkboxes", "ascending-numbers", "daily-calendar", "hot-cold",
        "simple-arithmetic", "simple-algebra", "odd-or-even", "sign-agreement",
        "click-menu-2", "tic-tac-toe", "unicode-test", "chase-circle",
        "copy-paste", "copy-paste-2", "generate-number", "stock-market",
    }
)  # fmt: skip

# A documented default: short and long text tasks that open-model agents are compared on.
DEFAULT_SUBSET = (
    "click-button",
    "click-link",
    "click-dialog",
    "click-tab",
    "focus-text",
    "enter-text",
    "enter-password",
    "login-user",
    "click-checkboxes",
    "choose-list",
    "use-autocomplete",
    "search-engine",
)


def html_root() -> Path:
    """The folder of MiniWoB++'s pages inside the installed package."""
    try:
        import miniwob
    except ImportError:
        raise UsageError(
            "MiniWoB++ needs the miniwob package: pip install 'mira-agent[bench]'"
        ) from None
    return Path(miniwob.__file__).parent / "html"


def text_tasks() -> list[str]:
    """Every MiniWoB++ task a text-reading agent can do, sorted."""
    names = sorted(p.stem for p in (html_root() / "miniwob").glob("*.html"))
    return [n for n in names if n not in VISUAL and not n.endswith("-nodelay")]


def miniwob_tasks(names: Sequence[str] | None = None) -> list[BenchTask]:
    """MiniWoB++ tasks (its tasks have no fixed split: seeds split them, see `MiniWobSuite`)."""
    available = text_tasks()
    chosen = list(names) if names else list(DEFAULT_SUBSET)
    unknown = [n for n in chosen if n not in available]
    if unknown:
        raise UsageError(f"not MiniWoB++ text tasks: {', '.join(unknown)}")
    return [BenchTask("miniwob", name, "", "both", name) for name in chosen]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class MiniWobServer:
    """The package's pages on 127.0.0.1 (one server for all workers of a process)."""

    def __init__(self) -> None:
        handler = functools.partial(_Quiet, directory=str(html_root()))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def page(self, task: str) -> str:
        return f"{self.url}/miniwob/{task}.html"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


START = "(seed) => { Math.seedrandom(seed); core.EPISODE_MAX_TIME = 1e9; core.startEpisodeReal(); }"
UTTERANCE = (
    "() => { const u = core.getUtterance(); return typeof u === 'string' ? u : u.utterance; }"
)
STATE = (
    "() => ({done: WOB_DONE_GLOBAL, reward: WOB_REWARD_GLOBAL,"
    " raw: WOB_RAW_REWARD_GLOBAL, reason: String(WOB_REWARD_REASON)})"
)


@dataclass(frozen=True)
class WobState:
    done: bool
    reward: float
    raw_reward: float


def start_episode(session: Any, seed: int) -> str:
    """Start the open MiniWoB++ page's episode with `seed`; returns its instruction."""
    page = session.page
    session.run(page.wait_for_function("() => typeof core !== 'undefined'"))
    session.run(page.evaluate(START, seed))
    session.run(page.wait_for_function("() => window.WOB_TASK_READY !== false"))
    return " ".join(str(session.run(page.evaluate(UTTERANCE))).split())


def episode_state(session: Any) -> WobState:
    data = session.run(session.page.evaluate(STATE))
    return WobState(bool(data["done"]), float(data["reward"]), float(data["raw"]))


# -- episodes, the world and the suite ------------------------------------------------------


class MiniWobEpisode:
    """One MiniWoB++ task page drawn with a seed; the page itself says when it is over and
    what it earned."""

    def __init__(self, task: BenchTask, url: str, seed: int) -> None:
        self.task = task
        self.url = url
        self.seed = seed
        self.instruction = ""  # drawn by the page in `setup`
        self.session: BrowserSession | None = None

    def setup(self, session: BrowserSession) -> None:
        self.session = session
        session.goto(self.url)
        self.instruction = start_episode(session, self.seed)

    def _state(self) -> WobState:
        assert self.session is not None, "setup() opens the episode first"
        return episode_state(self.session)

    def progress(self) -> list[bool] | None:
        return None

    def over(self) -> bool:
        return self._state().done

    def reward(self, answer: str | None) -> float:
        state = self._state()
        return state.raw_reward if state.done else 0.0

    def judge(self, answer: str | None) -> bool:
        return self.reward(answer) > 0

    def oracle(self) -> Oracle | None:
        if not has_oracle(self.task.site):
            return None
        return MiniWobOracle(self.task.site, self.instruction)


class MiniWobWorld:
    """The package's pages, served for one worker."""

    def __init__(self) -> None:
        self._server = MiniWobServer()

    def open(self, task: BenchTask, seed: int, session: BrowserSession) -> MiniWobEpisode:
        episode = MiniWobEpisode(task, self._server.page(task.site), seed)
        episode.setup(session)
        return episode

    def close(self) -> None:
        self._server.stop()


class MiniWobSuite:
    """MiniWoB++'s pages, served once per worker; a task is drawn anew per seed."""

    name = "miniwob"

    def seed(self, task: BenchTask, split: str, k: int) -> int:
        """MiniWoB++ draws a new instance of a task per seed, so train and test are
        disjoint seed ranges."""
        return (1_000_000 if split == "test" else 0) + k

    def world(self, site_urls: Mapping[str, str]) -> MiniWobWorld:
        return MiniWobWorld()
