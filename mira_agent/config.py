"""Where mira keeps its files, and the settings read from the environment."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "mira"


def data_dir() -> Path:
    """mira's data folder (``MIRA_HOME``, else the platform's user data folder)."""
    custom = os.environ.get("MIRA_HOME")
    return Path(custom).expanduser() if custom else Path(user_data_dir(APP_NAME, appauthor=False))


def new_run_dir(base: Path | None = None) -> Path:
    """A fresh folder for one run's files (downloads, screenshots)."""
    root = (base or data_dir()) / "runs"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        root = Path(tempfile.gettempdir()) / "mira-runs"
        root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=root))
