"""The stand-ins a benchmark puts into the agent loop in place of models: a scripted
oracle as the actor, and a site's own milestone checks as the planner.

Both keep the loop's contract exactly, so an oracle episode is recorded as an actor's
would be (the same observation, the same rendered prompt, the oracle's action as the
completion, in the actor's own answer format): a demonstration for supervised
fine-tuning. And a site-checked episode carries exact milestone completion steps even
when the planner model is too small to judge them, with the planner's, checker's and
re-planner's calls recorded as demonstrations in their own formats too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from mira_agent.agent.actor import Actor, Decision
from mira_agent.browser.actions import Action
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
from mira_agent.planning.demonstrations import (
    DEMONSTRATOR,
    ORACLE,
    check_demonstration,
    plan_demonstration,
    replan_demonstration,
)
from mira_agent.planning.milestones import Plan
from mira_agent.planning.planner import (
    Call,
    CheckResult,
    Planner,
    read_check,
    read_plan,
    read_replan,
    replan_room,
)
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


THOUGHT_LIMIT = 160  # the actor schema's maxLength for the thought


def grounded_thought(action: Action, observation: Observation, milestone: str | None) -> str:
    """What a demonstration's thought says: the element the action uses, by its role and
    name as the page shows them (and the text it types), before the milestone it serves.

    A small model writes the thought before the action, so a thought that names the
    element by its words teaches it to find the element from the task's and the page's
    words, and then to copy that element's id: "Next: click" taught it nothing of that."""
    elements = {e.id: e for e in observation.elements()}

    def named(element_id: object) -> str:
        element = elements.get(str(element_id))
        return f'{element.role} "{element.name}"' if element else f"[{element_id}]"

    args = action.args
    if action.name == "type":
        what = f'type "{args["text"]}" into {named(args["element"])}'
    elif action.name == "fill":
        what = "fill " + ", ".join(named(e) for e in args["elements"])
    elif action.name == "select":
        what = f'select "{args["option"]}" in {named(args["element"])}'
    elif action.name == "stop":
        what = f"done: {args['answer']}" if args.get("answer") else "done"
    elif "element" in args:
        what = f"{action.name} {named(args['element'])}"
    else:
        what = str(action)
    thought = f"{what}, for: {milestone}" if milestone and action.name != "stop" else what
    return thought if len(thought) <= THOUGHT_LIMIT else thought[: THOUGHT_LIMIT - 1] + "…"


class OracleActor(Actor):
    """An actor whose choice comes from a scripted oracle. Its prompt is rendered exactly
    as the model's would be (in the style given); its completion is the oracle's action
    in the model's own answer format, with a grounded thought (`grounded_thought`)."""

    def __init__(self, oracle: Oracle, name: str = ORACLE, *, prompts: str = "full") -> None:
        super().__init__(NoModel(ORACLE, name), prompts=prompts)  # type: ignore[arg-type]
        self.oracle = oracle

    def choose(self, messages: list[Message], observation: Observation, plan: str) -> Decision:
        action = self.oracle.next_action(observation)
        thought = grounded_thought(action, observation, current_milestone(plan))
        text = json.dumps({"thought": thought, "action": action.to_json()}, ensure_ascii=False)
        return Decision(messages, Completion(text, Usage(), ORACLE), thought, action)


class SitePlanner(Planner):
    """The planner's three jobs done by a sandbox task's own checks: the plan is the
    task's milestones, a check reads the site's state, and a re-plan answers with the
    site's milestones not yet done.

    Each job is also recorded as a demonstration (planning/demonstrations.py): the
    messages the real planner would be shown, and the answer it would have had to give.
    `milestones` may be a function, for a task whose milestones depend on the branch
    the episode took: a check then reads the milestones by their words, and a re-plan
    answers with the branch's own.

    With `judge` (an LLM planner), every check also asks the model to judge the same
    milestones; its calls are recorded beside the site's, under its own model's name, so
    a report can say how often the LLM checker agrees with the site."""

    def __init__(
        self,
        milestones: Sequence[str] | Callable[[], Sequence[str]],
        progress: Callable[[], list[bool]],
        *,
        site: str,
        judge: Planner | None = None,
    ) -> None:
        super().__init__(NoModel(DEMONSTRATOR, site))  # type: ignore[arg-type]
        if callable(milestones):
            self._milestones: Callable[[], Sequence[str]] = milestones
        else:
            fixed = tuple(milestones)
            self._milestones = lambda: fixed
        self.progress = progress
        self.judge = judge
        self.agreement = (0, 0)  # (milestone verdicts where the judge agreed, verdicts)

    @property
    def milestones(self) -> list[str]:
        """The task's milestones as the site words them now."""
        return [m.strip() for m in self._milestones()]

    def truth(self) -> dict[str, bool]:
        """Each of the site's milestones and whether its check says it is done."""
        progress = self.progress()
        return {text: bool(done) for text, done in zip(self.milestones, progress, strict=False)}

    def _demonstrate(self, call: Call) -> Any:
        """Record `call` and return its answer as JSON: the run goes on with what the
        real planner would have read from it."""
        self.calls.append(call)
        return call.completion.json()

    def decompose(self, task: str, observation: str) -> Plan:
        answer = self._demonstrate(plan_demonstration(task, observation, self.milestones))
        return replace(read_plan(answer), reason="the site's milestones")

    def check(
        self, task: str, plan: Plan, observation: str, last_action: str, last_result: str
    ) -> CheckResult:
        truth = self.truth()
        site = [truth.get(m.text, False) for m in plan.milestones]
        call = check_demonstration(task, plan, observation, last_action, last_result, site)
        verdict = read_check(self._demonstrate(call), len(plan.milestones))
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
        return verdict

    def replan(self, task: str, plan: Plan, observation: str, why: str) -> Plan:
        """The site's milestones that the plan has not marked done, as the new open
        milestones. A plan that already says just that is kept as it is (a site with
        fixed milestones has nothing to revise); the call is recorded all the same."""
        kept = {m.text for m in plan.milestones if m.done}
        remaining = [text for text in self.milestones if text not in kept]
        if not remaining:
            return plan  # every milestone the site asks for is done: nothing to answer
        call = replan_demonstration(task, plan, observation, why, remaining[: replan_room(plan)])
        revised = read_replan(self._demonstrate(call), plan, why)
        same = [m.text for m in revised.milestones] == [m.text for m in plan.milestones]
        return plan if same else revised
