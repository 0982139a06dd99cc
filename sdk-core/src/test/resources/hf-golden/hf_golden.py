"""Runs Hugging Face transformers on the checkpoints HfGoldenInputs writes and stores its logits.

Usage: python3 hf_golden.py INPUT_DIR OUTPUT_DIR
For every variant directory (config.json, model.safetensors, inputs.json) it loads the model with
AutoModelForCausalLM in float64 (eager attention) and computes logits for the packed batch twice:
  * packed: position ids restarting at each document and a 4-D additive mask that is causal and
    block-diagonal by document (what cpt4j computes for packed rows); for sliding-window models the
    mask is also banded to the window (Mistral: one mask; Qwen2: a dict per layer type, which its
    forward accepts), since a custom 4-D mask bypasses transformers' own window;
  * plain: each row as one causal sequence, positions 0..T-1, no document boundaries.
Writes OUTPUT_DIR/<variant>.safetensors with F32 tensors "packed" and "plain" (rows, length, vocab)
and the library versions in __metadata__.
"""
import json
import os
import sys

import numpy as np
import torch
import transformers
from safetensors.numpy import save_file
from transformers import AutoModelForCausalLM


def main(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        d = os.path.join(src, name)
        if not os.path.isfile(os.path.join(d, "inputs.json")):
            continue
        with open(os.path.join(d, "inputs.json")) as f:
            inp = json.load(f)
        rows, length = inp["rows"], inp["length"]
        ids = torch.tensor(inp["input_ids"], dtype=torch.long).view(rows, length)
        pos = torch.tensor(inp["position_ids"], dtype=torch.long).view(rows, length)
        docs = torch.tensor(inp["document_ids"], dtype=torch.long).view(rows, length)
        model = AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float64, attn_implementation="eager")
        model.eval()
        causal = torch.tril(torch.ones(length, length, dtype=torch.bool))
        same_doc = docs[:, :, None] == docs[:, None, :]
        visible = causal[None] & same_doc
        mask = additive(visible, rows, length)
        window = getattr(model.config, "sliding_window", None)
        layer_types = getattr(model.config, "layer_types", None) or []
        if window is not None and (model.config.model_type == "mistral" or "sliding_attention" in layer_types):
            idx = torch.arange(length)
            band = (idx[:, None] - idx[None, :]) < window
            sliding = additive(visible & band[None], rows, length)
            if model.config.model_type == "mistral":
                mask = sliding
            else:
                mask = {"full_attention": mask, "sliding_attention": sliding}
        with torch.no_grad():
            packed = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits
            plain = model(input_ids=ids).logits
        save_file({"packed": packed.float().numpy(), "plain": plain.float().numpy()},
                  os.path.join(dst, name + ".safetensors"),
                  metadata={"transformers": transformers.__version__, "torch": torch.__version__,
                            "model_class": type(model).__name__, "dtype": "float64, eager attention"})
        print(name, type(model).__name__, tuple(packed.shape), flush=True)


def additive(visible, rows, length):
    mask = torch.zeros(rows, 1, length, length, dtype=torch.float64)
    mask[~visible[:, None]] = torch.finfo(torch.float64).min
    return mask


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
