"""Re-run a stored episode's actions in a fresh browser, with no model: a regression
check for sites and for mira itself, and a way to watch what an agent did.

Element ids belong to one page load, so each action's element is found again: by its
stored id when that id still names an element of the same role and name, else by role
and name alone. The replay stops, saying why, at the first step it cannot reproduce.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from mira_agent.agent.safety import MASK, approval_reason
from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.observation import ElementRef
from mira_agent.browser.observe import observe
from mira_agent.browser.session import BrowserOptions, BrowserSession
from mira_agent.run.site import browser_at, prepared_site
from mira_agent.run.spec import RunSpec
from mira_agent.store.database import EpisodeStore

# Actions that change nothing in the browser: the loop handles them itself.
NO_BROWSER_EFFECT = {"replan", "ask_user"}


@dataclass(frozen=True)
class ReplayedStep:
    step: int
    action: str
    status: str  # "ok", "failed as recorded", "skipped"
    note: str = ""


@dataclass
class ReplayReport:
    episode_id: int
    steps: list[ReplayedStep] = field(default_factory=list)
    failed_step: int | None = None
    failure: str | None = None
    verdict: bool | None = None  # the task's checker on the replayed run, where it has one
    recorded_status: str = ""

    @property
    def reproduced(self) -> bool:
        """Every step ran as recorded, and the checker (if any) agrees with the record."""
        if self.failed_step is not None:
            return False
        if self.verdict is None or self.recorded_status not in ("succeeded", "failed"):
            return True
        return self.verdict == (self.recorded_status == "succeeded")


class ReplayStopped(Exception):
    def __init__(self, step: int, why: str) -> None:
        super().__init__(why)
        self.step = step


def find_element(
    elements: Sequence[ElementRef], element_id: str, target: dict[str, str] | None
) -> ElementRef | None:
    """The element an action meant, on today's page (pure, so it can be tested alone)."""
    by_id = next((e for e in elements if e.id == element_id), None)
    if target is None:
        return by_id
    if by_id is not None and (by_id.role, by_id.name) == (target["role"], target["name"]):
        return by_id
    return next((e for e in elements if (e.role, e.name) == (target["role"], target["name"])), None)


def _rebase(url: str, old_origin: str, new_origin: str) -> str:
    """A URL of the recorded site, moved to where the site is served now."""
    return new_origin + url[len(old_origin) :] if url.startswith(old_origin) else url


def _origin(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


def replay_episode(
    store: EpisodeStore,
    episode_id: int,
    browser: BrowserOptions,
    *,
    secrets: Sequence[str] = (),
    approver: Callable[[str, str], bool] = lambda action, reason: False,
    on_step: Callable[[ReplayedStep], None] = lambda step: None,
    on_browser: Callable[[BrowserSession], None] = lambda session: None,
) -> ReplayReport:
    """Replay `episode_id`. A sandbox episode gets its site served again with the same
    seed, and its task's checker judges the result. `secrets` fill, in order, the typed
    values that were masked when the episode was stored. Risky actions (paying,
    deleting, sending) need `approver`'s yes, as they did in the run."""
    episode = store.episode(episode_id)
    report = ReplayReport(episode_id, recorded_status=episode["status"])
    spec = RunSpec(
        task=episode["task"],
        task_id=episode["task_id"],
        site=episode["site"],
        seed=episode["seed"] or 0,
        url=None if episode["task_id"] else episode["start_url"],
    )
    pending_secrets = list(secrets)
    answer: str | None = None
    with (
        prepared_site(spec) as prepared,
        browser_at(browser, prepared.url, on_browser) as session,
    ):
        old_origin, new_origin = _origin(episode["start_url"] or ""), _origin(prepared.url)
        try:
            for row in store.children("steps", episode_id):
                done = _replay_step(
                    session, row, pending_secrets, approver, (old_origin, new_origin)
                )
                report.steps.append(done)
                on_step(done)
                if row["parsed"] and row["parsed"]["action"] == "stop":
                    answer = row["parsed"].get("answer")
                    break
        except ReplayStopped as stopped:
            report.failed_step, report.failure = stopped.step, str(stopped)
            return report
        if prepared.goal.judge is not None:
            report.verdict = prepared.goal.judge(answer)
    return report


def _replay_step(
    session: BrowserSession,
    row: dict[str, Any],
    secrets: list[str],
    approver: Callable[[str, str], bool],
    origins: tuple[str, str],
) -> ReplayedStep:
    step, parsed, shown = row["step"], row["parsed"], row["action"] or ""
    error = row["error"] or ""
    if parsed is None:
        return ReplayedStep(step, shown, "skipped", "the model's answer was not an action")
    if row["ok"] == 0 and "did not allow" in error:
        return ReplayedStep(step, shown, "skipped", "refused in the run")
    if row["ok"] is None and parsed["action"] != "stop":
        return ReplayedStep(step, shown, "skipped", "the run ended before it was carried out")
    name = parsed["action"]
    if name in NO_BROWSER_EFFECT or name == "stop":
        return ReplayedStep(step, shown, "ok", "no browser effect")
    args = {k: v for k, v in parsed.items() if k != "action"}
    if "url" in args:
        args["url"] = _rebase(str(args["url"]), *origins)

    def unmasked(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [unmasked(item) for item in value]  # fill's values
        if isinstance(value, str) and MASK in value:
            if not secrets:
                raise ReplayStopped(
                    step,
                    f"step {step} typed a secret that was masked when the episode was stored;"
                    " give it with --secret",
                )
            return secrets.pop(0)
        return value

    args = {key: unmasked(value) for key, value in args.items()}
    page = observe(session)
    elements = page.elements()
    if "element" in args:
        found = find_element(elements, str(args["element"]), row["target"])
        if found is None:
            target = row["target"] or {"role": "element", "name": args["element"]}
            raise ReplayStopped(
                step,
                f'step {step}: no {target["role"]} "{target["name"]}" on {page.url}'
                f" (it was on {row['url']})",
            )
        args["element"] = found.id
    fields = (row["target"] or {}).get("fields") or []
    for index, element in enumerate(args.get("elements", [])):
        # fill: each field found again as the single-element actions are.
        target = fields[index] if index < len(fields) else None
        found = find_element(elements, str(element), target)
        if found is None:
            what = f'{target["role"]} "{target["name"]}"' if target else f"field [{element}]"
            raise ReplayStopped(
                step, f"step {step}: no {what} on {page.url} (it was on {row['url']})"
            )
        args["elements"][index] = found.id
    action = Action(name, args)
    reason = approval_reason(action, elements)
    if reason and not approver(shown, reason):
        raise ReplayStopped(step, f"step {step} needs a yes ({reason}) and did not get one")
    result = execute(session, action)
    if result.ok:
        return ReplayedStep(step, shown, "ok", result.message)
    if row["ok"] == 0:
        return ReplayedStep(step, shown, "failed as recorded", result.error or "")
    raise ReplayStopped(step, f"step {step} ({shown}) failed: {result.error}")
