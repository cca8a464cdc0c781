"""Finding and loading the model to train: a Hugging Face folder, a GGUF file, or the
embedded Gemma 3 270M.

transformers reads a Gemma 3 GGUF by dequantising it (about a minute for the 270M on two
cores), and the model it returns keeps a quantizer marker that makes `save_pretrained`
and peft's merge refuse it. So a GGUF base is converted once into a plain folder in
mira's cache and loaded from there afterwards (seconds). The folder remembers the GGUF
it came from: the export back to GGUF takes the tokenizer and metadata from that file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mira_agent.config import data_dir
from mira_agent.errors import MiraError, UsageError, first_line
from mira_agent.llm.gguf_header import read_header
from mira_agent.train.memory import ModelShape
from mira_agent.train.progress import Reporter, Silent

ORIGIN_FILE = "mira-origin.json"  # in a converted or fine-tuned folder: where it came from


class ModelLoadError(MiraError):
    exit_code = 2


@dataclass(frozen=True)
class BaseModel:
    """The model a run starts from, as the user named it: a GGUF file (converted for
    transformers on first load) or a transformers folder. Resolving one is cheap, so
    everything that can refuse a run (the memory guard) runs before the conversion."""

    source: Path  # the GGUF file, or the transformers folder
    gguf_template: Path | None  # the GGUF file the export follows
    label: str  # what the user asked for, for the model card and the database

    @property
    def is_gguf(self) -> bool:
        return self.source.is_file()

    def shape(self) -> ModelShape:
        """The model's dimensions, from the GGUF header or config.json (no weights read)."""
        try:
            if self.is_gguf:
                return ModelShape.from_gguf(read_header(self.source))
            config = json.loads((self.source / "config.json").read_text())
            return ModelShape.from_config(config, self.source)
        except (OSError, ValueError) as exc:  # GGUFHeaderError and JSON errors included
            raise ModelLoadError(f"cannot read {self.source}: {first_line(exc)}") from None

    def folder(self, reporter: Reporter | None = None) -> Path:
        """A folder transformers loads: the source itself, or the GGUF's conversion (made
        once, with its progress shown through `reporter`)."""
        if not self.is_gguf:
            return self.source
        return _converted(self.source, reporter or Silent())


def resolve_base(base: str | None) -> BaseModel:
    """What `base` names (a GGUF file, a model folder, an earlier run's output folder, or
    the embedded model), checked for existence and form but not loaded."""
    if base is None or base == "gemma3-270m":
        from mira_agent.llm.models import default_local_model

        path = default_local_model()
        return BaseModel(path, path, "gemma3-270m")
    path = Path(base).expanduser()
    if not path.exists():
        raise ModelLoadError(f"no model at {path}: pass a GGUF file or a model folder")
    if path.is_file():
        if _magic(path) != b"GGUF":
            raise ModelLoadError(f"{path} is not a GGUF file (nor a model folder)")
        return BaseModel(path, path, str(path))
    if not (path / "config.json").is_file() and (path / "merged" / "config.json").is_file():
        path = path / "merged"  # an earlier `mira finetune --out` folder
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"{path} is a folder without config.json: not a model folder")
    origin = _origin(path)
    template = origin.get("gguf_template")
    return BaseModel(path, Path(template) if template else None, str(path))


def _magic(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4)


def _origin(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / ORIGIN_FILE).read_text())
    except (OSError, ValueError):
        return {}


def write_origin(folder: Path, template: Path | None, **extra: Any) -> None:
    """Record beside a saved model the GGUF its export should follow."""
    data = {"gguf_template": str(template) if template else None, **extra}
    (folder / ORIGIN_FILE).write_text(json.dumps(data, indent=2) + "\n")


def _cache_key(path: Path) -> str:
    stat = path.stat()
    digest = hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{path.stem}-{digest.hexdigest()[:12]}"


def converted_folder(gguf: Path) -> Path:
    """Where the plain transformers copy of `gguf` is kept (whether made yet or not)."""
    return data_dir() / "hf-models" / _cache_key(gguf)


def _converted(gguf: Path, reporter: Reporter) -> Path:
    """The plain transformers copy of `gguf`, made on first use."""
    folder = converted_folder(gguf)
    if (folder / ORIGIN_FILE).is_file():
        return folder
    quiet_transformers()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    reporter.stage(f"converting {gguf.name} for training (once)", None)
    try:
        with _tensor_progress(reporter):
            tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except Exception as exc:  # transformers raises many kinds for an unreadable file
        raise ModelLoadError(f"transformers cannot read {gguf}: {first_line(exc)}") from None
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    write_origin(partial, gguf)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return folder


@contextmanager
def _tensor_progress(reporter: Reporter) -> Iterator[None]:
    """transformers dequantises a GGUF under a tqdm bar of its own, written straight to
    the terminal; for the conversion's length it counts the tensors in mira's progress
    display instead (the module's `tqdm` name is its only hook for that)."""
    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    original = getattr(gguf_utils, "tqdm", None)
    if original is None:
        yield
        return

    def counted(iterable: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        items = list(iterable)
        reporter.stage("converting GGUF tensors (once)", len(items))
        for item in items:
            yield item
            reporter.advance()

    gguf_utils.tqdm = counted
    try:
        yield
    finally:
        gguf_utils.tqdm = original


def quiet_transformers() -> None:
    """No hub lookups (nothing can be downloaded here, and a local path needs none), and
    none of transformers' own progress bars or deprecation notices, which would break
    the CLI's progress bar."""
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore", category=FutureWarning)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def pick_device(requested: str) -> str:
    import torch

    if requested != "auto":
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise UsageError("--device cuda: no CUDA GPU is available here")
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The instruction-set flags the CPU reports (none where /proc/cpuinfo is absent)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def pick_dtype(
    requested: str, device: str, *, sft: bool = False, flags: frozenset[str] | None = None
) -> Any:
    """`auto`: bf16 on a GPU. On a CPU, bf16 for SFT where the CPU has bf16 instructions
    (avx512_bf16 or AMX), else fp32. SFT's loss is a per-token likelihood, which bf16
    holds: 8 updates on mira-270m's corpus tracked fp32's losses within 0.05 nat, 1.5×
    faster (185 against 124 tokens/s, AMD EPYC with avx512_bf16, no AMX). Without those
    instructions bf16 is emulated and about 3× slower. The RL update stays fp32: it moves
    an action's summed log-probability by tenths of a nat, and bf16's rounding of the
    backbone moves it by as much (measured: the loss on a repeated batch stopped
    falling). LoRA's own weights stay fp32 either way (peft keeps adapters in fp32)."""
    import torch

    if requested != "auto":
        return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[requested]
    if device.startswith("cuda"):
        return torch.bfloat16
    fast_bf16 = bool(BF16_CPU_FLAGS & (cpu_flags() if flags is None else flags))
    return torch.bfloat16 if sft and fast_bf16 else torch.float32


def load_model(
    base: BaseModel,
    *,
    device: str,
    dtype: Any,
    load_4bit: bool = False,
    reporter: Reporter | None = None,
) -> tuple[Any, Any]:
    """The causal LM and its tokenizer, on `device` (a GGUF base is converted first, once,
    with its progress shown through `reporter`)."""
    folder = base.folder(reporter)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {"dtype": dtype}
    if load_4bit:
        if not device.startswith("cuda"):
            raise UsageError("--load-4bit needs a CUDA GPU (bitsandbytes)")
        try:
            from transformers import BitsAndBytesConfig
        except ImportError:  # pragma: no cover - transformers always has it
            raise UsageError("--load-4bit needs bitsandbytes: pip install bitsandbytes") from None
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype
        )
        kwargs["device_map"] = {"": device}
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        model = AutoModelForCausalLM.from_pretrained(str(folder), **kwargs)
    except ImportError as exc:
        raise UsageError(f"cannot load {base.label}: {first_line(exc)}") from None
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load {base.label}: {first_line(exc)}") from None
    if not load_4bit:
        model.to(device)
    return model, tokenizer
