"""Exporting a fine-tuned Gemma 3 to GGUF: what llama.cpp runs is what transformers computed.

The reference is transformers' own reading of the embedded model's GGUF file; the export
must invert it, so llama.cpp's logits on the exported file are compared with the
transformers model's on the same tokens. The model is read from the GGUF file once per
session (the `converted_base` fixture: about a minute on two cores) and handed to the tests
as the trainer would hand it over: a plain model loaded from a saved folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gguf
import llama_cpp
import numpy as np
import pytest
import torch

from mira_agent.errors import MiraError
from mira_agent.llm.models import default_local_model
from mira_agent.train.gguf_export import (
    GGUFExportError,
    export_gguf,
    read_template,
)

PROMPT = b"The capital of France is Paris. The capital of Germany is"
F32, F16, BF16, Q8_0 = (
    int(gguf.GGMLQuantizationType[name]) for name in ("F32", "F16", "BF16", "Q8_0")
)


@pytest.fixture(scope="module")
def template() -> Path:
    return default_local_model()


@pytest.fixture(scope="module")
def hf_model(converted_base: object) -> Any:
    """The base model as a plain transformers model, from the folder mira's trainer
    converts the GGUF into once (the same code path as `mira finetune`)."""
    import torch

    from mira_agent.train.base_model import load_model, resolve_base

    model, _tokenizer = load_model(resolve_base(None), device="cpu", dtype=torch.float32)
    return model.eval()


@pytest.fixture(scope="module")
def tiny_model() -> Any:
    """A Gemma 3 of another size (randomly initialised, instant), for the refusals."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    config = Gemma3TextConfig(
        vocab_size=512,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
    )
    return Gemma3ForCausalLM(config)


@pytest.fixture(scope="module")
def tokens(template: Path) -> list[int]:
    vocab = llama_cpp.Llama(model_path=str(template), vocab_only=True, verbose=False)
    try:
        return vocab.tokenize(PROMPT, add_bos=True)
    finally:
        vocab.close()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("gguf-exports")
    yield folder
    shutil.rmtree(folder)  # half a gigabyte an export


@pytest.fixture(scope="module")
def base_logits(hf_model: Any, tokens: list[int]) -> np.ndarray:
    return hf_logits(hf_model, tokens)


@pytest.fixture(scope="module")
def f16_export(hf_model: Any, template: Path, exports: Path) -> Path:
    return export_gguf(hf_model, template, exports / "base-f16.gguf")


@pytest.fixture(scope="module")
def f16_logits(f16_export: Path, tokens: list[int]) -> np.ndarray:
    return llama_logits(f16_export, tokens)


def hf_logits(model: Any, tokens: list[int]) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor([tokens])).logits[0].float().numpy()


@contextmanager
def llama(path: Path) -> Iterator[llama_cpp.Llama]:
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, verbose=False, seed=0, logits_all=True)
    try:
        yield llm
    finally:
        llm.close()


def llama_logits(path: Path, tokens: list[int], *, generate: bool = False) -> np.ndarray:
    """llama.cpp's logits at each of `tokens`; with `generate`, a short greedy completion
    must come out of the same model too."""
    with llama(path) as llm:
        llm.eval(tokens)
        logits = np.array(llm.scores[: len(tokens)], dtype=np.float32)
        if generate:
            completion = llm.create_completion(
                "The capital of France is", max_tokens=4, temperature=0.0
            )
            assert completion["usage"]["completion_tokens"] > 0
            assert completion["choices"][0]["text"].strip()
        return logits


def mismatches(a: np.ndarray, b: np.ndarray) -> int:
    return int((a.argmax(-1) != b.argmax(-1)).sum())


@contextmanager
def perturbed(parameter: torch.Tensor, change: Any) -> Iterator[None]:
    """`parameter` changed in place for the duration (the model is shared by the module)."""
    original = parameter.detach().clone()
    with torch.no_grad():
        parameter.copy_(change(original))
    try:
        yield
    finally:
        with torch.no_grad():
            parameter.copy_(original)


class Edited:
    """A model whose state dict was edited, as a broken merge could leave one."""

    def __init__(self, model: Any, *, drop: tuple[str, ...] = (), add: dict | None = None):
        self.config = model.config
        self._model, self._drop, self._add = model, drop, add or {}

    def state_dict(self) -> dict[str, torch.Tensor]:
        state = {k: v for k, v in self._model.state_dict().items() if k not in self._drop}
        return {**state, **self._add}


def test_the_f16_export_predicts_what_transformers_predicts(
    f16_export: Path, tokens: list[int], base_logits: np.ndarray
) -> None:
    assert len(tokens) >= 8
    logits = llama_logits(f16_export, tokens, generate=True)
    # f16 weights against transformers' fp32: ~0.03 apart on logits spread ~5 wide.
    assert mismatches(logits, base_logits) <= 1
    assert np.abs(logits - base_logits).max() < 0.25


def test_the_export_keeps_the_template_metadata_and_layout(
    f16_export: Path, template: Path
) -> None:
    ours, theirs = read_template(f16_export), read_template(template)
    assert [(t.name, t.shape) for t in ours.tensors] == [(t.name, t.shape) for t in theirs.tensors]
    assert "output.weight" not in {t.name for t in ours.tensors}  # embeddings stay tied
    assert {t.type for t in ours.tensors if len(t.shape) == 1} == {F32}
    assert {t.type for t in ours.tensors if len(t.shape) == 2} == {F16}

    own = {"general.name", "general.file_type", "general.base_model.count"}
    own |= {"general.base_model.0.name"}
    assert {k: v for k, v in ours.fields.items() if k not in own} == {
        k: v for k, v in theirs.fields.items() if k not in own
    }
    assert ours.fields["general.name"][1] == b"base-f16"
    assert ours.fields["general.file_type"][1] == int(gguf.LlamaFileType.MOSTLY_F16)
    assert ours.fields["general.base_model.0.name"][1] == theirs.fields["general.name"][1]

    text = "Réservez un vol <start_of_turn>user\n東京 → Denver 🛫 <end_of_turn>".encode()
    vocabs = [
        llama_cpp.Llama(model_path=str(p), vocab_only=True, verbose=False)
        for p in (f16_export, template)
    ]
    try:
        ids = [v.tokenize(text, add_bos=True, special=True) for v in vocabs]
        assert ids[0] == ids[1]
        assert [v.n_vocab() for v in vocabs] == [262144, 262144]
    finally:
        for vocab in vocabs:
            vocab.close()


def test_a_changed_model_is_what_gets_exported(
    hf_model: Any, template: Path, exports: Path, tokens: list[int], base_logits: np.ndarray
) -> None:
    layers = hf_model.model.layers
    with (
        perturbed(layers[2].mlp.down_proj.weight, lambda w: -3 * w),
        perturbed(layers[3].self_attn.o_proj.weight, lambda w: -2 * w),
    ):
        changed = hf_logits(hf_model, tokens)
        path = export_gguf(hf_model, template, exports / "changed.gguf")
    assert mismatches(changed, base_logits) >= 3  # the change is visible at all
    logits = llama_logits(path, tokens)
    assert mismatches(logits, changed) <= 1
    assert np.abs(logits - changed).max() < 0.5
    assert np.abs(logits - base_logits).max() > 5


def test_the_gemma_norms_are_stored_as_one_plus_w(
    hf_model: Any, template: Path, exports: Path, tokens: list[int], f16_logits: np.ndarray
) -> None:
    # The final norm multiplies by (1 + w): w -> 2w + 1 doubles it, and with it the
    # logits, exactly, if and only if the export adds the 1 back.
    with perturbed(hf_model.model.norm.weight, lambda w: 2 * w + 1):
        path = export_gguf(hf_model, template, exports / "norm.gguf")
    doubled = llama_logits(path, tokens)
    assert np.abs(doubled - 2 * f16_logits).max() < 1e-3 * np.abs(f16_logits).max()


def test_a_q8_0_export_loads_and_generates(
    hf_model: Any,
    template: Path,
    exports: Path,
    tokens: list[int],
    base_logits: np.ndarray,
    f16_export: Path,
) -> None:
    path = export_gguf(hf_model, template, exports / "base-q8_0.gguf", dtype="q8_0")
    info = read_template(path)
    assert {t.type for t in info.tensors if len(t.shape) == 2} == {Q8_0}
    assert {t.type for t in info.tensors if len(t.shape) == 1} == {F32}
    assert path.stat().st_size < 0.6 * f16_export.stat().st_size
    assert mismatches(llama_logits(path, tokens, generate=True), base_logits) <= 2


def test_a_bf16_model_exports_as_bf16(
    hf_model: Any, template: Path, exports: Path, tokens: list[int], base_logits: np.ndarray
) -> None:
    # The trainer may hand over bf16 weights; lm_head is then a separate but equal copy,
    # still written as the one tied matrix.
    bf16 = {k: v.to(torch.bfloat16) for k, v in hf_model.state_dict().items()}
    model = Edited(hf_model, add=bf16)
    path = export_gguf(model, template, exports / "bf16.gguf", dtype="bf16")  # type: ignore[arg-type]
    info = read_template(path)
    assert "output.weight" not in {t.name for t in info.tensors}
    assert {t.type for t in info.tensors if len(t.shape) == 2} == {BF16}
    assert info.fields["general.file_type"][1] == int(gguf.LlamaFileType.MOSTLY_BF16)
    assert mismatches(llama_logits(path, tokens, generate=True), base_logits) <= 2


def test_a_template_that_is_not_gguf_is_refused(tiny_model: Any, tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model\n")
    with pytest.raises(GGUFExportError, match="is not a GGUF file") as error:
        export_gguf(tiny_model, text, tmp_path / "out.gguf")
    assert isinstance(error.value, MiraError) and "\n" not in str(error.value)
    with pytest.raises(GGUFExportError, match="no GGUF template"):
        export_gguf(tiny_model, tmp_path / "absent.gguf", tmp_path / "out.gguf")
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(b"GGUF\x03\x00\x00\x00\x01")
    with pytest.raises(GGUFExportError, match="could not be read as GGUF"):
        export_gguf(tiny_model, truncated, tmp_path / "out.gguf")
    assert {p.name for p in tmp_path.iterdir()} == {"notes.gguf", "truncated.gguf"}


def _tiny_gguf(path: Path, arch: str) -> Path:
    writer = gguf.GGUFWriter(path, arch)
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_another_architecture_or_type_is_refused(tiny_model: Any, tmp_path: Path) -> None:
    llama_file = _tiny_gguf(tmp_path / "llama.gguf", "llama")
    with pytest.raises(GGUFExportError, match="'llama' model; GGUF export supports gemma3 only"):
        export_gguf(tiny_model, llama_file, tmp_path / "out.gguf")
    with pytest.raises(GGUFExportError, match="unknown GGUF type 'q4_k'"):
        export_gguf(tiny_model, llama_file, tmp_path / "out.gguf", dtype="q4_k")
    with pytest.raises(GGUFExportError, match="is the template itself"):
        export_gguf(tiny_model, llama_file, llama_file)
    assert not (tmp_path / "out.gguf").exists()


def test_a_model_of_another_size_is_refused(
    tiny_model: Any, hf_model: Any, template: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.gguf"
    with pytest.raises(
        GGUFExportError, match=r"another model size.*hidden_size 64 \(template: 640\)"
    ):
        export_gguf(tiny_model, template, out)
    # Hyper-parameters that agree with shapes that do not (no config to check first).
    narrow = Edited(hf_model, add={"model.norm.weight": torch.zeros(320)})
    narrow.config = None
    with pytest.raises(GGUFExportError, match=r"output_norm.weight \[320\] \(template: \[640\]\)"):
        export_gguf(narrow, template, out)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_missing_or_extra_tensors_are_named(hf_model: Any, template: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.gguf"
    dropped = Edited(hf_model, drop=("model.layers.3.mlp.up_proj.weight",))
    with pytest.raises(GGUFExportError, match=r"missing from the model: blk\.3\.ffn_up\.weight$"):
        export_gguf(dropped, template, out)  # type: ignore[arg-type]
    extra = Edited(hf_model, add={"model.layers.0.mlp.extra.weight": torch.zeros(4)})
    with pytest.raises(GGUFExportError, match=r"not in the template: model\.layers\.0\.mlp\.extra"):
        export_gguf(extra, template, out)  # type: ignore[arg-type]
    lora = Edited(
        hf_model, add={"model.layers.0.self_attn.q_proj.lora_A.default.weight": torch.zeros(4)}
    )
    with pytest.raises(ValueError, match="merge them first"):
        export_gguf(lora, template, out)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_the_template_reader_agrees_with_gguf_py(tmp_path: Path) -> None:
    # The export reads the template itself (gguf-py's reader takes 15 s over Gemma's
    # vocabulary); on a small file with every kind of value both must read the same.
    path = tmp_path / "kinds.gguf"
    writer = gguf.GGUFWriter(path, "gemma3")
    writer.add_uint8("k.u8", 7)
    writer.add_int16("k.i16", -3)
    writer.add_uint32("k.u32", 4_000_000_000)
    writer.add_int64("k.i64", -(2**40))
    writer.add_float32("k.f32", 0.1)
    writer.add_float64("k.f64", 0.1)
    writer.add_bool("k.bool", True)
    writer.add_string("k.str", "héllo")
    writer.add_key_value("k.strs", ["a", "", "東京"], gguf.GGUFValueType.ARRAY)
    writer.add_key_value(
        "k.f32s", [0.5, -1.25], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.FLOAT32
    )
    writer.add_key_value(
        "k.i32s", [1, -2, 3], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.INT32
    )
    writer.add_tensor("a.weight", np.ones(32, dtype=np.float32))
    writer.add_tensor("b.weight", np.ones((3, 64), dtype=np.float16))
    q8 = gguf.quants.quantize(np.ones((2, 64), dtype=np.float32), gguf.GGMLQuantizationType.Q8_0)
    writer.add_tensor("c.weight", q8, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    ours, reference = read_template(path), gguf.GGUFReader(path)
    for key, field in reference.fields.items():
        if key.startswith("GGUF."):
            continue
        vtype, value, item_type = ours.fields[key]
        assert vtype == field.types[0]
        if isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, list) and value and isinstance(value[0], bytes):
            value = [v.decode() for v in value]
        assert value == field.contents()
        if vtype == gguf.GGUFValueType.ARRAY:
            assert item_type == field.types[-1]
    assert [(t.name, t.shape, t.type) for t in ours.tensors] == [
        (t.name, tuple(reversed(t.shape.tolist())), int(t.tensor_type)) for t in reference.tensors
    ]
