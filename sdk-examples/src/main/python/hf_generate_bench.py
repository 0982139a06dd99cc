"""Peer for GenerationBenchmark: greedy generation with HF transformers on the CPU, as
lm-evaluation-harness's HFLM.generate_until runs it (prompts left-padded into batches, key/value
cache, do_sample=False), on a Llama of the benchmark's shape (hidden 256, 8 layers, 4 heads,
intermediate 688, vocabulary 8192, context 512; random weights: speed does not depend on them) and
prompts of the same lengths (100-300 random tokens), each generating exactly NEW_TOKENS tokens.

Usage: python hf_generate_bench.py [THREADS] [PROMPTS] [NEW_TOKENS] [ROUNDS] [BATCH]
(defaults 2 32 32 2 32; BATCH 1 is one prompt at a time, as cpt4j's ONNX scorer).
"""
import random
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    threads, prompts, new_tokens, rounds, batch = ([int(a) for a in sys.argv[1:]] + [2, 32, 32, 2, 32][len(sys.argv) - 1:])[:5]
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    config = LlamaConfig(vocab_size=8192, hidden_size=256, intermediate_size=688, num_hidden_layers=8,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512,
                         tie_word_embeddings=False)
    model = LlamaForCausalLM(config).float().eval()
    rng = random.Random(3)
    requests = [[rng.randrange(8192) for _ in range(100 + rng.randrange(201))] for _ in range(prompts)]
    requests.sort(key=len, reverse=True)  # the harness sorts longest first
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters; {threads} threads; {prompts} prompts; "
          f"{new_tokens} new tokens; batch {batch}; torch {torch.__version__}")

    def run():
        generated = 0
        for i in range(0, len(requests), batch):
            chunk = requests[i:i + batch]
            width = max(len(p) for p in chunk)
            ids = torch.tensor([[0] * (width - len(p)) + p for p in chunk])
            mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in chunk])
            with torch.no_grad():
                out = model.generate(ids, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                     do_sample=False, pad_token_id=0, eos_token_id=None, use_cache=True)
            generated += (out.shape[1] - width) * len(chunk)
        return generated

    run() if prompts <= 4 else None
    best = 0
    for r in range(rounds):
        start = time.perf_counter()
        n = run()
        tps = n / (time.perf_counter() - start)
        best = max(best, tps)
        print(f"round {r + 1}: {tps:.1f} tok/s")
    print(f"best: transformers generate {best:.1f} tok/s")


if __name__ == "__main__":
    main()
