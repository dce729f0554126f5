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

CONFIG = dict(n_layer=4, n_head=4, n_embd=128, n_ctx=128, vocab_size=4096)


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
            bias = torch.full((T, L + T), float("-inf")).triu(L + 1).view(1, 1, T, L + T)
        for i, block in enumerate(self.h):
            x = block(x, bias, caches[i] if caches is not None else None, L)
        return self.ln_f(x)

    def forward(self, idx):
        B, T = idx.shape
        return self.hidden(idx, torch.arange(T)) @ self.wte.weight.t()


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
    toks, lps = [], []
    if use_cache:
        hs = cfg["n_embd"] // cfg["n_head"]
        caches = [
            (torch.zeros(B, cfg["n_head"], P + new_tokens, hs), torch.zeros(B, cfg["n_head"], P + new_tokens, hs))
            for _ in range(cfg["n_layer"])
        ]
        h = model.hidden(prompts, torch.arange(P), caches, 0)
        logits = h[:, -1] @ model.wte.weight.t()
        for k in range(new_tokens):
            tok, lp = sample_step(logits, u[:, k], temperature)
            toks.append(tok)
            lps.append(lp)
            if k + 1 == new_tokens:
                break
            h = model.hidden(tok.unsqueeze(1), torch.tensor([P + k]), caches, P + k)
            logits = h[:, -1] @ model.wte.weight.t()
    else:
        seq = torch.cat([prompts, torch.zeros(B, new_tokens, dtype=torch.long)], 1)
        for k in range(new_tokens):
            n = P + k
            h = model.hidden(seq[:, :n], torch.arange(n))
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


# Figures: name -> tokens per run.
TRAIN_B, TRAIN_T = 16, 128
SAMPLE_B, SAMPLE_P, SAMPLE_K = 64, 8, 48
FIGURES = {
    "train": TRAIN_B * TRAIN_T,
    "kv": SAMPLE_B * SAMPLE_K,
    "recompute": SAMPLE_B * SAMPLE_K,
}


class Figures:
    """The three figures, each runnable once (fresh models, GPT-2 init, seed 0)."""

    def __init__(self):
        torch.manual_seed(0)
        V = CONFIG["vocab_size"]
        self.V = V
        self.train_model = GPT(**CONFIG)
        self.data = torch.randint(V, (TRAIN_B, TRAIN_T + 1))
        self.opt = torch.optim.AdamW(self.train_model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
        self.train_model.train()
        self.model = GPT(**CONFIG)
        self.model.eval()
        self.prompts = torch.randint(V, (SAMPLE_B, SAMPLE_P))
        # Per-row seeded uniforms in (0, 1] (numpy's MT19937: the same amount of work as the
        # engine's std::mt19937_64 draw, not the same numbers).
        self.u = torch.from_numpy(np.stack([uniforms(1000 + b, SAMPLE_K) for b in range(SAMPLE_B)]))

    def run(self, figure):
        if figure == "train":
            T, V = TRAIN_T, self.V
            logits = self.train_model(self.data[:, :T])
            loss = F.cross_entropy(logits.reshape(-1, V), self.data[:, 1:].reshape(-1))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        else:
            generate(self.model, self.prompts, self.u, SAMPLE_K, 0.9, figure == "kv")

    def seconds(self, figure):
        t0 = time.perf_counter()
        self.run(figure)
        return time.perf_counter() - t0


def serve(figs):
    """Line protocol for bench_model: reads a figure name per line, runs it once, prints the
    seconds it took; 'quit' or end of input stops."""
    print("ready", flush=True)
    for line in sys.stdin:
        name = line.strip()
        if name == "quit":
            break
        if name not in FIGURES:
            print(f"error unknown figure '{name}'", flush=True)
            continue
        print(f"{figs.seconds(name):.9f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--figure", choices=["all"] + list(FIGURES), default="all")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--serve", action="store_true", help="run figures on request (used by bench_model)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    figs = Figures()
    if args.serve:
        serve(figs)
        return
    names = list(FIGURES) if args.figure == "all" else [args.figure]
    result = {"config": CONFIG, "threads": args.threads, "torch": torch.__version__, "figures": {}}
    for f in names:
        times = timed(lambda: figs.run(f), args.warmup, args.reps)
        result["figures"][f] = {
            "tokens": FIGURES[f],
            "times_s": times,
            "tokens_per_s": FIGURES[f] / statistics.median(times),
        }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"python peer, config {CONFIG}, threads {args.threads}, median of {args.reps}")
        for f, r in result["figures"].items():
            print(f"  {f:10s} {r['tokens_per_s']:12.1f} tokens/s")


if __name__ == "__main__":
    main()
