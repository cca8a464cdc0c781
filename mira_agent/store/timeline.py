"""A stored episode turned back into the agent's events, so the views that show a live
run (the terminal UI, the console printer) show a stored one the same way."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from mira_agent.agent import events as ev
from mira_agent.llm.base import Completion, Message, Usage
from mira_agent.planning.milestones import MilestoneState, Plan
from mira_agent.store.database import EpisodeStore


def episode_events(store: EpisodeStore, episode_id: int) -> list[ev.Event]:
    """The episode's events in the order the loop emitted them, as near as the rows
    tell: within a step, the check and any re-plan come before the actor's choice."""
    episode = store.episode(episode_id)
    plans = store.children("plans", episode_id)
    milestones = store.children("milestones", episode_id)
    steps = store.children("steps", episode_id)
    calls = _by_step(store.children("model_calls", episode_id))
    notes = _by_step(store.children("events", episode_id))
    plans_at = _by_step(plans)

    out: list[ev.Event] = [
        ev.RunStarted(
            0,
            episode["task"],
            episode["start_url"] or "",
            episode["actor"] or "",
            episode["planner"],
        )
    ]
    version = 0
    last = max([s["step"] for s in steps] + [p["step"] for p in plans] + [0])
    by_step = {s["step"]: s for s in steps}
    for step in range(0, last + 1):
        for call in calls.get(step, []):
            if call["role"] in ("plan", "check"):
                out.append(_model_called(call, call["role"]))
        for note in notes.get(step, []):
            if note["kind"] == "progress":
                out.append(
                    ev.ProgressChecked(
                        step, tuple(note["data"]["progress"]), note["data"]["reason"]
                    )
                )
        for row in milestones:
            if row["plan_version"] == version and row["completed_step"] == step:
                out.append(ev.MilestoneDone(step, row["idx"], row["text"]))
        for call in calls.get(step, []):
            if call["role"] == "replan":
                out.append(_model_called(call, "replan"))
        for plan in plans_at.get(step, []):
            version = plan["version"]
            out.append(ev.PlanMade(step, _plan(plan, milestones), plan["reason"] or ""))
        out.extend(_notes(notes.get(step, []), ("hint",)))
        row = by_step.get(step)
        if row is None:
            continue
        if row.get("messages") is not None:
            out.append(_model_called(row, "actor"))
        out.append(
            ev.StepDecided(
                step,
                row["url"] or "",
                row["thought"] or "",
                row["action"] or "",
                row["observation"] or "",
                title=row["title"] or "",
                parsed=row["parsed"],
                target=row["target"],
            )
        )
        out.extend(_notes(notes.get(step, []), ("needs_approval", "approval")))
        if row["ok"] is not None:
            out.append(
                ev.ActionDone(
                    step, row["action"] or "", bool(row["ok"]), row["result"] or "", row["error"]
                )
            )
        out.extend(_notes(notes.get(step, []), ("asked", "error")))
    if episode["status"] != "running":
        out.append(
            ev.Finished(
                episode["steps"],
                ev.Outcome(
                    status=episode["ended_as"] or episode["status"],
                    answer=episode["answer"],
                    reason=episode["reason"] or "",
                    steps=episode["steps"],
                    milestones_done=episode["milestones_done"],
                    milestones_total=episode["milestones_total"],
                    source=episode.get("label_source") or "none",
                ),
            )
        )
    return out


def _by_step(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["step"]].append(row)
    return grouped


def _model_called(row: dict[str, Any], role: str) -> ev.ModelCalled:
    messages = tuple(Message(m["role"], m["content"] or "") for m in row["messages"] or [])
    usage = Usage(
        row["prompt_tokens"] or 0,
        row["completion_tokens"] or 0,
        row["prompt_evaluated"],
        row["latency_s"] or 0.0,
    )
    return ev.ModelCalled(
        row["step"], role, messages, Completion(row["completion"] or "", usage, row["model"] or "")
    )


def _plan(plan: dict[str, Any], milestones: list[dict[str, Any]]) -> Plan:
    """A plan version as it stood when it was made: milestones carried over from an
    earlier version keep their completion step."""

    def done_by_then(row: dict[str, Any]) -> int | None:
        step = row["completed_step"]
        return step if step is not None and step <= plan["step"] else None

    rows = [m for m in milestones if m["plan_version"] == plan["version"]]
    states = tuple(
        MilestoneState(
            m["text"],
            done=done_by_then(m) is not None,
            done_at_step=done_by_then(m),
            added_in_version=plan["version"],
        )
        for m in rows
    )
    return Plan(states, plan["version"], plan["reason"] or "")


def _notes(rows: list[dict[str, Any]], kinds: tuple[str, ...]) -> list[ev.Event]:
    found: list[ev.Event] = []
    for row in rows:
        data, step = row["data"], row["step"]
        match row["kind"]:
            case "hint" if "hint" in kinds:
                found.append(ev.HintReceived(step, data["hint"]))
            case "needs_approval" if "needs_approval" in kinds:
                found.append(ev.NeedsApproval(step, data["action"], data["reason"]))
            case "approval" if "approval" in kinds:
                found.append(ev.ApprovalGiven(step, data["action"], data["approved"]))
            case "asked" if "asked" in kinds:
                found.append(ev.UserAsked(step, data["question"], data["answer"]))
            case "error" if "error" in kinds:
                found.append(ev.ErrorEvent(step, data["message"]))
    return found
