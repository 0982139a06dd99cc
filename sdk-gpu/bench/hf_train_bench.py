#!/usr/bin/env python3
"""Training throughput of a Pythia-160M-shaped GPTNeoXForCausalLM in PyTorch + HF transformers.

The counterpart of cpt4j's GpuTrainingBenchmark (sdk-gpu): random init from the config (no
download), random tokens, the same micro-batch and sequence length, AdamW (betas 0.9/0.95, weight
decay 0.1) with gradient clipping at 1.0, SDPA attention. Precisions:
  fp16: autocast(float16) over float32 weights + GradScaler (what cpt4j's FP16_MIXED does),
  bf16: autocast(bfloat16) over float32 weights (cpt4j cannot: DJL aborts on bfloat16).
Reports tokens/s over timed steps after warm-up, torch.cuda.max_memory_allocated and
max_memory_reserved, and the peak device memory in use as the driver sees it (mem_get_info,
sampled after every step: includes the CUDA context, like cpt4j's number).
Prints one human line and one "RESULT {json}" line per precision.
"""
import argparse
import json
import time

import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM


def pythia_160m_config():
    return GPTNeoXConfig(vocab_size=50304, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                         intermediate_size=3072, rotary_pct=0.25, max_position_embeddings=2048,
                         use_parallel_residual=True, tie_word_embeddings=False, hidden_act="gelu",
                         attention_dropout=0.0, hidden_dropout=0.0)


def build(device):
    cfg = pythia_160m_config()
    try:
        model = GPTNeoXForCausalLM._from_config(cfg, attn_implementation="sdpa")
    except TypeError:
        cfg._attn_implementation = "sdpa"
        model = GPTNeoXForCausalLM(cfg)
    return model.to(device).train()


def run(precision, args):
    device = torch.device("cuda", args.device)
    torch.manual_seed(1234)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device)
    free0, total = torch.cuda.mem_get_info(device)
    model = build(device)
    attn = getattr(model.config, "_attn_implementation", "?")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    dtype = torch.float16 if precision == "fp16" else torch.bfloat16
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16")
    gen = torch.Generator(device="cpu").manual_seed(42)
    peak_used = total - free0

    def step():
        total_loss = 0.0
        for _ in range(args.accum):
            ids = torch.randint(0, 50304, (args.batch, args.seq + 1), generator=gen).to(device, non_blocking=True)
            with torch.autocast("cuda", dtype=dtype):
                out = model(input_ids=ids[:, :-1], labels=None)
                loss = torch.nn.functional.cross_entropy(out.logits.float().reshape(-1, out.logits.size(-1)),
                                                         ids[:, 1:].reshape(-1))
            scaler.scale(loss / args.accum).backward()
            total_loss += loss.detach()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        return total_loss / args.accum

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize(device)
    losses = []
    t0 = time.perf_counter()
    for _ in range(args.steps):
        losses.append(step().item())  # one host sync a step, as cpt4j's logged loss
        free, _ = torch.cuda.mem_get_info(device)
        peak_used = max(peak_used, total - free)
    torch.cuda.synchronize(device)
    seconds = time.perf_counter() - t0
    tps = args.steps * args.accum * args.batch * args.seq / seconds
    res = dict(impl="hf", precision=precision, attn=attn, batch=args.batch, seq=args.seq, accum=args.accum,
               steps=args.steps, tokens_per_s=round(tps, 1),
               max_allocated_bytes=torch.cuda.max_memory_allocated(device),
               max_reserved_bytes=torch.cuda.max_memory_reserved(device),
               peak_used_bytes=peak_used - (total - free0),
               first_loss=losses[0], last_loss=losses[-1], torch=torch.__version__,
               gpu=torch.cuda.get_device_name(device))
    print(f"hf {precision} ({attn}) batch {args.batch} x {args.seq} (accum {args.accum}): {tps:.0f} tokens/s, "
          f"max allocated {res['max_allocated_bytes'] / 2**30:.2f} GiB, reserved {res['max_reserved_bytes'] / 2**30:.2f} GiB, "
          f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    print("RESULT " + json.dumps(res), flush=True)
    del model, opt
    torch.cuda.empty_cache()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", type=int, default=0)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--accum", type=int, default=1)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--precision", choices=["fp16", "bf16", "all"], default="all")
    args = p.parse_args()
    for precision in (["fp16", "bf16"] if args.precision == "all" else [args.precision]):
        run(precision, args)


if __name__ == "__main__":
    main()
