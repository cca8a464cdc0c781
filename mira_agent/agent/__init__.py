"""The agent loop: observe, check milestones, act; with guards, safety and controls."""
