"""The plain-terminal view of a run: one consumer of the agent's events, printed with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from mira_agent.agent import events as ev
from mira_agent.agent.usage import Totals


class ConsolePrinter:
    """Prints each event as it comes; keeps the model usage for the summary."""

    def __init__(self, console: Console | None = None, *, verbose: bool = False) -> None:
        self.console = console or Console()
        self.verbose = verbose
        self.totals = Totals()

    def __call__(self, event: ev.Event) -> None:
        c = self.console
        match event:
            case ev.RunStarted():
                c.print(f"[bold]Task:[/bold] {escape(event.task)}")
                planner = escape(event.planner) if event.planner else "off"
                c.print(
                    f"[dim]actor {escape(event.actor)} · planner {planner}"
                    f" · {escape(event.url)}[/dim]"
                )
            case ev.PlanMade():
                title = "Plan" if event.plan.version == 1 else f"Plan v{event.plan.version}"
                c.print(f"[bold cyan]{title}[/bold cyan] [dim]({escape(event.reason)})[/dim]")
                c.print(escape(event.plan.render()), highlight=False)
            case ev.MilestoneDone():
                c.print(f"[green]✓ milestone {event.index + 1} done:[/green] {escape(event.text)}")
            case ev.StepDecided():
                c.print(f"[bold]Step {event.step}[/bold] [dim]{escape(event.url)}[/dim]")
                if event.thought:
                    c.print(f"  [italic]{escape(event.thought)}[/italic]", highlight=False)
                c.print(f"  → {escape(event.action)}", highlight=False)
            case ev.ActionDone():
                if event.ok:
                    c.print(f"  [green]ok[/green] {escape(event.message)}", highlight=False)
                else:
                    c.print(f"  [red]failed:[/red] {escape(event.error or '')}", highlight=False)
            case ev.ErrorEvent():
                c.print(f"  [red]{escape(event.message)}[/red]", highlight=False)
            case ev.NeedsApproval():
                c.print(
                    f"  [yellow]needs your yes: {escape(event.action)}"
                    f" ({escape(event.reason)})[/yellow]"
                )
            case ev.ApprovalGiven():
                verdict = "[green]allowed[/green]" if event.approved else "[red]refused[/red]"
                c.print(f"  {verdict}")
            case ev.UserAsked():
                c.print(f"  [yellow]asked you:[/yellow] {escape(event.question)}")
            case ev.HintReceived():
                c.print(f"  [cyan]hint:[/cyan] {escape(event.hint)}")
            case ev.ModelCalled():
                self.totals(event)
                usage = event.completion.usage
                if self.verbose:
                    evaluated = "?" if usage.prompt_evaluated is None else usage.prompt_evaluated
                    c.print(
                        f"  [dim]{event.role}: {usage.prompt_tokens} prompt tokens"
                        f" ({evaluated} evaluated), {usage.completion_tokens} generated,"
                        f" {usage.latency_s:.1f} s[/dim]"
                    )
            case ev.Finished():
                self._summary(event.outcome)

    def _summary(self, outcome: ev.Outcome) -> None:
        c = self.console
        colour = "green" if outcome.ok else "red"
        c.print(
            f"[bold {colour}]{outcome.status}[/bold {colour}] after {outcome.steps} steps:"
            f" {escape(outcome.reason)}"
        )
        if outcome.answer:
            c.print(f"[bold]Answer:[/bold] {escape(outcome.answer)}", highlight=False)
        if outcome.milestones_total:
            c.print(f"Milestones: {outcome.milestones_done}/{outcome.milestones_total}")
        c.print(
            f"[dim]judged by: {outcome.source} · tokens: {self.totals.prompt_tokens} in,"
            f" {self.totals.completion_tokens} out"
            f" · model time {self.totals.model_seconds:.1f} s[/dim]"
        )
