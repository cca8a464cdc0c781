"""Each outside library is imported by one layer only: that is what keeps the core
testable without a browser or a model."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mira_agent"

# library -> the only modules (paths relative to mira_agent/, a trailing / for a package)
ALLOWED = {
    "playwright": ("browser/",),
    "openai": ("llm/openai_compat.py",),
    "google": ("llm/gemini.py",),
    "llama_cpp": ("llm/llamacpp.py", "llm/grammar_sampler.py"),
    "typer": ("cli/",),
    "rich": ("cli/", "tui/"),
    "sqlite_utils": ("store/",),
    "textual": ("tui/",),
    "matplotlib": ("bench/chart.py", "train/plots.py"),
    # The training stack: the pure reward arithmetic, the episode reader, the settings
    # and the model card stay free of it.
    "torch": (
        "train/policy.py",
        "train/critics.py",
        "train/trainer.py",
        "train/outputs.py",
        "train/memory.py",
        "train/base_model.py",
        "train/gguf_export.py",
    ),
    "transformers": ("train/base_model.py", "train/trainer.py", "train/gguf_export.py"),
    "peft": ("train/trainer.py",),
    "gguf": ("train/gguf_export.py", "train/gguf_adapter.py"),
    "jinja2": ("templates.py", "sites/web.py"),
    "PIL": ("browser/marks.py",),
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_outside_libraries_stay_in_their_layer() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        for library in imported_roots(path) & set(ALLOWED):
            if not any(
                relative == a or (a.endswith("/") and relative.startswith(a))
                for a in ALLOWED[library]
            ):
                wrong.append(f"{relative} imports {library}")
    assert not wrong, wrong


def test_the_pure_core_imports_no_browser_and_no_model() -> None:
    for module in (
        "planning/milestones.py",
        "agent/guards.py",
        "agent/safety.py",
        "browser/actions.py",
    ):
        assert not imported_roots(PACKAGE / module) & {
            "playwright",
            "llama_cpp",
            "openai",
            "google",
        }
