"""Putting a run together, in one place: `spec.py` says what the user asked for,
`site.py` serves the sandbox task and opens the browser on its start page,
`assemble.py` builds the agent (for `mira run`, the terminal UI and the bench alike) and
runs it; `replay.py` re-runs a stored episode on the same start. Nothing here prints:
the caller takes part through `RunHooks`."""
