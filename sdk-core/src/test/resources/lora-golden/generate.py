"""Golden files for PeftGoldenTest: does an adapter that cpt4j writes load in PEFT, and does PEFT's
merge of it agree with cpt4j's `lora apply`?

Two steps, with cpt4j in between (run from this directory; torch 2.13 CPU, transformers 5.18,
peft 0.21.0, safetensors 0.8):

  python generate.py checkpoints
      writes base/ (a tiny random Llama) and model/ (base plus a rank-3 change and small noise on
      every attention and MLP projection except layer 1's k_proj, plus a changed norm).
  ./mvnw -o test -pl sdk-core -am -Dtest=PeftGoldenTest -Dcpt4j.lora.golden.write=true
      writes adapter-energy/ (rank 4, energy 0.9, max rank 8: rank_pattern and alpha_pattern,
      exclude_modules for the unchanged k_proj) and adapter-alpha/ (rank 4, lora_alpha 16).
  python generate.py peft
      loads each adapter on base/ with PeftModel.from_pretrained, records its logits for fixed ids,
      merges it (merge_and_unload) and writes <adapter>-merged.safetensors, and golden.json with the
      logit agreements.
"""
import json
import sys

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

IDS = torch.tensor([[1, 5, 9, 17, 33, 2, 60, 41, 7, 3, 12, 50]])
ADAPTERS = ["adapter-energy", "adapter-alpha"]


def checkpoints():
    torch.manual_seed(19)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
    base = LlamaForCausalLM(config).eval()
    base.save_pretrained("base")
    model = LlamaForCausalLM(config).eval()
    model.load_state_dict(base.state_dict())
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("_proj.weight") and name != "model.layers.1.self_attn.k_proj.weight":
                out, inp = p.shape
                change = torch.randn(out, 3) @ torch.randn(3, inp) * 0.02
                p += change + 0.0005 * torch.randn(out, inp)
        model.model.layers[0].input_layernorm.weight += 0.01
    model.save_pretrained("model")


def peft():
    from peft import PeftModel
    golden = {"ids": IDS[0].tolist()}
    tuned = LlamaForCausalLM.from_pretrained("model").eval()
    with torch.no_grad():
        tuned_logits = tuned(IDS).logits
        base_logits = LlamaForCausalLM.from_pretrained("base").eval()(IDS).logits
    golden["max_abs_base_vs_finetuned_logits"] = (base_logits - tuned_logits).abs().max().item()
    for name in ADAPTERS:
        base = LlamaForCausalLM.from_pretrained("base").eval()
        model = PeftModel.from_pretrained(base, name).eval()
        with torch.no_grad():
            adapted = model(IDS).logits
        lora_modules = sum(1 for n, _ in model.named_modules() if n.endswith("lora_A"))
        merged = model.merge_and_unload()
        with torch.no_grad():
            merged_logits = merged(IDS).logits
        save_file({k: v.contiguous() for k, v in merged.state_dict().items()}, name + "-merged.safetensors",
                  metadata={"format": "pt"})
        golden[name] = {
            "lora_modules": lora_modules,
            "max_abs_adapted_vs_merged_logits": (adapted - merged_logits).abs().max().item(),
            "max_abs_adapted_vs_finetuned_logits": (adapted - tuned_logits).abs().max().item(),
            "adapted_logits_last_token": adapted[0, -1].tolist(),
        }
    with open("golden.json", "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    {"checkpoints": checkpoints, "peft": peft}[sys.argv[1]]()
