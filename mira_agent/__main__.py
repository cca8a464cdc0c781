"""`python -m mira_agent` runs the `mira` command."""

from mira_agent.cli import main

main()
