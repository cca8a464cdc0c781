"""A plan of ordered milestones and its progress vector, as plain data.

Pure functions only: the planner (an LLM) proposes, these functions keep the rules —
a milestone once done stays done, a revision keeps what is done and replaces the rest,
and every version of the plan is numbered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MilestoneState:
    text: str
    done: bool = False
    done_at_step: int | None = None
    added_in_version: int = 1


@dataclass(frozen=True)
class Plan:
    """Milestones in order, with the plan's version and why it was made."""

    milestones: tuple[MilestoneState, ...]
    version: int = 1
    reason: str = "initial plan"

    @classmethod
    def create(cls, texts: Sequence[str], reason: str = "initial plan") -> Plan:
        return cls(tuple(MilestoneState(t.strip()) for t in texts if t.strip()), 1, reason)

    @property
    def progress(self) -> list[bool]:
        """One done/not-done bit per milestone."""
        return [m.done for m in self.milestones]

    @property
    def done_count(self) -> int:
        return sum(self.progress)

    @property
    def complete(self) -> bool:
        return bool(self.milestones) and all(self.progress)

    @property
    def current(self) -> int | None:
        """Index of the first milestone not yet done (None when all are)."""
        return next((i for i, m in enumerate(self.milestones) if not m.done), None)

    def open_milestones(self) -> list[str]:
        return [m.text for m in self.milestones if not m.done]

    def mark(self, done: Sequence[bool], step: int) -> tuple[Plan, list[int]]:
        """Apply a checker's verdict; return the new plan and the newly done indices.

        Extra or missing bits are ignored; a milestone already done stays done.
        """
        milestones = list(self.milestones)
        newly = []
        for i, flag in enumerate(done[: len(milestones)]):
            if flag and not milestones[i].done:
                milestones[i] = replace(milestones[i], done=True, done_at_step=step)
                newly.append(i)
        return replace(self, milestones=tuple(milestones)), newly

    def revise(self, remaining: Sequence[str], reason: str) -> Plan:
        """A new version: the done milestones kept in order, the open ones replaced."""
        version = self.version + 1
        kept = [m for m in self.milestones if m.done]
        fresh = [
            MilestoneState(t.strip(), added_in_version=version) for t in remaining if t.strip()
        ]
        return Plan(tuple(kept + fresh), version, reason)

    def render(self) -> str:
        """The checklist as the actor reads it."""
        if not self.milestones:
            return "(no plan)"
        lines = []
        current = self.current
        for i, m in enumerate(self.milestones):
            mark = "[x]" if m.done else ("[>]" if i == current else "[ ]")
            lines.append(f"{mark} {i + 1}. {m.text}")
        return "\n".join(lines)
