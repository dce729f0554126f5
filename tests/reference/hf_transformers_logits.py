#!/usr/bin/env python3
"""Logits of a Hugging Face GPT-2 folder computed by transformers' own GPT2LMHeadModel.

The second, independent reader of the folders `warp export` writes (tests/core/gpu/test_gpu.cpp and
scripts/gpu-check.sh compare its logits with the engine's): gpt2_reference.py checks the equations,
this checks that the real consumer of the format loads the folder as the same model.

Usage:
  hf_transformers_logits.py --model DIR --ids IDS --out OUT [--device cpu|cuda]
    DIR   folder with model.safetensors + config.json (tokenizer files are not needed)
    IDS   JSON: a list of equally long lists of token ids, inline or the path of a .json file
    OUT   raw little-endian float32 logits [B, T, V]
Prints the model's parameter count, dtype and device on stderr.
"""

import argparse
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = ap.parse_args()

    import numpy as np
    import torch
    from transformers import GPT2LMHeadModel

    text = open(args.ids).read() if os.path.exists(args.ids) else args.ids
    ids = json.loads(text)
    if not ids or not all(isinstance(r, list) and len(r) == len(ids[0]) and r for r in ids):
        sys.exit(f"{args.ids}: expected a list of equally long, non-empty lists of token ids")

    # No TF32 and the plain attention: float32 arithmetic as the engine does it.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = GPT2LMHeadModel.from_pretrained(args.model, attn_implementation="eager")
    model = model.to(device=args.device, dtype=torch.float32).eval()
    n = sum(p.numel() for p in model.parameters())
    print(f"hf_transformers_logits: GPT2LMHeadModel from {args.model}: {n} parameters, float32, {args.device}",
          file=sys.stderr)
    with torch.no_grad():
        x = torch.tensor(ids, dtype=torch.long, device=args.device)
        logits = model(input_ids=x).logits  # [B, T, V]
    out = logits.float().cpu().numpy().astype("<f4")
    tmp = args.out + ".tmp"
    out.tofile(tmp)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
