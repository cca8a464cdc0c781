"""mira: an open browser agent that plans in milestones, and trains open models on its episodes."""

__version__ = "0.1.0"
