"""Loads every config.json cpt4j wrote (HfGoldenInputs' variant directories) with AutoConfig and prints
what the model code will use: rope theta and type, the per-layer attention types and window, biases.

Usage: python3 check_configs.py INPUT_DIR > summary.json
Run it under transformers 4.4x/4.5x and 5.x and diff the outputs: cpt4j's configs must load unchanged in
both (no torch needed).
"""
import json
import os
import sys

import transformers
from transformers import AutoConfig


def rope(c):
    params = getattr(c, "rope_parameters", None)
    local = getattr(c, "rope_local_base_freq", None)  # transformers 4: Gemma 3's local layers
    if isinstance(params, dict) and "full_attention" in params:  # transformers 5: per layer type
        local = (params.get("sliding_attention") or {}).get("rope_theta")
        params = params["full_attention"]
    if isinstance(params, dict) and params:
        theta = params.get("rope_theta")
        kind = params.get("rope_type", "default")
        factor = params.get("factor")
    else:
        theta = getattr(c, "rope_theta", None) or getattr(c, "rotary_emb_base", None)
        scaling = getattr(c, "rope_scaling", None) or {}
        kind = scaling.get("rope_type", scaling.get("type", "default"))
        factor = scaling.get("factor")
    return {"theta": float(theta), "type": kind, "factor": factor,
            "local_theta": None if local is None else float(local)}


def main(src):
    out = {}
    for name in sorted(os.listdir(src)):
        d = os.path.join(src, name)
        if not os.path.isfile(os.path.join(d, "config.json")):
            continue
        c = AutoConfig.from_pretrained(d)
        window = getattr(c, "sliding_window", None)
        types = getattr(c, "layer_types", None)
        if c.model_type == "mistral":  # Mistral slides every layer by its window, whatever layer_types says
            types = ["sliding_attention" if window is not None else "full_attention"] * c.num_hidden_layers
        elif types is None:
            types = ["full_attention"] * c.num_hidden_layers
        out[name] = {
            "class": c.architectures[0],
            "rope": rope(c),
            "head_dim": getattr(c, "head_dim", None),
            "layer_types": list(types),
            "sliding_window": window if "sliding_attention" in types else None,
            "attention_bias": getattr(c, "attention_bias", None),
            "mlp_bias": getattr(c, "mlp_bias", None),
            "tie_word_embeddings": c.tie_word_embeddings,
        }
    print(json.dumps({"transformers": transformers.__version__, "configs": out}, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
