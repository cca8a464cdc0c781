"""Write a run to the episode store as it happens: one consumer of the agent's events.

Each event becomes its rows at once, so whatever stops the run (the user, a guard, a
crash, Ctrl-C) leaves every finished step on disk. Secrets are masked here, with the
redactor the agent itself uses, before anything reaches the file.
"""

from __future__ import annotations

import uuid as uuids
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mira_agent.agent import events as ev
from mira_agent.agent.safety import Redactor
from mira_agent.llm.base import Message
from mira_agent.planning.milestones import Plan
from mira_agent.store.database import EpisodeStore, now

# The outcome statuses the loop reports, as the store names them: a guard or the step
# budget ending the run is a failure of the task, a failed model a crash of the run.
STORED_STATUS = {
    "succeeded": "succeeded",
    "failed": "failed",
    "gave_up": "failed",
    "stopped": "stopped",
    "interrupted": "interrupted",
    "crashed": "crashed",
    "error": "crashed",
}
# Who judged the outcome, as a training label's source: the site's own checker, or the
# planner's milestone checker acting as an LLM judge. An actor that merely stopped
# judged nothing.
LABEL_SOURCE = {"checker": "checker", "planner": "judge"}


class EpisodeRecorder:
    """A sink for one run's events. `meta` holds what the events do not say: the task
    id, site, seed and the run's settings."""

    def __init__(
        self,
        store: EpisodeStore,
        *,
        redactor: Redactor,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.store = store
        # The agent's own redactor (required): only it knows which typed values were secret.
        self.redactor = redactor
        self.meta = dict(meta or {})
        self.uuid = uuids.uuid4().hex
        self.episode_id: int | None = None
        self.outcome: ev.Outcome | None = None
        self._plan: Plan | None = None
        self._actor_call: ev.ModelCalled | None = None
        self._last_step = 0

    def trace_file(self) -> Path:
        """Where a Playwright trace of this episode goes (in its folder of files); the
        episode row keeps the path relative to the database."""
        path = self.store.episode_dir(self.uuid) / "trace.zip"
        self.meta["trace"] = path.relative_to(self.store.path.parent).as_posix()
        return path

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.RunStarted):
            self._started(event)
            return
        if self.episode_id is None:
            return  # nothing is recorded before the run has started
        handler = getattr(self, "_on_" + type(event).__name__, None)
        if handler is not None:
            handler(event)

    # -- masking --------------------------------------------------------------------------

    def _mask(self, text: str | None) -> str | None:
        return self.redactor.redact(text) if text else text

    def _messages(self, messages: tuple[Message, ...]) -> list[dict[str, Any]]:
        return [
            {"role": m.role, "content": self._mask(m.content), "images": len(m.images)}
            if m.images
            else {"role": m.role, "content": self._mask(m.content)}
            for m in messages
        ]

    # -- events ---------------------------------------------------------------------------

    def _started(self, event: ev.RunStarted) -> None:
        actor = event.actor
        self.episode_id = self.store.start_episode(
            {
                "uuid": self.uuid,
                "task": event.task,
                "start_url": event.url,
                "actor": actor,
                "planner": event.planner,
                "task_id": self.meta.get("task_id"),
                "site": self.meta.get("site"),
                "seed": self.meta.get("seed"),
                "settings": self.meta.get("settings"),
                "trace": self.meta.get("trace"),
                **{
                    key: self.meta[key]
                    for key in ("suite", "bench_run", "milestones_source", "policy")
                    if key in self.meta
                },
            }
        )

    def _on_PlanMade(self, event: ev.PlanMade) -> None:
        assert self.episode_id is not None
        plan = event.plan
        self._plan = plan
        self.store.add(
            "plans",
            {
                "episode_id": self.episode_id,
                "version": plan.version,
                "step": event.step,
                "reason": event.reason,
                "milestones": [m.text for m in plan.milestones],
            },
        )
        for index, milestone in enumerate(plan.milestones):
            self.store.add(
                "milestones",
                {
                    "episode_id": self.episode_id,
                    "plan_version": plan.version,
                    "idx": index,
                    "text": milestone.text,
                    "completed_step": milestone.done_at_step,
                },
            )
        self.store.update_episode(self.episode_id, milestones_total=len(plan.milestones))

    def _on_MilestoneDone(self, event: ev.MilestoneDone) -> None:
        assert self.episode_id is not None
        if self._plan is not None:
            self.store.complete_milestone(
                self.episode_id, self._plan.version, event.index, event.step
            )

    def _on_ProgressChecked(self, event: ev.ProgressChecked) -> None:
        assert self.episode_id is not None
        if self._plan is not None:
            self._plan, _ = self._plan.mark(event.progress, event.step)
        # The check at step k judges the page the action of step k-1 led to.
        if event.step - 1 >= 1:
            self.store.update_step(
                self.episode_id, event.step - 1, progress_after=list(event.progress)
            )
        self._event(event.step, "progress", {"progress": event.progress, "reason": event.reason})

    def _on_ModelCalled(self, event: ev.ModelCalled) -> None:
        assert self.episode_id is not None
        if event.role == "actor":
            self._actor_call = event  # written with its step, on StepDecided
            return
        usage = event.completion.usage
        self.store.add(
            "model_calls",
            {
                "episode_id": self.episode_id,
                "step": event.step,
                "role": event.role,
                "model": event.completion.model,
                "messages": self._messages(event.messages),
                "completion": self._mask(event.completion.text),
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "prompt_evaluated": usage.prompt_evaluated,
                "latency_s": usage.latency_s,
                "at": now(),
            },
        )

    def _on_StepDecided(self, event: ev.StepDecided) -> None:
        assert self.episode_id is not None
        call, self._actor_call = self._actor_call, None
        row: dict[str, Any] = {
            "episode_id": self.episode_id,
            "step": event.step,
            "url": event.url,
            "title": event.title,
            "observation": self._mask(event.observation),
            "thought": event.thought,
            "action": event.action,
            "parsed": event.parsed,
            "target": event.target,
            "progress": list(self._plan.progress) if self._plan else None,
            "started_at": now(),
        }
        if call is not None:
            usage = call.completion.usage
            row |= {
                "messages": self._messages(call.messages),
                "completion": self._mask(call.completion.text),
                "model": call.completion.model,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "prompt_evaluated": usage.prompt_evaluated,
                "latency_s": usage.latency_s,
            }
        if event.screenshot:
            row["screenshot"] = self.store.save_file(
                self.uuid, f"step-{event.step:03d}.png", event.screenshot
            )
        self.store.add("steps", row)
        self._last_step = event.step
        self.store.update_episode(self.episode_id, steps=event.step)

    def _on_ActionDone(self, event: ev.ActionDone) -> None:
        assert self.episode_id is not None
        self.store.update_step(
            self.episode_id,
            event.step,
            ok=int(event.ok),
            result=self._mask(event.message),
            error=self._mask(event.error),
            ended_at=now(),
        )

    def _on_ErrorEvent(self, event: ev.ErrorEvent) -> None:
        self._event(event.step, "error", {"message": self._mask(event.message)})

    def _on_NeedsApproval(self, event: ev.NeedsApproval) -> None:
        self._event(event.step, "needs_approval", asdict(event))

    def _on_ApprovalGiven(self, event: ev.ApprovalGiven) -> None:
        self._event(event.step, "approval", asdict(event))

    def _on_UserAsked(self, event: ev.UserAsked) -> None:
        self._event(
            event.step, "asked", {"question": event.question, "answer": self._mask(event.answer)}
        )

    def _on_HintReceived(self, event: ev.HintReceived) -> None:
        self._event(event.step, "hint", {"hint": self._mask(event.hint)})

    def _on_Finished(self, event: ev.Finished) -> None:
        assert self.episode_id is not None
        outcome = event.outcome
        self.outcome = outcome
        if self._plan is not None and self._last_step:
            self.store.update_step(
                self.episode_id, self._last_step, progress_after=list(self._plan.progress)
            )
        fields: dict[str, Any] = {
            "status": STORED_STATUS.get(outcome.status, outcome.status),
            "ended_as": outcome.status,
            "reason": outcome.reason,
            "answer": self._mask(outcome.answer),
            "ended_at": now(),
            "steps": outcome.steps,
            "milestones_done": outcome.milestones_done,
            "milestones_total": outcome.milestones_total,
        }
        source = LABEL_SOURCE.get(outcome.source)
        if source and outcome.status in ("succeeded", "failed"):
            fields |= {"label": outcome.status, "label_source": source, "labelled_at": now()}
        self.store.update_episode(self.episode_id, **fields)

    def _event(self, step: int, kind: str, data: dict[str, Any]) -> None:
        assert self.episode_id is not None
        self.store.add(
            "events",
            {"episode_id": self.episode_id, "step": step, "kind": kind, "data": data, "at": now()},
        )
