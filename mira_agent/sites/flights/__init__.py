"""Skyway Flights, the flight booking sandbox site."""

from mira_agent.sites.flights.server import FlightSite

__all__ = ["FlightSite"]
