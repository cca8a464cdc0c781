"""What a run's model calls cost, summed from its events: the console's summary, the
terminal UI's status line and the bench's results all read the same totals."""

from __future__ import annotations

from dataclasses import dataclass

from mira_agent.agent import events as ev
from mira_agent.llm.models import call_cost


@dataclass
class Totals:
    """Model usage so far, a sink of the agent's events; `cost` in US dollars at list
    price (0 for local models)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    calls: int = 0
    cost: float = 0.0

    def __call__(self, event: ev.Event) -> None:
        """Count `event` when it is a model call; every other event leaves the sums."""
        if not isinstance(event, ev.ModelCalled):
            return
        usage = event.completion.usage
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.model_seconds += usage.latency_s
        self.calls += 1
        self.cost += call_cost(event.completion.model, usage.prompt_tokens, usage.completion_tokens)
