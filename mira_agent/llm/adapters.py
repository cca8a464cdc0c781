"""LoRA adapters in llama.cpp's own GGUF format, checked against their base before loading.

llama.cpp refuses an adapter that does not fit its base, but says why only on stderr
and hands llama-cpp-python a null pointer ("Failed to initialize LoRA adapter"). The
same rules are applied here first, from the two files' headers alone (no weights are
read), so that a wrong file gets a one-line reason:

- the file is GGUF with ``general.type = "adapter"`` and ``adapter.type = "lora"``;
- its ``general.architecture`` is the base's;
- every tensor is ``<base tensor>.lora_a`` or ``.lora_b``, both halves present, the base
  tensor exists, ``lora_a`` has the base's input width, ``lora_b`` its output width,
  and the two agree on the rank.

The adapter's scale is llama.cpp's: ``adapter.lora.alpha / rank``, PEFT's ``lora_alpha / r``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mira_agent.errors import MiraError
from mira_agent.llm.gguf_header import GGUFHeader, GGUFHeaderError, read_header


class AdapterError(MiraError):
    """An adapter file that is missing, not a LoRA adapter, or made for another base."""

    exit_code = 2


@dataclass(frozen=True)
class AdapterInfo:
    """What an adapter file says of itself."""

    path: Path
    architecture: str
    alpha: float
    # each base tensor it changes -> the shapes of its lora_a (rank, inputs) and
    # lora_b (outputs, rank), numpy order
    pairs: dict[str, tuple[tuple[int, ...], tuple[int, ...]]]
    base: str | None  # the base model's name, where the file records one

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self.pairs)

    @property
    def ranks(self) -> frozenset[int]:
        return frozenset(a[0] for a, _ in self.pairs.values())


def is_adapter(path: Path) -> bool:
    """Whether `path` is a GGUF file that calls itself an adapter (any error: no)."""
    try:
        return read_header(path).text("general.type") == "adapter"
    except (OSError, GGUFHeaderError):
        return False


def read_adapter(path: Path) -> AdapterInfo:
    """The adapter's own description; AdapterError when it is not a LoRA adapter."""
    header = _header(path, "adapter")
    kind = header.text("general.type")
    if kind != "adapter":
        raise AdapterError(f"{path} is not a LoRA adapter (general.type is {kind or 'missing'})")
    if header.text("adapter.type") != "lora":
        raise AdapterError(
            f"{path} is an adapter of type {header.text('adapter.type')!r}, not lora"
        )
    pairs: dict[str, dict[str, tuple[int, ...]]] = {}
    for tensor in header.tensors:
        stem, _, half = tensor.name.rpartition(".")
        if half not in ("lora_a", "lora_b") or len(tensor.shape) != 2:
            raise AdapterError(f"{path}: tensor {tensor.name} is not half of a LoRA pair")
        pairs.setdefault(stem, {})[half] = tensor.shape
    for stem, halves in pairs.items():
        if set(halves) != {"lora_a", "lora_b"}:
            raise AdapterError(f"{path}: {stem} has only its {', '.join(halves)}")
        # numpy order: lora_a is (rank, inputs), lora_b is (outputs, rank)
        if halves["lora_a"][0] != halves["lora_b"][1]:
            raise AdapterError(f"{path}: {stem}'s lora_a and lora_b disagree on the rank")
    if not pairs:
        raise AdapterError(f"{path} holds no LoRA tensors")
    alpha = header.scalar("adapter.lora.alpha")
    return AdapterInfo(
        path=path,
        architecture=header.text("general.architecture") or "",
        alpha=float(alpha) if isinstance(alpha, int | float) else 0.0,
        pairs={stem: (halves["lora_a"], halves["lora_b"]) for stem, halves in pairs.items()},
        base=header.text("general.base_model.0.name"),
    )


def check_adapter(adapter: Path, base: Path) -> AdapterInfo:
    """`adapter` read and checked against the base GGUF `base`, by llama.cpp's rules;
    AdapterError saying what does not fit."""
    info = read_adapter(adapter)
    header = _header(base, "base model")
    arch = header.text("general.architecture") or ""
    if info.architecture != arch:
        raise AdapterError(
            f"{adapter.name} is an adapter for a {info.architecture or 'unnamed'} model,"
            f" but {base.name} is a {arch or 'unnamed'} model"
        )
    shapes = {t.name: t.shape for t in header.tensors}
    wrong = []
    for target, (a, b) in info.pairs.items():
        if target not in shapes:
            wrong.append(f"{target} is not in the base")
            continue
        outputs, inputs = shapes[target][0], shapes[target][-1]
        if a[1] != inputs or b[0] != outputs:
            wrong.append(
                f"{target} is {outputs}x{inputs} in the base, {b[0]}x{a[1]} in the adapter"
            )
    if wrong:
        shown = "; ".join(wrong[:3]) + (f" and {len(wrong) - 3} more" if len(wrong) > 3 else "")
        raise AdapterError(f"{adapter.name} was made for another base than {base.name}: {shown}")
    return info


def _header(path: Path, what: str) -> GGUFHeader:
    if not path.is_file():
        raise AdapterError(f"no {what} file at {path}")
    try:
        return read_header(path)
    except GGUFHeaderError as exc:
        raise AdapterError(f"{exc}: the {what} must be one") from None
    except OSError as exc:
        raise AdapterError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
