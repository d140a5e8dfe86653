"""scaiecho/stt/convert.py: the CTranslate2 → Hugging Face Whisper conversion is exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scaiecho.stt.bundled import assemble_base, tiny_en_dir
from scaiecho.stt.convert import _configs, _special_ids, ensure_converted
from scaiecho.stt.ct2_format import read_ct2_model

from tests.scaiecho.conftest import piper16k


def test_converted_checkpoint_loads_strictly_and_matches_ctranslate2(hf_tiny_dir: Path) -> None:
    import ctranslate2
    import torch
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    model, info = WhisperForConditionalGeneration.from_pretrained(str(hf_tiny_dir), output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    features = WhisperFeatureExtractor.from_pretrained(str(hf_tiny_dir))
    pcm = piper16k("Checking that both runtimes hear the same thing.")
    feats = features(pcm, sampling_rate=16000, return_tensors="pt").input_features
    ct2 = ctranslate2.models.Whisper(str(tiny_en_dir()), device="cpu", compute_type="float32")
    ref = np.array(ct2.encode(ctranslate2.StorageView.from_array(feats.numpy())))
    with torch.inference_mode():
        out = model.model.encoder(feats).last_hidden_state.numpy()
    assert np.abs(ref - out).max() < 1e-3
    # Same greedy tokens from both decoders (no timestamps).
    prompt = [[50257, 50362]]
    ct2_tokens = ct2.generate(ctranslate2.StorageView.from_array(feats.numpy()), prompt)[0].sequences_ids[0]
    with torch.inference_mode():
        hf_tokens = model.generate(feats, return_timestamps=False)[0].tolist()
    assert [t for t in hf_tokens if t < 50256] == ct2_tokens


def test_generation_config_knows_english_only_models(hf_tiny_dir: Path) -> None:
    gen = json.loads((hf_tiny_dir / "generation_config.json").read_text())
    assert gen["is_multilingual"] is False
    assert gen["no_timestamps_token_id"] == 50362
    assert gen["decoder_start_token_id"] == 50257
    assert "lang_to_id" not in gen
    assert (hf_tiny_dir / "preprocessor_config.json").is_file()


def test_multilingual_base_gets_language_and_task_tokens(scaiecho_models_dir: Path) -> None:
    src = assemble_base(scaiecho_models_dir)
    model = read_ct2_model(src / "model.bin")
    config, gen = _configs(
        model.variables, json.loads((src / "config.json").read_text()), _special_ids(src / "tokenizer.json")
    )
    assert config["vocab_size"] == 51865 and config["d_model"] == 512 and config["encoder_layers"] == 6
    assert gen["is_multilingual"] is True
    assert gen["lang_to_id"]["<|en|>"] == 50259 and gen["lang_to_id"]["<|de|>"] == 50261
    assert gen["task_to_id"] == {"transcribe": 50359, "translate": 50358}
    assert gen["no_timestamps_token_id"] == 50363


def test_ensure_converted_reuses_a_finished_conversion(hf_tiny_dir: Path) -> None:
    stamp = (hf_tiny_dir / "model.safetensors").stat().st_mtime_ns
    assert ensure_converted(tiny_en_dir(), hf_tiny_dir) == hf_tiny_dir
    assert (hf_tiny_dir / "model.safetensors").stat().st_mtime_ns == stamp
