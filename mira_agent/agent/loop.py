"""The agent loop: observe → check milestones → act, until the task is done or a guard
ends it. Everything it does is reported as events; it knows nothing of who listens.

Each action's result, as the next prompts show it, says what it changed on the page
(`browser/changes.py`); the checker is asked only after a step that changed something a
milestone could see, and a run whose milestones are all done ends there (a question
task first gets its answer). The outcome comes from the site's checker where there is
one, else from a judgement of the final state; the milestones measure progress.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mira_agent.agent import events as ev
from mira_agent.agent.actor import Actor
from mira_agent.agent.controls import Controls
from mira_agent.agent.guards import GuardConfig, Guards
from mira_agent.agent.safety import Redactor, approval_reason, domain_allowed
from mira_agent.browser.actions import Action
from mira_agent.browser.changes import describe_changes, new_element_ids
from mira_agent.browser.executor import execute
from mira_agent.browser.observation import ElementRef, Observation
from mira_agent.browser.observe import ObserveOptions, observe
from mira_agent.browser.session import BrowserSession
from mira_agent.errors import BrowserError, interruption
from mira_agent.llm.base import LLMError, ModelOutputError
from mira_agent.planning.milestones import Plan
from mira_agent.planning.planner import Planner, Verdict, asks_a_question

Approver = Callable[[str, str], bool]
Asker = Callable[[str], str | None]
Judge = Callable[[str | None], bool]
PASSIVE = ("stop", "ask_user", "replan")  # actions that do not try to change the page
ROLES = {"plan": "planner", "check": "checker", "replan": "re-planner", "judge": "judge"}


@dataclass
class AgentConfig:
    guards: GuardConfig = field(default_factory=GuardConfig)
    verify_stop: bool = True
    allow_domains: Sequence[str] = ()
    auto_approve: bool = False
    observe: ObserveOptions = field(default_factory=ObserveOptions)


def _target(action: Action | None, elements: list[ElementRef]) -> dict[str, Any] | None:
    """The role and name of the element `action` works on, to find it again later; for
    `fill`, those of each of its fields."""
    if action is None:
        return None
    by_id = {e.id: e for e in elements}

    def described(element_id: str) -> dict[str, str] | None:
        element = by_id.get(element_id)
        return {"role": element.role, "name": element.name} if element else None

    if "elements" in action.args:
        return {"fields": [described(str(i)) for i in action.args["elements"]]}
    return described(action.element) if action.element is not None else None


def refuse(action: str, reason: str) -> bool:
    """The approver of a run with nobody to ask: every risky action is refused."""
    return False


def no_answer(question: str) -> str | None:
    """The asker of a run with nobody to ask: the agent's question goes unanswered."""
    return None


class Agent:
    """Runs one task in a browser session with an actor and, optionally, a planner."""

    def __init__(
        self,
        session: BrowserSession,
        actor: Actor,
        task: str,
        *,
        planner: Planner | None = None,
        config: AgentConfig | None = None,
        sink: ev.Sink = lambda event: None,
        controls: Controls | None = None,
        approver: Approver = refuse,
        asker: Asker = no_answer,
        judge: Judge | None = None,
        redactor: Redactor,
        episode_over: Callable[[], bool] | None = None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.planner = planner
        self.task = task
        self.config = config or AgentConfig()
        self.sink = sink
        self.controls = controls or Controls()
        self.approver = approver
        self.asker = asker
        self.judge = judge
        self.guards = Guards(self.config.guards)
        # Shared with whoever records or shows the run, so all mask the same secrets:
        # required, since a fresh one would not know the secrets the agent typed.
        self.redactor = redactor
        # An environment that ends episodes itself (MiniWoB++ on submit) says so here;
        # the judge then scores the episode as if the agent had stopped.
        self.episode_over = episode_over
        self.plan: Plan | None = None
        self.history: list[str] = []
        self.notes: list[str] = []
        self.step = 0

    # -- helpers --------------------------------------------------------------------

    def _emit(self, event: ev.Event) -> None:
        self.sink(event)

    def _observe(self, last_error: str | None = None) -> Observation:
        return observe(self.session, self.config.observe, last_error=last_error)

    def _set_plan(self, plan: Plan, reason: str) -> None:
        self.plan = plan
        self._emit(ev.PlanMade(self.step, plan, reason))

    def _planner_calls(self, before: int) -> None:
        """Every planner call since `before`, as events; an answer that could not be used
        is an error event too (the planner asked again, once)."""
        assert self.planner is not None
        for call in self.planner.calls[before:]:
            self._emit(
                ev.ModelCalled(self.step, call.purpose, tuple(call.messages), call.completion)
            )
            if call.unusable:
                role = ROLES.get(call.purpose, call.purpose)
                self._emit(
                    ev.ErrorEvent(
                        self.step, f"the {role}'s answer could not be used: {call.unusable}"
                    )
                )

    def _check(self, observation: Observation, last_action: str, last_result: str) -> list[int]:
        """Ask the checker which milestones are done; emit what changed."""
        if self.planner is None or self.plan is None or self.plan.complete:
            return []
        before = len(self.planner.calls)
        try:
            verdict = self.planner.check(
                self.task, self.plan, observation.render(), last_action, last_result
            )
        except ModelOutputError:
            return []  # both answers are error events already: no milestone is marked
        finally:
            self._planner_calls(before)
        self.plan, newly = self.plan.mark(verdict.done, self.step)
        self._emit(ev.ProgressChecked(self.step, tuple(self.plan.progress), verdict.reason))
        for index in newly:
            self._emit(ev.MilestoneDone(self.step, index, self.plan.milestones[index].text))
        return newly

    def _replan(self, observation: Observation, why: str) -> None:
        if self.planner is None or self.plan is None:
            return
        before = len(self.planner.calls)
        try:
            revised = self.planner.replan(self.task, self.plan, observation.render(), why)
        except ModelOutputError:
            self._emit(ev.ErrorEvent(self.step, "no usable new plan: the plan stays as it was"))
            revised = self.plan
        finally:
            self._planner_calls(before)
        self.guards.replanned()
        if revised is not self.plan:
            self._set_plan(revised, why)

    def _verdict(self, answer: str | None) -> Verdict | None:
        """A judgement of the final state: the task, the answer, what the actions did and
        the last page. None when the judge's answers could not be used."""
        assert self.planner is not None
        before = len(self.planner.calls)
        try:
            verdict = self.planner.judge(
                self.task, answer, "\n".join(self.history), self._observe().render()
            )
        except ModelOutputError:
            return None
        finally:
            self._planner_calls(before)
        return verdict

    def _finish(
        self, status: str, reason: str, answer: str | None = None, *, actions: int | None = None
    ) -> ev.Outcome:
        plan = self.plan
        source = "none"
        if status == "answered":
            judged = self._verdict(answer) if self.judge is None and self.planner else None
            if self.judge is not None:
                status, source = ("succeeded" if self.judge(answer) else "failed"), "checker"
            elif judged is not None:
                status, source = ("succeeded" if judged.success else "failed"), "judge"
                reason = f"{reason}; the judge: {judged.reason}" if judged.reason else reason
            elif plan is not None:
                status, source = ("succeeded" if plan.complete else "failed"), "planner"
            else:
                status, source = "succeeded", "actor"
        outcome = ev.Outcome(
            status=status,
            answer=answer,
            reason=reason,
            steps=self.step if actions is None else actions,
            milestones_done=plan.done_count if plan else 0,
            milestones_total=len(plan.milestones) if plan else 0,
            source=source,
        )
        self._emit(ev.Finished(self.step, outcome))
        return outcome

    def _show(self, action: Action) -> str:
        return self.redactor.redact(str(action))

    def _parsed(self, action: Action | None) -> dict[str, Any] | None:
        if action is None:
            return None

        def masked(value: Any) -> Any:
            if isinstance(value, list | tuple):
                return [masked(item) for item in value]  # fill's values
            return self.redactor.redact(value) if isinstance(value, str) else value

        return {key: masked(value) for key, value in action.to_json().items()}

    # -- the loop ---------------------------------------------------------------------

    def run(self) -> ev.Outcome:
        """Run to the end. A failed model ends the run as ``error``, a dead browser as
        ``crashed``; Ctrl-C is reported as ``interrupted`` and raised again."""
        try:
            return self._run()
        except LLMError as exc:
            self._emit(ev.ErrorEvent(self.step, str(exc)))
            return self._finish("error", str(exc))
        except BrowserError as exc:
            self._emit(ev.ErrorEvent(self.step, str(exc)))
            return self._finish("crashed", str(exc))
        except KeyboardInterrupt as exc:
            self._finish("interrupted", interruption(exc))
            raise

    def _run(self) -> ev.Outcome:
        observation = self._observe()
        self._emit(
            ev.RunStarted(
                0,
                self.redactor.redact(self.task),
                observation.url,
                f"{self.actor.backend.name}:{self.actor.backend.model}",
                f"{self.planner.backend.name}:{self.planner.backend.model}"
                if self.planner
                else None,
            )
        )
        if self.planner is not None:
            before = len(self.planner.calls)
            reason = "initial plan"
            try:
                plan = self.planner.decompose(self.task, observation.render())
            except ModelOutputError:
                # A run is not lost to one bad plan: the task itself is the only milestone.
                self._emit(ev.ErrorEvent(0, "no usable plan: the task is the only milestone"))
                plan, reason = Plan.create([self.task[:100]]), "fallback: the task as one milestone"
            finally:
                self._planner_calls(before)
            self._set_plan(plan, reason)

        last_error: str | None = None
        last_action, last_result, thought = "(none)", "(none)", ""
        challenged = answer_asked = False
        previous: Observation | None = None  # what the agent saw when it last acted
        acted = False  # whether that action tried to change the page
        while self.step < self.config.guards.max_steps:
            if not self.controls.wait_turn():
                return self._finish("stopped", "stopped by the user")
            self.step += 1
            observation = self._observe(last_error)
            last_error = None
            observation = replace(observation, new_ids=new_element_ids(previous, observation))
            self.guards.saw_state(observation.url, observation.text)
            if acted and previous is not None:
                changes = describe_changes(previous, observation)
                changed = bool(changes or observation.notices)
                # The last history line is that action's: it now says what the action did.
                # A result that already names the new page does not say it twice.
                told = [c for c in changes if c.removeprefix("the page is now ") not in last_result]
                news = "; ".join(told) if told or changes else "nothing visible changed"
                if news:
                    last_result = f"{last_result}; {self.redactor.redact(news)}"
                self.history[-1] = self._line(self.step - 1, last_action, last_result, thought)
                self.guards.changed(changed)
                if changed:
                    self._check(observation, last_action, last_result)
                if self.plan is not None and self.plan.complete:
                    if not asks_a_question(self.task):
                        # This turn took no action: the run is as many actions long as before.
                        return self._finish(
                            "answered",
                            "the milestone checker marked every milestone done",
                            actions=self.step - 1,
                        )
                    if not answer_asked:
                        answer_asked = True
                        self.notes.append(
                            "Every milestone is done: stop now, with the answer the task asks for."
                        )
            previous, acted = observation, False
            why = self.guards.replan_reason() if self.plan is not None else None
            if why:
                self._replan(observation, why)
            for hint in self.controls.take_hints():
                self._emit(ev.HintReceived(self.step, hint))
                self.notes.append(f"The user says: {hint}")

            decision = self.actor.decide(
                self.task,
                self.history,
                self.plan.render() if self.plan else "(no plan: work it out step by step)",
                self.notes,
                observation,
            )
            self.notes = []
            action = decision.action
            thought = self.redactor.redact(decision.thought)
            elements = observation.elements()
            if action is not None:
                # Before anything shows or stores the call: a typed secret is masked.
                self.redactor.note_typed(action, elements)
            self._emit(
                ev.ModelCalled(self.step, "actor", tuple(decision.messages), decision.completion)
            )
            shown = self._show(action) if action else f"(unusable: {decision.error})"
            self._emit(
                ev.StepDecided(
                    self.step,
                    observation.url,
                    thought,
                    shown,
                    observation.text,
                    title=observation.title,
                    parsed=self._parsed(action),
                    target=_target(action, elements),
                    screenshot=observation.screenshot,
                )
            )
            if action is None:
                last_error = f"your answer was not a valid action: {decision.error}"
                self._emit(ev.ErrorEvent(self.step, last_error))
                if reason := self.guards.parse_failed():
                    return self._finish("gave_up", reason)
                continue
            if reason := self.guards.acted(str(action)):
                return self._finish("gave_up", reason)

            refusal = self._refusal(action, shown, elements)
            if refusal:
                last_error = refusal
                self.history.append(self._line(self.step, shown, f"refused: {refusal}", thought))
                self._emit(ev.ActionDone(self.step, shown, False, "", refusal))
                last_action, last_result = shown, refusal
                continue

            result = execute(self.session, action)
            acted = action.name not in PASSIVE
            message = self.redactor.redact(result.message)
            self._emit(ev.ActionDone(self.step, shown, result.ok, message, result.error))
            outcome_text = message if result.ok else f"error: {result.error}"
            self.history.append(self._line(self.step, shown, outcome_text, thought))
            last_action, last_result = shown, outcome_text
            if not result.ok:
                last_error = result.error
            if self.config.allow_domains and not domain_allowed(
                self.session.page.url, self.config.allow_domains
            ):
                left = self.session.page.url
                execute(self.session, Action("back"))
                last_error = f"{left} is outside the allowed domains; went back"
            if result.blocked:
                if self.planner is None:
                    last_error = "there is no planner in this run (--no-plan): find another way"
                else:
                    why = f"the agent reports the current milestone impossible: {result.blocked}"
                    self._replan(self._observe(), why)
            if result.question:
                answer = self.asker(result.question)
                self._emit(ev.UserAsked(self.step, result.question, answer))
                self.notes.append(
                    f"You asked the user: {result.question} They answered: {answer}"
                    if answer
                    else f"You asked the user: {result.question} There was no answer."
                )
            if self.episode_over is not None and not result.stop and self.episode_over():
                return self._finish("answered", "the environment ended the episode")
            if result.stop:
                if self._should_challenge(challenged):
                    challenged = True
                    final = self._observe()
                    self._check(final, shown, outcome_text)
                    if self.plan is not None and not self.plan.complete:
                        missing = "; ".join(self.plan.open_milestones())
                        self.notes.append(
                            f"You chose to stop, but these milestones are not done: {missing}."
                            " Finish them, or stop again if you are sure the task is done."
                        )
                        continue
                return self._finish("answered", "the agent stopped", result.answer)
        return self._finish("gave_up", f"the step budget ({self.config.guards.max_steps}) ran out")

    @staticmethod
    def _line(step: int, action: str, result: str, thought: str) -> str:
        """One line of the steps so far: the action, what came of it, and the thought it
        was taken with (the actor's only memory of what it read on earlier pages)."""
        why = f" (thought: {thought})" if thought else ""
        return f"{step}. {action} -> {result}{why}"

    def _should_challenge(self, challenged: bool) -> bool:
        return (
            self.config.verify_stop
            and not challenged
            and self.planner is not None
            and self.plan is not None
            and not self.plan.complete
        )

    def _refusal(self, action: Action, shown: str, elements: list[ElementRef]) -> str | None:
        """Why `action` must not run (outside the allowed domains, or the user said no)."""
        url = action.args.get("url")
        if url and not domain_allowed(str(url), self.config.allow_domains):
            return f"{url} is outside the allowed domains ({', '.join(self.config.allow_domains)})"
        if leak := self.redactor.leak(action, elements):
            return leak
        reason = approval_reason(action, elements)
        if reason and not self.config.auto_approve:
            self._emit(ev.NeedsApproval(self.step, shown, reason))
            approved = self.approver(shown, reason)
            self._emit(ev.ApprovalGiven(self.step, shown, approved))
            if not approved:
                return f"the user did not allow this action ({reason})"
        return None
