"""Writing a trained LoRA as an adapter GGUF: the few megabytes llama.cpp loads beside the
base model's own GGUF (llama-cpp-python's `lora_path`), instead of a whole merged model.

The format is the one llama.cpp's `convert_lora_to_gguf.py` writes and
`llama_adapter_lora_init` reads (`llm/adapters.py` applies its rules before loading):
metadata ``general.type = "adapter"``, ``adapter.type = "lora"``, the base's
``general.architecture``, and ``adapter.lora.alpha``; one pair of tensors per adapted
matrix, named after the base's tensor with ``.lora_a`` (PEFT's ``lora_A``: rank x inputs)
and ``.lora_b`` (``lora_B``: outputs x rank). llama.cpp scales each pair by alpha / rank,
as PEFT scales by ``lora_alpha / r``; the alpha written is PEFT's effective scale times the
rank, so rsLoRA (alpha / sqrt(r)) comes out the same.

Names are mapped as in the full export (`gguf_export.py`), with gguf-py's tensor name map.
The LoRA layers are found by what they hold (`lora_A`, `lora_B`, `scaling`), so any
PEFT-wrapped transformers model works without importing PEFT here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mira_agent.llm.adapters import AdapterInfo, check_adapter
from mira_agent.train.gguf_export import GGUFExportError, read_template, tensor_name_map

ADAPTER_TYPES = ("f32", "f16")
_PEFT_PREFIX = "base_model.model."
_PEFT_ADAPTER = "default"  # the name peft gives the one adapter mira trains


def export_lora_adapter(
    model: Any,
    template: Path,
    out: Path,
    *,
    dtype: str = "f32",
    name: str | None = None,
    base_name: str | None = None,
) -> AdapterInfo:
    """Write the LoRA of the PEFT-wrapped `model` as an adapter GGUF for the base GGUF
    `template` (the file the base was read from) at `out`, of type `dtype` (f32 or f16).

    `base_name` (a model name such as gemma3-270m) is recorded as the base, so the adapter
    alone says what to load it on. The file is checked against `template` by llama.cpp's
    rules before it replaces `out`; GGUFExportError (one line) for a model with no LoRA,
    a LoRA whose layers scale differently (llama.cpp has one alpha per file) or that does
    not fit the template. Returns what the written file says of itself.
    """
    if dtype not in ADAPTER_TYPES:
        raise GGUFExportError(
            f"an adapter is written as {' or '.join(ADAPTER_TYPES)}, not {dtype!r}"
        )
    import gguf
    import numpy as np

    template, out = Path(template), Path(out)
    header = read_template(template)
    arch = header.text("general.architecture")
    if not arch:
        raise GGUFExportError(f"{template} has no general.architecture: not a model GGUF")
    name_map = tensor_name_map(header, arch)

    pairs, alphas = [], set()
    for module_name, module in model.named_modules():
        lora_a, lora_b = getattr(module, "lora_A", None), getattr(module, "lora_B", None)
        if lora_a is None or lora_b is None or _PEFT_ADAPTER not in lora_a:
            continue
        stem = module_name.removeprefix(_PEFT_PREFIX)
        mapped = name_map.get_name(stem)
        if mapped is None:
            raise GGUFExportError(f"no GGUF tensor for the LoRA layer {stem}")
        a = lora_a[_PEFT_ADAPTER].weight.detach().float().cpu().numpy()
        b = lora_b[_PEFT_ADAPTER].weight.detach().float().cpu().numpy()
        alphas.add(round(float(module.scaling[_PEFT_ADAPTER]) * a.shape[0], 6))
        pairs.append((f"{mapped}.weight", a, b))
    if not pairs:
        raise GGUFExportError("the model has no LoRA layers to write as an adapter")
    if len(alphas) > 1:
        raise GGUFExportError(
            "the LoRA layers scale differently (alpha/rank differs between them); llama.cpp"
            " keeps one alpha per adapter: train with one rank and alpha for every layer"
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    writer = gguf.GGUFWriter(partial, arch)
    np_type = np.float32 if dtype == "f32" else np.float16
    try:
        writer.add_type("adapter")
        writer.add_string("adapter.type", "lora")
        writer.add_float32("adapter.lora.alpha", alphas.pop())
        writer.add_name(name or out.stem)
        if base_name:
            writer.add_uint32("general.base_model.count", 1)
            writer.add_string("general.base_model.0.name", base_name)
        for target, a, b in pairs:
            writer.add_tensor(f"{target}.lora_a", a.astype(np_type))
            writer.add_tensor(f"{target}.lora_b", b.astype(np_type))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        info = check_adapter(partial, template)
        os.replace(partial, out)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    return AdapterInfo(out, info.architecture, info.alpha, info.pairs, info.base)
