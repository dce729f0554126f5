#!/usr/bin/python3
"""Python PyTorch (eager) peer of bench_model: the same GPT-2 computation, same config and sizes.

Measures (a) training-step tokens/s (batch 16 x 128 tokens, AdamW, forward + backward + step) and
(b) sampling tokens/s (batch 64, prompt 8 tokens, 48 new tokens, temperature 0.9) with a KV cache
and with full-prefix recompute. Standalone it prints a table (or with --json one JSON object);
bench_model runs it with --serve and asks for one timed run at a time, alternating with its own.

Dimension legend: B batch, T time, C channels, V vocab, H heads, hs head size (C / H).
"""

import argparse
import json
import math
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    "demo": dict(n_layer=4, n_head=4, n_embd=128, n_ctx=128, vocab_size=4096),
    "gpt2-small": dict(n_layer=12, n_head=12, n_embd=768, n_ctx=1024, vocab_size=50257),
}


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln_1 = nn.LayerNorm(C)
        self.c_attn = nn.Linear(C, 3 * C)
        self.attn_proj = nn.Linear(C, C)
        self.ln_2 = nn.LayerNorm(C)
        self.c_fc = nn.Linear(C, 4 * C)
        self.mlp_proj = nn.Linear(4 * C, C)

    def forward(self, x, bias, cache=None, L=0):
        # x [B, T, C]; bias additive [1, 1, T, Lk] or None; cache (k, v) buffers [B, H, Tmax, hs]
        B, T, C = x.shape
        H, hs = self.H, C // self.H
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q = q.view(B, T, H, hs).transpose(1, 2)  # [B, H, T, hs]
        k = k.view(B, T, H, hs).transpose(1, 2)
        v = v.view(B, T, H, hs).transpose(1, 2)
        if cache is not None:
            kb, vb = cache
            kb[:, :, L : L + T] = k
            vb[:, :, L : L + T] = v
            k, v = kb[:, :, : L + T], vb[:, :, : L + T]  # [B, H, Lk, hs]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # [B, H, T, Lk]
        if bias is not None:
            att = att + bias
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, n_layer, n_head, n_embd, n_ctx, vocab_size):
        super().__init__()
        self.cfg = dict(n_layer=n_layer, n_head=n_head, n_embd=n_embd, n_ctx=n_ctx, vocab_size=vocab_size)
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(n_ctx, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd)
        for name, p in self.named_parameters():
            if "ln_" in name:
                continue
            if name.endswith("bias"):
                nn.init.zeros_(p)
            else:
                std = 0.02 / math.sqrt(2 * n_layer) if "proj.weight" in name else 0.02
                nn.init.normal_(p, 0.0, std)

    def hidden(self, idx, pos, caches=None, L=0):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(pos)
        bias = None
        if T > 1:  # causal mask over the new tokens (all earlier cached slots are visible)
            bias = torch.full((T, L + T), float("-inf"), device=idx.device).triu(L + 1).view(1, 1, T, L + T)
        for i, block in enumerate(self.h):
            x = block(x, bias, caches[i] if caches is not None else None, L)
        return self.ln_f(x)

    def forward(self, idx):
        B, T = idx.shape
        return self.hidden(idx, torch.arange(T, device=idx.device)) @ self.wte.weight.t()


def uniforms(seed, K):
    rng = np.random.Generator(np.random.MT19937(seed))
    return ((rng.integers(0, 1 << 24, size=K) + 1) / float(1 << 24)).astype(np.float32)


def sample_step(logits, u, temperature):
    probs = torch.softmax(logits / temperature, dim=-1)  # [B, V]
    cdf = probs.cumsum(-1)
    total = cdf[:, -1:]
    choice = torch.searchsorted(cdf, (u.unsqueeze(1) * total).contiguous()).clamp_max(cdf.shape[1] - 1)
    logp = (probs.gather(1, choice).log() - total.log()).squeeze(1)
    return choice.squeeze(1), logp


@torch.no_grad()
def generate(model, prompts, u, new_tokens, temperature, use_cache):
    B, P = prompts.shape
    cfg = model.cfg
    dev = prompts.device
    toks, lps = [], []
    if use_cache:
        hs = cfg["n_embd"] // cfg["n_head"]
        caches = [
            (
                torch.zeros(B, cfg["n_head"], P + new_tokens, hs, device=dev),
                torch.zeros(B, cfg["n_head"], P + new_tokens, hs, device=dev),
            )
            for _ in range(cfg["n_layer"])
        ]
        h = model.hidden(prompts, torch.arange(P, device=dev), caches, 0)
        logits = h[:, -1] @ model.wte.weight.t()
        for k in range(new_tokens):
            tok, lp = sample_step(logits, u[:, k], temperature)
            toks.append(tok)
            lps.append(lp)
            if k + 1 == new_tokens:
                break
            h = model.hidden(tok.unsqueeze(1), torch.tensor([P + k], device=dev), caches, P + k)
            logits = h[:, -1] @ model.wte.weight.t()
    else:
        seq = torch.cat([prompts, torch.zeros(B, new_tokens, dtype=torch.long, device=dev)], 1)
        for k in range(new_tokens):
            n = P + k
            h = model.hidden(seq[:, :n], torch.arange(n, device=dev))
            logits = h[:, -1] @ model.wte.weight.t()
            tok, lp = sample_step(logits, u[:, k], temperature)
            toks.append(tok)
            lps.append(lp)
            seq[:, n] = tok
    return torch.stack(toks, 1), torch.stack(lps, 1)


def timed(fn, warmup, reps):
    """Seconds of each of `reps` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


# Train batch (rows x tokens) per size; sampling: 64 prompts of 8 tokens, 48 new tokens.
TRAIN_BT = {"demo": (16, 128), "gpt2-small": (8, 1024)}
SAMPLE_B, SAMPLE_P, SAMPLE_K = 64, 8, 48


def figures_of(size):
    """Figure name -> tokens per run."""
    B, T = TRAIN_BT[size]
    return {"train": B * T, "kv": SAMPLE_B * SAMPLE_K, "recompute": SAMPLE_B * SAMPLE_K}


class Figures:
    """The three figures, each runnable once (fresh models, GPT-2 init, seed 0). On a GPU each run
    ends when the device has finished (synchronize), as the engine's does."""

    def __init__(self, size="demo", device="cpu"):
        torch.manual_seed(0)
        config = CONFIGS[size]
        self.device = torch.device(device)
        self.train_b, self.train_t = TRAIN_BT[size]
        V = config["vocab_size"]
        self.V = V
        self.train_model = GPT(**config).to(self.device)
        self.data = torch.randint(V, (self.train_b, self.train_t + 1)).to(self.device)
        self.opt = torch.optim.AdamW(self.train_model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
        self.train_model.train()
        self.model = GPT(**config).to(self.device)
        self.model.eval()
        self.prompts = torch.randint(V, (SAMPLE_B, SAMPLE_P)).to(self.device)
        # Per-row seeded uniforms in (0, 1] (numpy's MT19937: the same amount of work as the
        # engine's std::mt19937_64 draw, not the same numbers).
        self.u = torch.from_numpy(np.stack([uniforms(1000 + b, SAMPLE_K) for b in range(SAMPLE_B)])).to(self.device)

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def run(self, figure):
        if figure == "train":
            T, V = self.train_t, self.V
            logits = self.train_model(self.data[:, :T])
            loss = F.cross_entropy(logits.reshape(-1, V), self.data[:, 1:].reshape(-1))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        else:
            generate(self.model, self.prompts, self.u, SAMPLE_K, 0.9, figure == "kv")
        self.sync()

    def seconds(self, figure):
        t0 = time.perf_counter()
        self.run(figure)
        return time.perf_counter() - t0


def serve(figs, figures):
    """Line protocol for bench_model: reads a figure name per line, runs it once, prints the
    seconds it took; 'quit' or end of input stops."""
    print("ready", flush=True)
    for line in sys.stdin:
        name = line.strip()
        if name == "quit":
            break
        if name not in figures:
            print(f"error unknown figure '{name}'", flush=True)
            continue
        print(f"{figs.seconds(name):.9f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--figure", choices=["all", "train", "kv", "recompute"], default="all")
    ap.add_argument("--size", choices=list(CONFIGS), default="demo")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--serve", action="store_true", help="run figures on request (used by bench_model)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    figs = Figures(args.size, args.device)
    figures = figures_of(args.size)
    if args.serve:
        serve(figs, figures)
        return
    names = list(figures) if args.figure == "all" else [args.figure]
    result = {"config": CONFIGS[args.size], "device": args.device, "threads": args.threads,
              "torch": torch.__version__, "figures": {}}
    for f in names:
        times = timed(lambda: figs.run(f), args.warmup, args.reps)
        result["figures"][f] = {
            "tokens": figures[f],
            "times_s": times,
            "tokens_per_s": figures[f] / statistics.median(times),
        }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"python peer, config {CONFIGS[args.size]}, {args.device}, threads {args.threads}, median of {args.reps}")
        for f, r in result["figures"].items():
            print(f"  {f:10s} {r['tokens_per_s']:12.1f} tokens/s")


if __name__ == "__main__":
    main()
