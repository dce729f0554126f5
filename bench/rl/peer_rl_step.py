#!/usr/bin/python3
"""Python PyTorch (eager) peer of bench_rl: one step of EMA-anchored KL-regularized REINFORCE,
written the way a PyTorch user would write it, at the same sizes and settings as the engine's step.

Stages (timed separately, like the engine's RlStepTimes):
  sample     y ~ pi(.|x) at temperature tau with a KV cache (left-padded prompts, position ids,
             key mask), torch.multinomial per token, EOS ends a row
  reward     synthetic token reward: fraction of completion tokens with id < V/2
  anchor     log pi_anchor(y_t|...) at tau, no grad
  sft        log pi_sft(y_t|...) at tau, no grad
  policy     log pi_theta at tau with grad, entropy, r_beta = r - beta * sum_t(log pi - log pi_anchor),
             batch-mean baseline, loss = -mean((r_beta - b) * sum_t log pi), backward
  optimizer  clip_grad_norm_(1.0) + AdamW step
  ema        theta_ema <- (1 - mu) theta_ema + mu theta (torch._foreach_mul_ / _foreach_add_)

Dimension legend: B batch (rows), P prompt slots, K max new tokens, T time, C channels, V vocab,
H heads, hs head size (C / H).

Prints a table, or with --json one JSON object {"stages": {name: [seconds per step]}} that
bench_rl reads.

--size gpt2-small --device cuda: GPT-2 small (124M parameters) on the GPU, as bench_rl measures it
there; the step's clock stops once the device has finished (synchronize). On a GPU the stage times
are launch times (kernels run asynchronously) and only the total is exact, as in the engine's.
"""

import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln_1 = nn.LayerNorm(C)
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.ln_2 = nn.LayerNorm(C)
        self.c_fc = nn.Linear(C, 4 * C)
        self.mlp_proj = nn.Linear(4 * C, C)

    def forward(self, x, bias, kv=None, L=0):
        # x [B, T, C]; bias [B, 1, T, Lk] additive (0 / -inf); kv: (k, v) buffers [B, H, Tmax, hs]
        B, T, C = x.shape
        hs = C // self.H
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q = q.view(B, T, self.H, hs).transpose(1, 2)  # [B, H, T, hs]
        k = k.view(B, T, self.H, hs).transpose(1, 2)
        v = v.view(B, T, self.H, hs).transpose(1, 2)
        if kv is not None:
            kv[0][:, :, L:L + T] = k
            kv[1][:, :, L:L + T] = v
            k, v = kv[0][:, :, :L + T], kv[1][:, :, :L + T]  # [B, H, Lk, hs]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs)) + bias  # [B, H, T, Lk]
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, n_layer, n_head, n_embd, n_ctx, vocab_size):
        super().__init__()
        self.n_head, self.n_embd = n_head, n_embd
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
                std = 0.02 / math.sqrt(2 * n_layer) if ("c_proj.weight" in name or "mlp_proj.weight" in name) else 0.02
                nn.init.normal_(p, 0.0, std)

    def hidden(self, idx, pos, key_mask, caches=None, L=0):
        # idx, pos [B, T]; key_mask [B, Lk] bool over all keys; causal over the T new tokens
        B, T = idx.shape
        Lk = key_mask.shape[1]
        dev = idx.device
        causal = torch.ones(T, Lk, dtype=torch.bool, device=dev).tril(Lk - T)  # [T, Lk]
        allowed = causal.unsqueeze(0) & key_mask.unsqueeze(1)  # [B, T, Lk]
        diag = torch.zeros(T, Lk, dtype=torch.bool, device=dev)
        diag[torch.arange(T, device=dev), torch.arange(Lk - T, Lk, device=dev)] = True  # a padding query sees itself
        allowed = allowed | diag.unsqueeze(0)
        bias = torch.zeros(B, 1, T, Lk, device=dev).masked_fill(~allowed.unsqueeze(1), float("-inf"))
        x = self.wte(idx) + self.wpe(pos)
        for i, blk in enumerate(self.h):
            x = blk(x, bias, None if caches is None else caches[i], L)
        return self.ln_f(x)  # [B, T, C]

    def logits(self, h):
        return h @ self.wte.weight.t()  # [..., V]


@torch.no_grad()
def sample(model, prompt, pmask, K, tau, eos_id, generator):
    # prompt, pmask [B, P] (left-padded) -> tokens [B, K], mask [B, K] (true up to and including EOS)
    B, P = prompt.shape
    H, C = model.n_head, model.n_embd
    dev = prompt.device
    caches = [(torch.empty(B, H, P + K, C // H, device=dev), torch.empty(B, H, P + K, C // H, device=dev))
              for _ in model.h]
    pos0 = (pmask.long().cumsum(1) - 1).clamp_min(0)
    n = pmask.sum(1)  # [B]
    key_mask = torch.cat([pmask, torch.ones(B, K, dtype=torch.bool, device=dev)], 1)  # [B, P+K]
    h = model.hidden(prompt, pos0, key_mask[:, :P], caches, 0)
    logits = model.logits(h[:, -1])
    done = torch.zeros(B, dtype=torch.bool, device=dev)
    toks, masks = [], []
    for k in range(K):
        probs = torch.softmax(logits / tau, -1)
        tok = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        live = ~done
        tok = tok.masked_fill(done, eos_id)
        done = done | (tok == eos_id)
        toks.append(tok)
        masks.append(live)
        if k + 1 == K:
            break
        h = model.hidden(tok.unsqueeze(1), (n + k).unsqueeze(1), key_mask[:, :P + k + 1], caches, P + k)
        logits = model.logits(h[:, -1])
    return torch.stack(toks, 1), torch.stack(masks, 1)


def completion_log_softmax(model, prompt, pmask, tokens, tau):
    # log softmax(logits / tau) of the logits predicting each completion token: [B, K, V]
    B, P = prompt.shape
    K = tokens.shape[1]
    seq = torch.cat([prompt, tokens[:, :-1]], 1)
    mask = torch.cat([pmask, torch.ones(B, K - 1, dtype=torch.bool, device=prompt.device)], 1)
    pos = (mask.long().cumsum(1) - 1).clamp_min(0)
    h = model.hidden(seq, pos, mask)[:, P - 1:]  # [B, K, C]
    return torch.log_softmax(model.logits(h) / tau, -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--prompt-len", type=int, default=8)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--size", choices=["demo", "gpt2-small"], default="demo")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    if a.size == "gpt2-small":
        cfg = dict(n_layer=12, n_head=12, n_embd=768, n_ctx=1024, vocab_size=50257)
    else:
        cfg = dict(n_layer=4, n_head=4, n_embd=128, n_ctx=128, vocab_size=4096)
    V = cfg["vocab_size"]
    tau, beta, mu, lr, eos_id = 0.9, 0.1, 0.01, 1e-4, 0
    policy = GPT(**cfg).to(dev).eval()
    anchor = GPT(**cfg).to(dev).eval()
    sft = GPT(**cfg).to(dev).eval()
    anchor.load_state_dict(policy.state_dict())
    sft.load_state_dict(policy.state_dict())
    for p in list(anchor.parameters()) + list(sft.parameters()):
        p.requires_grad_(False)
    opt = torch.optim.AdamW(policy.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    B, P, K = a.batch, a.prompt_len, a.max_new_tokens
    # Prompts of 2..P tokens, left-padded.
    lens = torch.arange(B) % (P - 1) + 2
    prompt = torch.randint(1, V, (B, P))
    pmask = torch.arange(P).unsqueeze(0) >= (P - lens).unsqueeze(1)
    prompt = prompt.masked_fill(~pmask, 0).to(dev)
    pmask = pmask.to(dev)
    gen = torch.Generator(device=dev).manual_seed(1)
    ema_params = list(anchor.parameters())
    pol_params = list(policy.parameters())

    stages = {k: [] for k in ["sample", "reward", "anchor", "sft", "policy", "optimizer", "ema", "total"]}

    def step(record):
        t = [time.perf_counter()]
        tokens, mask = sample(policy, prompt, pmask, K, tau, eos_id, gen)
        t.append(time.perf_counter())
        m = mask.float()
        r = (((tokens < V // 2) & mask).sum(1).double() / mask.sum(1).clamp_min(1).double()).float()
        t.append(time.perf_counter())
        with torch.no_grad():
            lp_anchor = completion_log_softmax(anchor, prompt, pmask, tokens, tau).gather(2, tokens.unsqueeze(2)).squeeze(2)
        t.append(time.perf_counter())
        with torch.no_grad():
            lp_sft = completion_log_softmax(sft, prompt, pmask, tokens, tau).gather(2, tokens.unsqueeze(2)).squeeze(2)
        t.append(time.perf_counter())
        logp_all = completion_log_softmax(policy, prompt, pmask, tokens, tau)  # [B, K, V]
        logp = logp_all.gather(2, tokens.unsqueeze(2)).squeeze(2)  # [B, K]
        with torch.no_grad():
            entropy = (-(logp_all.exp() * logp_all).sum(-1) * m).sum() / m.sum()
            kl_anchor = ((logp.detach() - lp_anchor) * m).sum(1)
            kl_sft = ((logp.detach() - lp_sft) * m).sum(1)
            r_beta = r - beta * kl_anchor
            adv = r_beta - r_beta.mean()
        loss = -(adv * (logp * m).sum(1)).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        t.append(time.perf_counter())
        gn = torch.nn.utils.clip_grad_norm_(pol_params, 1.0)
        stats = torch.stack([loss.detach(), gn, r.mean(), kl_anchor.mean(), kl_sft.mean(), entropy]).tolist()
        opt.step()
        t.append(time.perf_counter())
        with torch.no_grad():
            torch._foreach_mul_(ema_params, 1.0 - mu)
            torch._foreach_add_(ema_params, pol_params, alpha=mu)
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        t.append(time.perf_counter())
        if record:
            names = ["sample", "reward", "anchor", "sft", "policy", "optimizer", "ema"]
            for i, name in enumerate(names):
                stages[name].append(t[i + 1] - t[i])
            stages["total"].append(t[-1] - t[0])
        return stats

    for _ in range(a.warmup):
        step(False)
    for _ in range(a.reps):
        step(True)
    if a.json:
        print(json.dumps({"stages": stages, "threads": a.threads, "torch": torch.__version__}))
    else:
        for k, v in stages.items():
            print(f"{k:10s} {1e3 * statistics.median(v):9.2f} ms")


if __name__ == "__main__":
    main()
