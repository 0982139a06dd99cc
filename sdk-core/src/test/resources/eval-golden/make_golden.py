"""Golden loglikelihoods for cpt4j's Scorer, computed as lm-evaluation-harness's HFLM computes them.

Usage: /path/to/python make_golden.py   (torch, transformers, safetensors; CPU, offline)

1. Builds a tiny Llama with transformers from seed 16 (LlamaConfig below, weights drawn by
   transformers' own initialisation with initializer_range 0.5, so logits span a few units) and
   saves it next to this script in tiny-llama/ (config.json, model.safetensors, float32).
2. Makes 12 requests (context, continuation) of token ids from a seeded RNG: short and long
   contexts, some longer than the model's context (max_position_embeddings = 48), a continuation
   of exactly 48 tokens, and four continuations decoded greedily by the model itself (so some
   answers are greedy).
3. Scores each request exactly as HFLM._loglikelihood_tokens does (lm-eval 0.4.x, causal backend,
   batch size 1, max_length = config.max_position_embeddings), in the model's float32:
       inp = (context_enc + continuation_enc)[-(max_length + 1):][:-1]
       logits = log_softmax(model(inp).logits)[inplen - contlen : inplen]
       greedy = (logits.argmax(-1) == continuation).all()
       logprob = logits.gather(continuation).sum()
   and writes golden.json: the requests, logprob, greedy, the smallest top-1/top-2 log-prob margin
   over the scored positions (how safe the greedy flag is against rounding) and library versions.
"""
import json
import os
import random

import torch
import torch.nn.functional as F
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "tiny-llama")
SEED = 16


def build_model():
    torch.manual_seed(SEED)
    config = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=48,
                         rms_norm_eps=1e-6, rope_theta=10000.0, initializer_range=0.5,
                         tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(config).float().eval()
    model.save_pretrained(MODEL_DIR, safe_serialization=True)
    return model


def greedy_continuation(model, context, n):
    ids = list(context)
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor([ids[-model.config.max_position_embeddings:]])).logits[0, -1]
            ids.append(int(logits.argmax()))
    return ids[len(context):]


def make_requests(model, vocab):
    rng = random.Random(SEED)

    def tokens(n):
        return [rng.randrange(vocab) for _ in range(n)]

    requests = []
    for ctx, cont in [(1, 1), (5, 3), (12, 1), (20, 6), (33, 4), (47, 1), (44, 8), (60, 5), (100, 2), (3, 48)]:
        requests.append((tokens(ctx), tokens(cont)))
    for ctx, cont in [(6, 3), (25, 5), (70, 4), (9, 1)]:  # the model's own greedy continuations
        context = tokens(ctx)
        requests.append((context, greedy_continuation(model, context, cont)))
    return requests


def loglikelihood(model, context_enc, continuation_enc, max_length):
    """HFLM._loglikelihood_tokens for one request (causal backend, batch size 1)."""
    assert len(context_enc) > 0 and len(continuation_enc) > 0 and len(continuation_enc) <= max_length
    inp = torch.tensor((context_enc + continuation_enc)[-(max_length + 1):][:-1], dtype=torch.long)
    (inplen,) = inp.shape
    with torch.no_grad():
        multi_logits = F.log_softmax(model(inp.unsqueeze(0)).logits, dim=-1)
    logits = multi_logits[0]
    contlen = len(continuation_enc)
    logits = logits[inplen - contlen:inplen].unsqueeze(0)  # _select_cont_toks
    greedy_tokens = logits.argmax(dim=-1)
    cont_toks = torch.tensor(continuation_enc, dtype=torch.long).unsqueeze(0)
    max_equal = (greedy_tokens == cont_toks).all()
    top2 = logits[0].topk(2, dim=-1).values
    margin = float((top2[:, 0] - top2[:, 1]).min())
    picked = torch.gather(logits, 2, cont_toks.unsqueeze(-1)).squeeze(-1)
    return float(picked.sum()), bool(max_equal), margin


def main():
    model = build_model()
    max_length = model.config.max_position_embeddings  # HFLM.max_length: config.max_position_embeddings
    answers = []
    for context, continuation in make_requests(model, model.config.vocab_size):
        logprob, greedy, margin = loglikelihood(model, context, continuation, max_length)
        answers.append({"context": context, "continuation": continuation, "logprob": logprob,
                        "greedy": greedy, "min_margin": margin})
        print(len(context), len(continuation), round(logprob, 6), greedy, round(margin, 4))
    out = {"transformers": transformers.__version__, "torch": torch.__version__, "dtype": "float32",
           "max_length": max_length, "rule": "lm-eval HFLM._loglikelihood_tokens, batch size 1",
           "requests": answers}
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
