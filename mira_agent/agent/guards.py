"""When to re-plan and when to give up, as WebArena-Lite does, kept as pure bookkeeping.

Give up after `max_steps`, after 5 unparseable outputs in a row, or after 5 identical
actions in a row. Before giving up on a loop, hand it to the re-planner: an action
repeated 3 times, a page state come back to 3 times (left and entered again), or
`stall_steps` actions in a row that changed nothing each ask for a new plan.

Stalling means no change, not "no milestone yet": a long form or a cart being filled
makes progress at every step while its milestone is still open.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class GuardConfig:
    max_steps: int = 30
    max_unparseable: int = 5
    max_repeats: int = 5
    replan_repeats: int = 3
    replan_same_state: int = 3
    stall_steps: int = 4


@dataclass
class Guards:
    config: GuardConfig = field(default_factory=GuardConfig)
    unparseable: int = 0
    repeats: int = 0
    last_action: str | None = None
    unchanged: int = 0
    state_counts: dict[str, int] = field(default_factory=dict)
    last_state: str | None = None

    def parse_failed(self) -> str | None:
        """Count an unusable output; the reason to give up, if it is time."""
        self.unparseable += 1
        if self.unparseable >= self.config.max_unparseable:
            return f"{self.unparseable} unparseable outputs in a row"
        return None

    def acted(self, action: str) -> str | None:
        """Count an action; the reason to give up when the same one repeats too often."""
        self.unparseable = 0
        self.repeats = self.repeats + 1 if action == self.last_action else 1
        self.last_action = action
        if self.repeats >= self.config.max_repeats:
            return f"the same action {self.repeats} times in a row: {action}"
        return None

    def saw_state(self, url: str, observation: str) -> None:
        """Count entering a page state; staying on it is not coming back to it."""
        key = hashlib.sha1(f"{url}\n{observation}".encode()).hexdigest()
        if key != self.last_state:
            self.state_counts[key] = self.state_counts.get(key, 0) + 1
        self.last_state = key

    def changed(self, changed: bool) -> None:
        """Count an action that changed nothing on the page (or reset the count)."""
        self.unchanged = 0 if changed else self.unchanged + 1

    def replan_reason(self) -> str | None:
        """Why the planner should revise the plan now, or None."""
        if self.repeats >= self.config.replan_repeats:
            return f"the same action was repeated {self.repeats} times"
        last = self.last_state
        if last and self.state_counts.get(last, 0) >= self.config.replan_same_state:
            times = self.state_counts[last]
            return f"the agent is going in circles: it came back to the same page {times} times"
        if self.unchanged >= self.config.stall_steps:
            return f"the last {self.unchanged} actions changed nothing on the page"
        return None

    def replanned(self) -> None:
        """After a new plan, give it room before asking again."""
        self.unchanged = 0
        self.repeats = min(self.repeats, 1)
        self.state_counts.clear()
