"""Golden greedy generations for cpt4j's Scorer.generate, made as lm-evaluation-harness's HFLM
generate_until makes them (token level: stop strings are checked by cpt4j's task layer).

Usage: /path/to/python make_generation_golden.py   (torch, transformers; CPU, offline; after
make_golden.py has saved tiny-llama/)

1. Loads the tiny Llama of make_golden.py (float32, max_position_embeddings = 48).
2. Makes 10 requests (context, max_gen_toks, stop ids) from a seeded RNG: short and long contexts,
   two longer than max_length - max_gen_toks (cut from the left as HFLM's left_truncate_len),
   no stop ids, and stop ids taken from the request's own unstopped greedy output (so generation
   ends early on them).
3. Generates each as HFLM._model_generate does, batch size 1:
       context = context[-(max_length - max_gen_toks):]
       model.generate(context, max_length=len(context) + max_gen_toks, do_sample=False,
                      eos_token_id=stop_ids or None, pad_token_id=0)
   and writes generation.json: the requests, the new tokens (a stop token included) and the
   smallest top-1 / top-2 logit margin over the generated steps (how safe the argmax is against
   rounding), with library versions.
"""
import json
import os
import random

import torch
import transformers
from transformers import LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 61


def generate(model, context, max_gen_toks, stops):
    max_length = model.config.max_position_embeddings
    context = context[-(max_length - max_gen_toks):]
    inp = torch.tensor([context])
    with torch.no_grad():
        out = model.generate(inp, attention_mask=torch.ones_like(inp), max_length=len(context) + max_gen_toks,
                             do_sample=False, eos_token_id=stops or None, pad_token_id=0,
                             output_scores=True, return_dict_in_generate=True, temperature=None, top_p=None,
                             top_k=None)
    new = out.sequences[0, len(context):].tolist()
    margin = min(float(s[0].topk(2).values[0] - s[0].topk(2).values[1]) for s in out.scores)
    return new, margin


def main():
    model = LlamaForCausalLM.from_pretrained(os.path.join(HERE, "tiny-llama"), torch_dtype=torch.float32).eval()
    model.generation_config.eos_token_id = None
    vocab = model.config.vocab_size
    rng = random.Random(SEED)
    answers = []
    for ctx, gen, stop in [(1, 8, False), (5, 4, False), (12, 16, False), (30, 8, True), (47, 8, False),
                           (100, 20, True), (3, 1, False), (20, 12, True), (8, 30, True), (40, 10, False)]:
        context = [rng.randrange(vocab) for _ in range(ctx)]
        stops = []
        if stop:
            free, _ = generate(model, context, gen, [])
            stops = [free[len(free) // 2]]
        new, margin = generate(model, context, gen, stops)
        answers.append({"context": context, "max_gen_toks": gen, "stop_tokens": stops, "generated": new,
                        "min_margin": margin})
        print(ctx, gen, stops, new, round(margin, 4))
    out = {"transformers": transformers.__version__, "torch": torch.__version__, "dtype": "float32",
           "max_length": model.config.max_position_embeddings,
           "rule": "lm-eval HFLM generate_until token level, batch size 1, greedy", "requests": answers}
    with open(os.path.join(HERE, "generation.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
