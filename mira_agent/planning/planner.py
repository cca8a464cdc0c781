"""The online planner: decompose a task into milestones, check them after a step that
changed the page, revise the open ones when the agent is stuck, and judge the final state
of a task no site checks. Each is one LLM call whose answer is constrained to a small
JSON schema, so even a small model gives a usable answer; an answer that still cannot be
used is asked for once more, with what was wrong, and both are kept in `calls`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mira_agent.llm.base import Backend, Completion, ModelOutputError
from mira_agent.llm.base import Message as ChatMessage
from mira_agent.planning.milestones import Plan
from mira_agent.templates import render_prompt

MAX_MILESTONES = 6
TEXT = {"type": "string", "minLength": 8, "maxLength": 100}


def plan_schema(min_items: int = 2, max_items: int = MAX_MILESTONES) -> dict[str, object]:
    return {
        "type": "object",
        "properties": {
            "milestones": {
                "type": "array",
                "items": TEXT,
                "minItems": min_items,
                "maxItems": max_items,
            }
        },
        "required": ["milestones"],
        "additionalProperties": False,
    }


def check_schema(count: int) -> dict[str, object]:
    return {
        "type": "object",
        "properties": {
            "done": {
                "type": "array",
                "items": {"type": "boolean"},
                "minItems": count,
                "maxItems": count,
            },
            "reason": {"type": "string", "maxLength": 200},
        },
        "required": ["done", "reason"],
        "additionalProperties": False,
    }


JUDGE_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean"},
        "reason": {"type": "string", "maxLength": 200},
    },
    "required": ["success", "reason"],
    "additionalProperties": False,
}
PAGE_CHARS = 6000  # the end of the last page a judge reads

T = TypeVar("T")

QUESTION = re.compile(
    r"\?\s*$|^\s*(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can"
    r"|could|should|will|would)\b|\b(tell me|find|report|answer|how many|how much|look up"
    r"|what is|what are|which|list|count|compare|check|summari[sz]e|give me|show me)\b",
    re.IGNORECASE,
)


def asks_a_question(task: str) -> bool:
    """Whether the task wants an answer, not only a changed site: then the run is not
    over when its milestones are done, until the actor stops with the answer. Generous
    on purpose: a wrong yes costs one actor call, a wrong no loses the answer."""
    return QUESTION.search(task) is not None


@dataclass(frozen=True)
class Call:
    """One planner call as it happened: the messages, the answer, what it was for, and
    why the answer could not be used (None when it could)."""

    purpose: str
    messages: list[ChatMessage]
    completion: Completion
    unusable: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Verdict:
    success: bool
    reason: str


@dataclass(frozen=True)
class CheckResult:
    done: list[bool]
    reason: str


class Planner:
    """Wraps a backend with the planner's three jobs. `calls` keeps every exchange."""

    def __init__(self, backend: Backend, *, max_tokens: int = 700) -> None:
        self.backend = backend
        self.max_tokens = max_tokens
        self.calls: list[Call] = []

    def _ask(
        self,
        purpose: str,
        messages: list[ChatMessage],
        schema: dict[str, object],
        read: Callable[[dict], T],
    ) -> T:
        """One call, read by `read` (which raises ModelOutputError for an answer that
        cannot be used); an unusable answer is asked for once more, with the reason."""
        for attempt in (1, 2):
            completion = self.backend.complete(messages, schema=schema, max_tokens=self.max_tokens)
            try:
                data = completion.json()
                if not isinstance(data, dict):
                    raise ModelOutputError(f"the {purpose} answer is not a JSON object")
                value = read(data)
            except ModelOutputError as exc:
                self.calls.append(Call(purpose, messages, completion, unusable=str(exc)))
                if attempt == 2:
                    raise
                messages = [
                    *messages,
                    ChatMessage("assistant", completion.text),
                    ChatMessage(
                        "user",
                        f"That answer could not be used: {exc}. Answer again with one JSON"
                        " object of the form the instructions give.",
                    ),
                ]
                continue
            self.calls.append(Call(purpose, messages, completion))
            return value
        raise AssertionError("unreachable")

    def decompose(self, task: str, observation: str) -> Plan:
        return self._ask("plan", plan_messages(task, observation), plan_schema(), read_plan)

    def check(
        self, task: str, plan: Plan, observation: str, last_action: str, last_result: str
    ) -> CheckResult:
        messages = check_messages(task, plan, observation, last_action, last_result)
        count = len(plan.milestones)
        return self._ask(
            "check", messages, check_schema(count), lambda data: read_check(data, count)
        )

    def replan(self, task: str, plan: Plan, observation: str, why: str) -> Plan:
        room = replan_room(plan)
        return self._ask(
            "replan",
            replan_messages(task, plan, observation, why),
            plan_schema(1, room),
            lambda data: read_replan(data, plan, why),
        )

    def judge(self, task: str, answer: str | None, actions: str, observation: str) -> Verdict:
        """Whether the final state shows the task done: the task, the answer, what the
        actions did and the last page. A run no site checks ends on this verdict, not
        on the planner's own milestones, which measure progress but may ask for more
        than a page can show."""
        messages = render_prompt(
            "judge",
            task=task,
            answer=answer or "(none)",
            actions=actions or "(none)",
            observation=observation[-PAGE_CHARS:],
        )

        def read(data: dict) -> Verdict:
            if not isinstance(data.get("success"), bool):
                raise ModelOutputError("the judge's answer has no 'success' true/false")
            return Verdict(data["success"], str(data.get("reason", ""))[:200])

        return self._ask("judge", messages, JUDGE_SCHEMA, read)


# -- the prompts and the readers of their answers ---------------------------------------
# Module functions, not methods: a stand-in planner (the site's checks, bench/policies.py)
# renders the very same messages and writes answers these readers accept, so its
# demonstrations can never drift from what a model is shown at run time.


def plan_messages(task: str, observation: str) -> list[ChatMessage]:
    """What the planner is shown to decompose `task` on the first page."""
    return render_prompt(
        "planner", task=task, observation=observation, max_milestones=MAX_MILESTONES
    )


def read_plan(data: dict) -> Plan:
    texts = _texts(data.get("milestones"))
    if not texts:
        raise ModelOutputError("the planner gave no milestones")
    return Plan.create(texts[:MAX_MILESTONES])


def check_messages(
    task: str, plan: Plan, observation: str, last_action: str, last_result: str
) -> list[ChatMessage]:
    """What the checker is shown: the numbered milestones, the page, the last step."""
    numbered = "\n".join(f"{i + 1}. {m.text}" for i, m in enumerate(plan.milestones))
    return render_prompt(
        "checker",
        task=task,
        milestones=numbered,
        observation=observation,
        last_action=last_action,
        last_result=last_result,
    )


def read_check(data: dict, count: int) -> CheckResult:
    done = data.get("done")
    if not isinstance(done, list) or not all(isinstance(x, bool) for x in done):
        raise ModelOutputError("the checker's answer has no 'done' list of true/false")
    flags = [*done[:count], *[False] * (count - len(done))]
    return CheckResult(flags, str(data.get("reason", ""))[:200])


def replan_room(plan: Plan) -> int:
    """How many open milestones a revision of `plan` may have."""
    return max(1, MAX_MILESTONES - plan.done_count)


def replan_messages(task: str, plan: Plan, observation: str, why: str) -> list[ChatMessage]:
    """What the re-planner is shown: what is done, what is open, and why it is asked."""
    done = [m.text for m in plan.milestones if m.done]
    return render_prompt(
        "replanner",
        task=task,
        done="\n".join(f"- {t}" for t in done) or "(nothing yet)",
        open="\n".join(f"- {t}" for t in plan.open_milestones()) or "(none)",
        why=why,
        observation=observation,
        max_milestones=replan_room(plan),
    )


def read_replan(data: dict, plan: Plan, why: str) -> Plan:
    texts = _texts(data.get("milestones"))
    if not texts:
        raise ModelOutputError("the re-planner gave no milestones")
    return plan.revise(texts[: replan_room(plan)], why)


def _texts(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if str(v).strip()]
