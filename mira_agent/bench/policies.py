"""The stand-ins a benchmark puts into the agent loop in place of models: a scripted
oracle as the actor, and a site's own milestone checks as the planner.

Both keep the loop's contract exactly, so an oracle episode is recorded as an actor's
would be (the same observation, the same rendered prompt, the oracle's action as the
completion, in the actor's own answer format): a demonstration for supervised
fine-tuning. And a site-checked episode carries exact milestone completion steps even
when the planner model is too small to judge them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from mira_agent.agent.actor import Actor, Decision
from mira_agent.browser.observation import Observation
from mira_agent.llm.base import (
    Backend,
    Completion,
    LLMError,
    Message,
    ModelOutputError,
    Request,
    Usage,
)
from mira_agent.planning.milestones import Plan
from mira_agent.planning.planner import CheckResult, Planner
from mira_agent.sites.base import Oracle


class NoModel(Backend):
    """The backend slot of a policy that calls no model: it names the policy in the
    record and refuses to be called."""

    takes_images = False

    def __init__(self, name: str, model: str) -> None:
        self.name = name
        self.model = model

    def answer(self, request: Request) -> Completion:
        raise LLMError(f"{self.name} calls no model")


def current_milestone(plan: str) -> str | None:
    """The milestone the checklist marks as current (``[>] 2. …``), without its number."""
    for line in plan.splitlines():
        if line.startswith("[>]"):
            return line[3:].strip().split(". ", 1)[-1]
    return None


class OracleActor(Actor):
    """An actor whose choice comes from a scripted oracle. Its prompt is rendered exactly
    as the model's would be; its completion is the oracle's action in the model's own
    answer format, with the current milestone as the thought."""

    def __init__(self, oracle: Oracle, name: str = "oracle") -> None:
        super().__init__(NoModel("oracle", name))  # type: ignore[arg-type]
        self.oracle = oracle

    def choose(self, messages: list[Message], observation: Observation, plan: str) -> Decision:
        action = self.oracle.next_action(observation)
        milestone = current_milestone(plan)
        thought = f"Next: {milestone}" if milestone else f"Next: {action.name}"
        text = json.dumps({"thought": thought, "action": action.to_json()}, ensure_ascii=False)
        return Decision(messages, Completion(text, Usage(), "oracle"), thought, action)


class SitePlanner(Planner):
    """The planner's three jobs done by a sandbox task's own checks: the plan is the
    task's milestones, a check reads the site's state, and a re-plan keeps the plan
    (the site's milestones are fixed).

    With `judge` (an LLM planner), every check also asks the model to judge the same
    milestones; its calls are recorded beside the site's verdicts, so a report can say
    how often the LLM checker agrees with the site."""

    def __init__(
        self,
        milestones: Sequence[str],
        progress: Callable[[], list[bool]],
        *,
        site: str,
        judge: Planner | None = None,
    ) -> None:
        super().__init__(NoModel("site", site))  # type: ignore[arg-type]
        self.milestones = list(milestones)
        self.progress = progress
        self.judge = judge
        self.agreement = (0, 0)  # (milestone verdicts where the judge agreed, verdicts)

    def decompose(self, task: str, observation: str) -> Plan:
        return Plan.create(self.milestones, reason="the site's milestones")

    def check(
        self, task: str, plan: Plan, observation: str, last_action: str, last_result: str
    ) -> CheckResult:
        site = self.progress()
        if self.judge is not None:
            before = len(self.judge.calls)
            try:
                judged = self.judge.check(task, plan, observation, last_action, last_result).done
            except ModelOutputError:  # the judge is only measured: it never changes the run
                judged = None
            self.calls.extend(self.judge.calls[before:])
            if judged is not None:
                agree, total = self.agreement
                same = sum(a == b for a, b in zip(judged, site, strict=False))
                self.agreement = (agree + same, total + len(site))
        return CheckResult(site, "the site's checks")

    def replan(self, task: str, plan: Plan, observation: str, why: str) -> Plan:
        return plan
