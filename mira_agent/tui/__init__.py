"""The terminal UI: a live view of a run (milestones, steps, costs) and its controls,
and the same view over a stored episode. Built on Textual; the agent runs in a worker
thread and reaches the UI only through its events."""
