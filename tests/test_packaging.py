"""The package list in pyproject.toml names every package in the tree."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_directory_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "mira_agent").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to pyproject.toml: {sorted(on_disk - listed)}"
    for package, folder in config["package-dir"].items():
        assert package in listed and (ROOT / folder / "__init__.py").exists()


def test_prompts_and_manifests_are_importable_resources() -> None:
    from importlib import resources

    assert resources.files("mira_agent.prompts").joinpath("README.md").is_file()
    assert resources.files("mira_agent.manifests").joinpath("README.md").is_file()


def test_the_wheel_ships_the_default_models_adapter_and_card(tmp_path: Path) -> None:
    """A pip-installed mira runs mira-270m as an editable checkout does: its adapter,
    manifest and card are package data."""
    import subprocess
    import sys
    import zipfile

    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]

    subprocess.run(
        [*pip_wheel, "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("mira_agent-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for suffix in ("gguf", "toml", "md"):
        assert f"mira_agent/manifests/mira-270m.{suffix}" in names
