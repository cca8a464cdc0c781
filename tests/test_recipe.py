"""mira-270m's recipe, end to end at a small size: the oracle corpus in the compact
style, SFT on the actor's, planner's and checker's answers, and the packed model, which
llama.cpp then runs beside its base."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("llama_cpp")

RECIPE = Path(__file__).parents[1] / "recipes" / "mira-270m.sh"


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_recipe_builds_a_model_that_runs(tmp_path: Path) -> None:
    from mira_agent.llm.adapters import check_adapter
    from mira_agent.llm.base import Message
    from mira_agent.llm.llamacpp import LocalBackend
    from mira_agent.llm.models import ModelInfo, default_local_model

    out, into = tmp_path / "run", tmp_path / "models"
    env = {
        **os.environ,
        "MIRA": str(Path(sys.executable).parent / "mira"),
        "OUT": str(out),
        "INTO": str(into),
        "NAME": "tiny-270m",
        "SANDBOX_INSTANCES": "1",
        "MINIWOB_EPISODES": "1",
        "FOCUS_TEMPLATES": "shop-spending",
        "FOCUS_INSTANCES": "1",
        "FOCUS_MINIWOB": "0",
        "NOTES": "",
        "TRAIN_ARGS": "--max-updates 1 --lora-r 4 --max-tokens 1024 --batch-size 8",
    }
    done = subprocess.run(
        ["bash", str(RECIPE)], env=env, capture_output=True, text=True, timeout=1700
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # The corpus holds every role's demonstrations, in the compact style.
    stats = (out / "corpus.txt").read_text()
    for purpose in ("│ actor", "│ plan", "│ check"):
        assert purpose in stats
    info = ModelInfo(**tomllib.loads((into / "tiny-270m.toml").read_text()))
    assert info.prompts == "compact" and info.adapter == "tiny-270m.gguf"
    card = (into / "tiny-270m.md").read_text()
    assert "corpus SHA-256" in card and "planner" in card
    # The second stage continued the first stage's adapter on the focus corpus.
    assert f"Started from the adapter in `{out / 'sft'}`" in card
    assert "shop-spending" in (out / "focus-sandbox.json").read_text()
    adapter = into / info.adapter
    check_adapter(adapter, default_local_model())
    backend = LocalBackend(str(adapter), context=512)
    assert backend.complete([Message("user", "Say hello.")], max_tokens=4).usage.completion_tokens
