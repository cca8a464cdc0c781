"""Training open models from logged episodes: MiRA (milestone-based RL), its WebRL-style
sparse baseline, SFT and AWR. `rewards.py` holds the arithmetic, pure and checkable by
hand; the trainer built on it comes with `mira finetune`."""
