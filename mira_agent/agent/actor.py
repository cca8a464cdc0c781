"""The actor: one prompt, one action. Its answer is constrained to the action schema
built from the ids on the current page, so a constrained model can only pick elements
that exist.

The prompt comes in two styles: `full` spells out every action and the rules, for a
model that reads instructions; `compact` names the actions in one line, for a small
model trained on demonstrations in that style (the schema holds it to the format). The
compact style's instructions are about a twelfth of the full one's tokens, which is most
of what a training step and a CPU step cost before the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mira_agent.browser.actions import (
    ACTIONS,
    Action,
    ActionParseError,
    ActionSpec,
    action_schema,
    available_actions,
    describe_actions,
    name_actions,
    parse_action,
)
from mira_agent.browser.observation import Observation
from mira_agent.llm.base import Backend, Completion, Message, ModelOutputError
from mira_agent.templates import render_prompt

PROMPT_STYLES = ("full", "compact")


def actor_schema(
    element_ids: Sequence[str], actions: Sequence[ActionSpec] = ACTIONS
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "thought": {"type": "string", "maxLength": 160},
            "action": action_schema(list(element_ids), actions),
        },
        "required": ["thought", "action"],
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class Decision:
    messages: list[Message]
    completion: Completion
    thought: str
    action: Action | None
    error: str | None = None


# Room for the longest answer the schema allows (a 160-character thought and a 400-character
# typed text) even at one token per character, which is how a small model's runaway text
# tokenises: an answer the budget cuts off is unusable, however well it started.
ACTION_TOKENS = 640


class Actor:
    def __init__(
        self,
        backend: Backend,
        *,
        max_tokens: int = ACTION_TOKENS,
        images: bool = False,
        temperature: float = 0.0,
        prompts: str = "full",
    ) -> None:
        if prompts not in PROMPT_STYLES:
            raise ValueError(f"unknown prompt style {prompts!r}: use {' or '.join(PROMPT_STYLES)}")
        self.backend = backend
        self.prompts = prompts
        self.max_tokens = max_tokens
        # 0 (greedy) for runs; above 0 to sample varied rollouts for training.
        self.temperature = temperature
        self.images = images and backend.takes_images

    def decide(
        self,
        task: str,
        history: Sequence[str],
        plan: str,
        notes: Sequence[str],
        observation: Observation,
    ) -> Decision:
        """The next action: the actor's prompt rendered from the state, then the choice."""
        available = available_actions(observation.dialog is not None)
        compact = self.prompts == "compact"
        messages = render_prompt(
            "actor-compact" if compact else "actor",
            actions=name_actions(available) if compact else describe_actions(available),
            task=task,
            history="\n".join(history) or "(none yet)",
            plan=plan,
            notes="\n".join(f"- {n}" for n in notes),
            observation=observation.render(),
        )
        if self.images and observation.screenshot:
            last = messages[-1]
            messages[-1] = Message(last.role, last.content, (observation.screenshot,))
        return self.choose(messages, observation, plan)

    def choose(self, messages: list[Message], observation: Observation, plan: str) -> Decision:
        """The model's answer to the rendered prompt. A stand-in actor (the bench's
        oracle) overrides only this, so the prompt it records is the model's by
        construction."""
        schema = actor_schema(
            observation.element_ids, available_actions(observation.dialog is not None)
        )
        completion = self.backend.complete(
            messages, schema=schema, max_tokens=self.max_tokens, temperature=self.temperature
        )
        thought, action, error = read_decision(completion.text)
        return Decision(messages, completion, thought, action, error)


def read_decision(text: str) -> tuple[str, Action | None, str | None]:
    """(thought, action, error) from the actor's raw answer; never raises."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    try:
        if isinstance(data, dict) and isinstance(data.get("action"), dict):
            return str(data.get("thought", ""))[:300], parse_action(data["action"]), None
        return "", parse_action(text), None
    except (ActionParseError, ModelOutputError) as exc:
        thought = str(data.get("thought", ""))[:300] if isinstance(data, dict) else ""
        return thought, None, str(exc)
