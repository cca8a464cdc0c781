"""The flight site as a served sandbox: its data, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.base import Oracle, Task
from mira_agent.sites.flights.data import FlightData
from mira_agent.sites.flights.oracle import FlightOracle
from mira_agent.sites.flights.state import FlightState
from mira_agent.sites.flights.tasks import build_tasks
from mira_agent.sites.flights.views import FlightApp
from mira_agent.sites.serving import ServedSite


class FlightSite(ServedSite):
    """The flight booking sandbox: search, pick a flight, add passengers, pay, confirm.

    Everything is deterministic for a given seed: the inventory, the tasks and their
    expected answers, and the booking references handed out after `reset()`.
    """

    name = "flights"
    description = "Skyway Flights: search, compare and book US domestic flights (December 2026)."

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.seed = seed
        self.data = FlightData(seed)
        self._state = FlightState(seed)
        self.app = FlightApp(self.data, self._state)
        self._tasks: list[Task] | None = None

    @property
    def state(self) -> FlightState:
        return self._state

    def reset(self) -> None:
        """Forget searches, drafts and bookings: a fresh episode on the same inventory."""
        self._state.reset()

    def tasks(self) -> list[Task]:
        if self._tasks is None:
            self._tasks = build_tasks(self.data)
        return list(self._tasks)

    def oracle(self, task: Task) -> Oracle:
        """The scripted policy that solves `task` (proof that it can be solved)."""
        return FlightOracle(task)
