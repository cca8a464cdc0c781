"""The online planner: decompose a task into milestones, check them after every step,
and revise the open ones when the agent is stuck. Each is one LLM call whose answer is
constrained to a small JSON schema, so even a small model gives a usable answer."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Call:
    """One planner call as it happened: the messages, the answer, what it was for."""

    purpose: str
    messages: list[ChatMessage]
    completion: Completion


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

    def _ask(self, purpose: str, messages: list[ChatMessage], schema: dict[str, object]) -> dict:
        completion = self.backend.complete(messages, schema=schema, max_tokens=self.max_tokens)
        self.calls.append(Call(purpose, messages, completion))
        data = completion.json()
        if not isinstance(data, dict):
            raise ModelOutputError(f"the planner's {purpose} answer is not a JSON object")
        return data

    def decompose(self, task: str, observation: str) -> Plan:
        messages = render_prompt(
            "planner", task=task, observation=observation, max_milestones=MAX_MILESTONES
        )
        data = self._ask("plan", messages, plan_schema())
        texts = _texts(data.get("milestones"))
        if not texts:
            raise ModelOutputError("the planner gave no milestones")
        return Plan.create(texts[:MAX_MILESTONES])

    def check(
        self, task: str, plan: Plan, observation: str, last_action: str, last_result: str
    ) -> CheckResult:
        numbered = "\n".join(f"{i + 1}. {m.text}" for i, m in enumerate(plan.milestones))
        messages = render_prompt(
            "checker",
            task=task,
            milestones=numbered,
            observation=observation,
            last_action=last_action,
            last_result=last_result,
        )
        data = self._ask("check", messages, check_schema(len(plan.milestones)))
        done = data.get("done")
        if not isinstance(done, list):
            raise ModelOutputError("the checker's answer has no 'done' list")
        flags = [bool(x) for x in done][: len(plan.milestones)]
        flags += [False] * (len(plan.milestones) - len(flags))
        return CheckResult(flags, str(data.get("reason", ""))[:200])

    def replan(self, task: str, plan: Plan, observation: str, why: str) -> Plan:
        done = [m.text for m in plan.milestones if m.done]
        room = max(1, MAX_MILESTONES - len(done))
        messages = render_prompt(
            "replanner",
            task=task,
            done="\n".join(f"- {t}" for t in done) or "(nothing yet)",
            open="\n".join(f"- {t}" for t in plan.open_milestones()) or "(none)",
            why=why,
            observation=observation,
            max_milestones=room,
        )
        data = self._ask("replan", messages, plan_schema(1, room))
        texts = _texts(data.get("milestones"))
        if not texts:
            return plan
        return plan.revise(texts[:room], why)


def _texts(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if str(v).strip()]
