"""Writing a fine-tuned model back as a GGUF file that llama.cpp (mira's local backend) runs.

The export follows a template: the GGUF file the base model came from. Everything that is
not a weight (architecture, hyper-parameters, the whole tokenizer, a chat template) is
copied from it key by key, so the fine-tune tokenizes and runs exactly as its base did;
only the weights come from the model, each under the template's tensor name and with the
template's shape. The template's list of tensors is the contract: each one is written
exactly once, nothing is left over, and a model that does not fit is refused before a
byte is written.

The weights are the inverse of what transformers does when it reads a GGUF file
(`transformers/modeling_gguf_pytorch_utils.py`, `Gemma2TensorProcessor`, used for gemma3):

- names: transformers maps its parameter names to GGUF names with gguf-py's tensor name
  map (`gguf.get_tensor_name_map`); the same map gives the GGUF name here;
- Gemma's RMSNorm multiplies by (1 + w) and llama.cpp's converter stores 1 + w, so
  transformers subtracts 1 from every tensor whose GGUF name contains "norm.weight"; 1 is
  added back here (in float32, whatever the model's dtype);
- there is no q/k permutation for gemma (llama.cpp runs it with NeoX rope; only the llama
  family's processor permutes), no transposition (GGUF's reversed dimension order is
  numpy's row-major order), and the embeddings are stored unscaled (both sides multiply
  by sqrt(hidden_size) at run time);
- tied embeddings: a template without `output.weight` makes transformers tie `lm_head` to
  the embeddings, and llama.cpp then reuses `token_embd.weight`; a tied model (one
  matrix, or two equal ones) is written without `output.weight` again. An `lm_head`
  trained apart from the embeddings is the one tensor written beyond the template's
  list, as `output.weight`, which llama.cpp's gemma3 reads when present.

Tensor types follow llama.cpp's converter: 1-D tensors (the norms) stay F32; the matrices
take the requested type, and a matrix whose rows do not fit Q8_0's blocks of 32 falls back
to F16. The conversion goes tensor by tensor straight to the file, so memory stays at one
tensor beyond the model; the file appears under its name only once it is complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira_agent.errors import MiraError
from mira_agent.llm.gguf_header import ARRAY, GGUFHeader, GGUFHeaderError, read_header

if TYPE_CHECKING:
    import torch

# What `dtype` may be. f16 is what llama.cpp's converter writes by default and halves
# the file against f32; bf16 keeps the training dtype's range; q8_0 halves the file
# again at a small cost in quality; f32 is exact.
GGUF_TYPES: tuple[str, ...] = ("f16", "bf16", "q8_0", "f32")

# The architectures whose GGUF -> transformers conversion is inverted here. Another one
# needs its own reading of transformers' tensor processor (permutations, offsets) first.
SUPPORTED_ARCHITECTURES: tuple[str, ...] = ("gemma3",)

# Architectures whose norms GGUF stores as 1 + w (transformers subtracts the 1).
_NORM_PLUS_ONE = frozenset({"gemma3"})

# Hyper-parameters the template states and the model's config must agree with: the
# metadata is copied, so it has to describe the model. Shapes alone would let through
# e.g. 4 heads of 256 where the model has 8 of 128.
_CONFIG_KEYS = {
    "embedding_length": "hidden_size",
    "block_count": "num_hidden_layers",
    "feed_forward_length": "intermediate_size",
    "attention.head_count": "num_attention_heads",
    "attention.head_count_kv": "num_key_value_heads",
    "attention.key_length": "head_dim",
    "attention.value_length": "head_dim",
}

# Template keys not copied: the architecture (GGUFWriter's constructor adds it), the
# alignment (set through the writer, so that the data really is aligned so), and those
# that describe the new file rather than its base. The header's counts (GGUF.* in
# gguf-py's reader) are not metadata keys at all.
_OWN_KEYS = frozenset({"general.architecture", "general.alignment", "general.name"})
_OWN_KEYS |= {"general.file_type", "general.base_model.count"}
_OWN_PREFIXES = ("general.base_model.",)


class GGUFExportError(MiraError, ValueError):
    """The model cannot be written as a GGUF file after this template: the template is
    not GGUF, is of an unsupported architecture, or is for a model of another shape.
    Also a ValueError, for callers that check arguments that way."""

    exit_code = 2


def export_gguf(
    model: torch.nn.Module,
    template: Path,
    out: Path,
    *,
    dtype: str = "f16",
    name: str | None = None,
) -> Path:
    """Write `model` (a plain transformers causal LM: LoRA merged, fp32 or bf16) to `out`
    as a GGUF file of type `dtype` (one of GGUF_TYPES) that llama.cpp loads.

    `template` is the GGUF file the base model was read from: its metadata (tokenizer,
    hyper-parameters, chat template) is copied unchanged, its tensor list says what to
    write. `name` becomes `general.name` (default: `out`'s stem); the template's name is
    recorded as the base model. The file is written beside `out` and renamed into place
    when complete, so `out` is never half-written.

    Raises GGUFExportError, with a one-line message, when the template is not a GGUF
    file, is of an architecture not supported, or does not fit the model (hyper-
    parameters, tensor names or shapes), or when an f16 export would overflow (bf16 or
    f32 keep such weights); nothing is left on disk then. Raises ValueError for a model
    that still carries LoRA adapters. Returns `out`.
    """
    if dtype not in GGUF_TYPES:
        raise GGUFExportError(f"unknown GGUF type {dtype!r}: choose one of {', '.join(GGUF_TYPES)}")
    template, out = Path(template), Path(out)
    if out.resolve() == template.resolve():
        raise GGUFExportError(f"{out} is the template itself: write the export elsewhere")

    import gguf
    import numpy as np

    info = read_template(template)
    arch = _architecture(info)
    state = model.state_dict()
    _check_not_peft(state)
    _check_config(info, arch, getattr(model, "config", None))
    plan = _plan(info, arch, state, _qtype(dtype))

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".gguf.partial")
    writer = gguf.GGUFWriter(partial, arch)
    try:
        _copy_metadata(info, writer, name or out.stem, dtype)
        for item in plan:
            # With raw_dtype given, any dtype but uint8 means `shape` counts elements.
            writer.add_tensor_info(
                item.gguf_name, item.shape, np.dtype(np.float32), item.nbytes, raw_dtype=item.qtype
            )
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for data in _converted(state, plan):
            writer.write_tensor_data(data)
        writer.close()
        os.replace(partial, out)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    return out


# ---------------------------------------------------------------------------------------
# Reading the template


def read_template(template: Path) -> GGUFHeader:
    """The template's metadata and tensor list, or a one-line error."""
    if not template.is_file():
        raise GGUFExportError(f"no GGUF template at {template}")
    try:
        return read_header(template)
    except GGUFHeaderError as exc:
        raise GGUFExportError(f"{exc}: the template must be one") from exc


# ---------------------------------------------------------------------------------------
# Checking the model against it


def _architecture(info: GGUFHeader) -> str:
    arch = info.scalar("general.architecture")
    if not isinstance(arch, bytes):
        raise GGUFExportError(f"{info.path} has no general.architecture: not a model GGUF")
    name = arch.decode("utf-8", "replace")
    if name not in SUPPORTED_ARCHITECTURES:
        raise GGUFExportError(
            f"{info.path} is a {name!r} model; GGUF export supports "
            f"{', '.join(SUPPORTED_ARCHITECTURES)} only for now"
        )
    return name


def _check_not_peft(state: dict[str, Any]) -> None:
    if any(".lora_" in key or key.startswith("base_model.model.") for key in state):
        raise ValueError("the model still has LoRA adapters: merge them first (merge_and_unload)")


def _check_config(info: GGUFHeader, arch: str, config: Any) -> None:
    """The template's hyper-parameters against the model's config, where both state one."""
    if config is None:
        return
    wrong = []
    for suffix, attr in _CONFIG_KEYS.items():
        theirs, ours = info.scalar(f"{arch}.{suffix}"), getattr(config, attr, None)
        if isinstance(theirs, int) and isinstance(ours, int) and theirs != ours:
            wrong.append(f"{attr} {ours} (template: {theirs})")
    if wrong:
        raise GGUFExportError(
            f"{info.path} is for another model size: the model has {', '.join(wrong)}"
        )


# ---------------------------------------------------------------------------------------
# Planning the output


@dataclass(frozen=True)
class _Planned:
    """One tensor of the output: the model's tensor it comes from and how it is stored."""

    gguf_name: str
    hf_name: str
    shape: tuple[int, ...]  # numpy order
    qtype: Any  # gguf.GGMLQuantizationType
    nbytes: int
    plus_one: bool  # a Gemma norm: GGUF stores 1 + w


def _short(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _is_tied(state: dict[str, Any], embed: str, head: str) -> bool:
    a, b = state[embed], state[head]
    if a.shape != b.shape:
        return False
    if a.data_ptr() == b.data_ptr():
        return True
    import torch

    return bool(torch.equal(a, b))  # a copy saved without the tie: still one matrix


def _plan(info: GGUFHeader, arch: str, state: dict[str, Any], qtype: Any) -> list[_Planned]:
    """Every tensor of the output, in the template's order, checked against the model."""
    name_map = tensor_name_map(info, arch)

    by_gguf: dict[str, str] = {}
    unmapped: list[str] = []
    for hf_name in state:
        stem, _, suffix = hf_name.rpartition(".")
        mapped = name_map.get_name(stem) if suffix in ("weight", "bias") else None
        if mapped is None:
            unmapped.append(hf_name)
        else:
            by_gguf[f"{mapped}.{suffix}"] = hf_name

    wanted = {t.name: t.shape for t in info.tensors}
    embed, head = by_gguf.get("token_embd.weight"), by_gguf.get("output.weight")
    if "output.weight" not in wanted and embed and head and _is_tied(state, embed, head):
        del by_gguf["output.weight"]  # llama.cpp reuses token_embd, as for the template

    missing = [n for n in wanted if n not in by_gguf]
    # An lm_head trained apart from the embeddings is the one tensor the template may
    # lack: llama.cpp's gemma3 reads an output.weight when there is one.
    extra = [n for n in by_gguf if n not in wanted and n != "output.weight"] + unmapped
    if missing or extra:
        parts = [f"missing from the model: {_short(missing)}"] if missing else []
        parts += [f"not in the template: {_short(extra)}"] if extra else []
        raise GGUFExportError(
            f"the model's tensors do not match the template {info.path.name}: {'; '.join(parts)}"
        )

    plan, wrong = [], []
    for gguf_name in [*wanted, *(n for n in by_gguf if n not in wanted)]:
        hf_name = by_gguf[gguf_name]
        shape = tuple(int(d) for d in state[hf_name].shape)
        expected = wanted.get(gguf_name, shape)
        if shape != expected:
            wrong.append(f"{gguf_name} {list(shape)} (template: {list(expected)})")
        else:
            plan.append(_planned(arch, gguf_name, hf_name, shape, qtype))
    if wrong:
        raise GGUFExportError(
            f"{info.path.name} is for another model size: shapes differ for {_short(wrong, 3)}"
        )
    return plan


def tensor_name_map(info: GGUFHeader, arch: str) -> Any:
    """gguf-py's map from transformers' module names to the GGUF tensor names of a model
    of `arch` with the template's block count (gguf.TensorNameMap)."""
    import gguf

    model_arch = next((k for k, v in gguf.MODEL_ARCH_NAMES.items() if v == arch), None)
    if model_arch is None:
        raise GGUFExportError(f"gguf-py does not know the architecture {arch!r} of {info.path}")
    return gguf.get_tensor_name_map(model_arch, int(info.scalar(f"{arch}.block_count") or 0))


def _planned(
    arch: str, gguf_name: str, hf_name: str, shape: tuple[int, ...], qtype: Any
) -> _Planned:
    import gguf

    q = gguf.GGMLQuantizationType
    if len(shape) <= 1:
        qtype = q.F32  # norms (and biases): tiny, and their precision matters
    elif shape[-1] % gguf.GGML_QUANT_SIZES[qtype][0]:
        qtype = q.F16  # rows that do not fit the type's blocks, as llama.cpp's converter does
    nbytes = 1
    for dim in gguf.quant_shape_to_byte_shape(shape, qtype):
        nbytes *= dim
    plus_one = arch in _NORM_PLUS_ONE and "norm.weight" in gguf_name
    return _Planned(gguf_name, hf_name, shape, qtype, nbytes, plus_one)


# ---------------------------------------------------------------------------------------
# Writing


def _qtype(dtype: str) -> Any:
    from gguf import GGMLQuantizationType as Q

    return {"f16": Q.F16, "bf16": Q.BF16, "q8_0": Q.Q8_0, "f32": Q.F32}[dtype]


def _file_type(dtype: str) -> int:
    from gguf import LlamaFileType as T

    kinds = {"f16": T.MOSTLY_F16, "bf16": T.MOSTLY_BF16, "q8_0": T.MOSTLY_Q8_0, "f32": T.ALL_F32}
    return int(kinds[dtype])


def _copy_metadata(info: GGUFHeader, writer: Any, name: str, dtype: str) -> None:
    """Every key of the template but those describing the new file, values unchanged."""
    import gguf

    vt = gguf.GGUFValueType
    for key, (vtype, value, item_type) in info.fields.items():
        if key in _OWN_KEYS or key.startswith(_OWN_PREFIXES):
            continue
        if vtype == ARRAY and not value:
            continue  # the writer refuses empty arrays; llama.cpp reads them as absent
        writer.add_key_value(
            key, value, vt(vtype), sub_type=None if item_type is None else vt(item_type)
        )
    alignment = info.scalar("general.alignment")
    if alignment is not None:
        writer.add_custom_alignment(int(alignment))
    writer.add_name(name)
    writer.add_file_type(_file_type(dtype))
    base = info.scalar("general.name")
    if base:  # the template is the base this file was fine-tuned from
        writer.add_base_model_count(1)
        writer.add_key_value("general.base_model.0.name", base, vt.STRING)
    if "general.quantization_version" not in info.fields:
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def _converted(state: dict[str, Any], plan: list[_Planned]) -> Iterator[Any]:
    """Each planned tensor's data as stored, one at a time, in the plan's order."""
    import gguf
    import numpy as np
    import torch

    for item in plan:
        data = state[item.hf_name].detach().to("cpu", torch.float32).contiguous().numpy()
        if item.plus_one:
            data = data + np.float32(1.0)
        stored = gguf.quants.quantize(data, item.qtype)
        if (
            item.qtype == gguf.GGMLQuantizationType.F16
            and not np.isfinite(stored).all()
            and np.isfinite(data).all()
        ):
            raise GGUFExportError(
                f"{item.gguf_name} has values beyond float16's range: export as bf16 or f32"
            )
        yield np.ascontiguousarray(stored)
