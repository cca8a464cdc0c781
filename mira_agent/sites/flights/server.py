"""The flight site as a served sandbox: its data, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.flights.data import FlightData
from mira_agent.sites.flights.oracle import FlightOracle
from mira_agent.sites.flights.state import FlightState
from mira_agent.sites.flights.tasks import build_tasks
from mira_agent.sites.flights.templates import TEMPLATES
from mira_agent.sites.flights.views import FlightApp
from mira_agent.sites.serving import SandboxSite


def _state(data: FlightData) -> FlightState:
    # Booking references are drawn from the site's seed, not from the inventory.
    return FlightState(data.seed)


class FlightSite(SandboxSite):
    """The flight booking sandbox: search, pick a flight, add passengers, pay, confirm.

    Everything is deterministic for a given seed: the inventory, the tasks and their
    expected answers, and the booking references handed out after `reset()`.
    """

    name = "flights"
    description = "Skyway Flights: search, compare and book US domestic flights (December 2026)."
    data_class = FlightData
    state_class = _state
    app_class = FlightApp
    oracle_class = FlightOracle
    task_builder = staticmethod(build_tasks)
    template_table = TEMPLATES
