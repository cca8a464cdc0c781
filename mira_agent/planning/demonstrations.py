"""Planner calls answered by an environment that knows the truth: demonstrations.

A sandbox site knows its task's milestones and which of them are done. Where its checks
stand in for the planner, each of the planner's jobs is recorded as a call in the real
planner's own format: the messages `Planner` would render (its own functions render
them here, so a prompt change moves both) and, as the completion, the JSON answer the
real planner would have had to give. A small model can then be taught to plan, check
and re-plan as it is taught to act.

A demonstration's model is `DEMONSTRATOR`: the store tells it from a model's answer
(an LLM judge measured beside the site keeps its own model's name).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from mira_agent.llm.base import Completion, Message, Usage
from mira_agent.planning.milestones import Plan
from mira_agent.planning.planner import (
    Call,
    check_messages,
    plan_messages,
    replan_messages,
)

DEMONSTRATOR = "site"  # the model of a planner call the site's own checks answered
ORACLE = "oracle"  # the model of an actor call a scripted oracle answered
DEMONSTRATORS = frozenset({DEMONSTRATOR, ORACLE})


def is_demonstration(model: str | None) -> bool:
    """Whether a recorded call's answer came from the environment, not from a model."""
    return model in DEMONSTRATORS


def demonstration(purpose: str, messages: list[Message], answer: dict[str, object]) -> Call:
    """A call whose completion is `answer`, written as a model constrained to the
    planner's schema writes it (one JSON object)."""
    text = json.dumps(answer, ensure_ascii=False)
    return Call(purpose, messages, Completion(text, Usage(), DEMONSTRATOR))


def plan_demonstration(task: str, observation: str, milestones: Sequence[str]) -> Call:
    """The planner's call for `task` on its first page, answered with `milestones`."""
    return demonstration("plan", plan_messages(task, observation), {"milestones": list(milestones)})


def check_demonstration(
    task: str,
    plan: Plan,
    observation: str,
    last_action: str,
    last_result: str,
    done: Sequence[bool],
) -> Call:
    """The checker's call after a step, answered with the true done-vector and a reason
    that names what is reached and what comes next in the milestones' own words: a model
    taught to write it learns to read the milestones, not to count them."""
    reason = check_reason([m.text for m in plan.milestones], done)
    messages = check_messages(task, plan, observation, last_action, last_result)
    return demonstration("check", messages, {"done": list(done), "reason": reason})


def check_reason(milestones: Sequence[str], done: Sequence[bool]) -> str:
    """'Reached: 1, 2. Next: 3 (its text)', 'Nothing reached yet. Next: 1 (…)', or
    'All milestones are reached.'; at most the 200 characters the schema allows."""
    reached = [str(i + 1) for i, flag in enumerate(done) if flag]
    still_open = [i for i, flag in enumerate(done) if not flag]
    if not still_open:
        return "All milestones are reached."
    head = f"Reached: {', '.join(reached)}." if reached else "Nothing reached yet."
    first = still_open[0]
    return f"{head} Next: {first + 1} ({milestones[first]})"[:200]


def replan_demonstration(
    task: str, plan: Plan, observation: str, why: str, milestones: Sequence[str]
) -> Call:
    """The re-planner's call, answered with the open milestones of the new plan."""
    messages = replan_messages(task, plan, observation, why)
    return demonstration("replan", messages, {"milestones": list(milestones)})
