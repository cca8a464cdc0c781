"""The WebArena suite: WebArena-Lite's task files, run against sites the user hosts.

A task file is a JSON list of WebArena task configs: an `intent`, a `start_url` with a
site placeholder (`__SHOPPING__`, `__REDDIT__`…), and an `eval` block combining string
matches on the answer, a URL match on the final page, and checks of page content
(`program_html`). The sites are self-hosted Docker images (too large for mira's own
tests): `--site-url shopping=http://host:7770` says where each one is.

String and URL checks are pure functions; page checks evaluate WebArena's locator
expressions in the live page. WebArena's `fuzzy_match` asks an LLM; here a lenient text
rule stands in unless a judge is given, and page checks through WebArena's Python
helpers (`func:…`) are reported as unsupported rather than guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from mira_agent.bench.tasks import BenchTask, FixedInstances
from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.session import BrowserSession
from mira_agent.errors import UsageError
from mira_agent.sites.base import Oracle

PLACEHOLDERS = {
    "__SHOPPING__": "shopping",
    "__SHOPPING_ADMIN__": "shopping_admin",
    "__REDDIT__": "reddit",
    "__GITLAB__": "gitlab",
    "__MAP__": "map",
    "__WIKIPEDIA__": "wikipedia",
    "__HOMEPAGE__": "homepage",
}


def load_tasks(path: str | Path) -> list[BenchTask]:
    """Read a WebArena(-Lite) task file: a JSON list of configs, or one config."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no such task file: {file}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{file} is not JSON: {exc.msg} (line {exc.lineno})") from None
    configs = data if isinstance(data, list) else [data]
    tasks = []
    for number, config in enumerate(configs, 1):
        if not isinstance(config, dict) or not {"intent", "start_url", "eval"} <= set(config):
            raise UsageError(f"{file}: task {number} lacks intent, start_url or eval")
        sites = config.get("sites") or []
        tasks.append(
            BenchTask(
                "webarena",
                f"webarena-{config.get('task_id', number)}",
                str(config["intent"]),
                "test",
                "+".join(sites) or "web",
                data=config,
            )
        )
    return tasks


def fill(url: str, site_urls: Mapping[str, str]) -> str:
    """A URL with its site placeholders replaced by where the user hosts each site."""
    for placeholder, name in PLACEHOLDERS.items():
        if placeholder in url:
            if name not in site_urls:
                raise UsageError(f"this task needs --site-url {name}=URL (where {name} is hosted)")
            url = url.replace(placeholder, site_urls[name].rstrip("/"))
    return url


# -- string and URL checks (pure) -----------------------------------------------------------


def clean(text: str) -> str:
    """WebArena's normalisation of answers: lower case, surrounding quotes and spaces off."""
    text = text.strip().lower()
    return text.strip("\"'").strip()


def string_match(answer: str | None, reference: Mapping[str, Any], fuzzy: FuzzyJudge) -> bool:
    """Every kind of reference answer present must match."""
    pred = clean(answer or "")
    for kind, expected in reference.items():
        if kind == "exact_match":
            if pred != clean(str(expected)):
                return False
        elif kind == "must_include":
            items = expected if isinstance(expected, list) else [expected]
            for item in items:
                # As WebArena does, a lone item is matched as whole words ("2" is not in
                # "12"); items of a longer list as substrings.
                found = (
                    _contains_words(pred, clean(str(item)))
                    if len(items) == 1
                    else clean(str(item)) in pred
                )
                if not found:
                    return False
        elif kind == "fuzzy_match":
            items = expected if isinstance(expected, list) else [expected]
            if expected == "N/A":
                if not _contains_words(pred, "n/a") and "not available" not in pred:
                    return False
            elif not all(fuzzy(pred, clean(str(item))) for item in items):
                return False
    return True


FuzzyJudge = Callable[[str, str], bool]


def lenient_fuzzy(prediction: str, reference: str) -> bool:
    """Stand-in for WebArena's LLM fuzzy match: every word of the reference appears."""
    words = re.findall(r"[a-z0-9]+", reference.lower())
    return all(_contains_words(prediction, word) for word in words)


def _contains_words(text: str, words: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(words)}(?![a-z0-9])", text) is not None


def url_match(current: str, reference: str) -> bool:
    """WebArena's URL check: the reference's path is part of the current one and each
    reference query parameter is present with one of its values ("GOLD in PRED")."""
    if not reference:
        return True
    got, want = urlparse(current), urlparse(reference)
    if want.netloc and got.netloc != want.netloc:
        return False
    if want.path.rstrip("/") not in got.path.rstrip("/") + "/" and want.path.rstrip(
        "/"
    ) != got.path.rstrip("/"):
        return False
    got_query = parse_qs(got.query)
    return all(
        any(v in got_query.get(key, []) for v in values)
        for key, values in parse_qs(want.query).items()
    )


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[str, ...] = ()
    unsupported: bool = False


def evaluate(
    config: Mapping[str, Any],
    answer: str | None,
    page_url: str,
    read_page: Callable[[str, str], str],
    site_urls: Mapping[str, str],
    fuzzy: FuzzyJudge = lenient_fuzzy,
) -> Verdict:
    """Judge one episode by the task's `eval` block. `read_page(url, locator)` returns
    the text a locator selects ("" for the whole page), opening `url` unless it is
    "last" (the page the agent ended on)."""
    spec = config["eval"]
    reasons: list[str] = []
    unsupported = False
    for kind in spec.get("eval_types", []):
        if kind == "string_match":
            if not string_match(answer, spec.get("reference_answers") or {}, fuzzy):
                reasons.append(f"the answer {answer!r} does not match the reference")
        elif kind == "url_match":
            reference = fill(spec.get("reference_url") or "", site_urls)
            options = [u for u in reference.split(" |OR| ") if u]
            if options and not any(url_match(page_url, u) for u in options):
                reasons.append(f"the final page {page_url} is not {reference}")
        elif kind == "program_html":
            targets = spec.get("program_html") or []
            # The page the agent ended on is read before any check navigates away from it.
            targets = sorted(targets, key=lambda t: t.get("url", "last") != "last")
            for target in targets:
                locator = target.get("locator", "")
                if locator.startswith("func:") or "func:" in target.get("url", ""):
                    unsupported = True
                    reasons.append(f"unsupported page check {locator or target.get('url')}")
                    continue
                url = target.get("url", "last")
                text = read_page(url if url == "last" else fill(url, site_urls), locator)
                if not string_match(text, target.get("required_contents") or {}, fuzzy):
                    reasons.append(f"the page at {url} lacks {target.get('required_contents')}")
        else:
            unsupported = True
            reasons.append(f"unknown eval type {kind}")
    return Verdict(not reasons, tuple(reasons), unsupported)


# -- episodes against hosted sites ---------------------------------------------------------


class WebArenaEpisode:
    """One WebArena task on the sites the user hosts, judged by its `eval` block."""

    def __init__(self, task: BenchTask, site_urls: Mapping[str, str]) -> None:
        self.task = task
        self.site_urls = site_urls
        self.instruction = task.intent
        self.verdict: Verdict | None = None
        self.session: BrowserSession | None = None

    def setup(self, session: BrowserSession) -> None:
        self.session = session
        start = fill(str(self.task.data["start_url"]).split(" |AND| ")[0], self.site_urls)
        opened = execute(session, Action("goto", {"url": start}))
        if not opened.ok:
            raise UsageError(f"cannot open {start}: {opened.error}")

    def progress(self) -> list[bool] | None:
        return None

    def over(self) -> bool:
        return False

    def judge(self, answer: str | None) -> bool:
        self.verdict = self._evaluate(answer)
        return self.verdict.ok

    def reward(self, answer: str | None) -> float:
        verdict = self.verdict or self._evaluate(answer)
        return 1.0 if verdict.ok else 0.0

    def oracle(self) -> Oracle | None:
        return None

    def _evaluate(self, answer: str | None) -> Verdict:
        session = self.session
        assert session is not None, "setup() opens the episode first"
        return evaluate(
            self.task.data,
            answer,
            session.page.url,
            lambda url, locator: read_page(session, url, locator),
            self.site_urls,
        )


def read_page(session: Any, url: str, locator: str) -> str:
    """The text a WebArena locator selects on `url` ("last": the current page)."""
    if url != "last":
        session.goto(url)
    expression = locator or "document.body.outerText"
    try:
        value = session.run(session.page.evaluate(f"() => {{ return {expression}; }}"))
    except Exception:  # a locator that finds nothing is an empty page, as in WebArena
        return ""
    return "" if value is None else str(value)


class WebArenaWorld:
    """Nothing to serve: the user hosts the sites."""

    def __init__(self, site_urls: Mapping[str, str]) -> None:
        self.site_urls = dict(site_urls)

    def open(self, task: BenchTask, seed: int, session: BrowserSession) -> WebArenaEpisode:
        episode = WebArenaEpisode(task, self.site_urls)
        episode.setup(session)
        return episode

    def close(self) -> None:
        pass


class WebArenaSuite(FixedInstances):
    """WebArena-Lite's configs, every one in the test split, on sites the user hosts."""

    name = "webarena"

    def world(self, site_urls: Mapping[str, str]) -> WebArenaWorld:
        return WebArenaWorld(site_urls)
