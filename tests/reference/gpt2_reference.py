#!/usr/bin/python3
"""Independent GPT-2 reference forward pass (numpy, float64), for checking the engine's model.

Reads a Hugging Face GPT-2 checkpoint: a safetensors file (names `transformer.wte.weight`,
`transformer.h.N.attn.c_attn.weight`, ... with Conv1D weights stored [in, out]; names without the
`transformer.` prefix are accepted too) and the `config.json` beside it (n_layer, n_head, n_embd,
n_positions, vocab_size, layer_norm_epsilon). Computes the logits of the given token ids with its
own implementation written from the GPT-2 equations; it shares no code with the C++ engine and
needs neither `transformers` nor `safetensors`.

Usage:
  gpt2_reference.py --model DIR_OR_FILE --ids IDS --out OUT
    DIR_OR_FILE  folder with model.safetensors + config.json, or the .safetensors file itself
                 (config.json is then read from its folder)
    IDS          JSON: a list of token ids, or a list of equally long lists; either inline
                 ('[[1,2,3]]') or the path of a .json file holding it
    OUT          OUT.npy: numpy array float32 [B, T, V];
                 any other name: raw little-endian float32 [B, T, V], and OUT.json with the shape
  gpt2_reference.py --self-test
    verifies this script: safetensors round trip and validation, and the forward pass against a
    second formulation (torch.nn.MultiheadAttention / LayerNorm / Linear in float64).

Dimension legend: B batch, T time, C channels, V vocab, H heads, hs head size (C / H).
"""

import argparse
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np

# ---- safetensors ------------------------------------------------------------------------------

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # converted by hand below
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
}
_MAX_HEADER = 100 * 1024 * 1024


class FormatError(Exception):
    pass


def read_safetensors(path):
    """Returns {name: float64 ndarray} (integer tensors keep their type). Validates the layout."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise FormatError(f"{path}: too short for a safetensors file ({len(data)} bytes)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > len(data):
        raise FormatError(f"{path}: header length {n} does not fit the file of {len(data)} bytes")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"{path}: header is not valid JSON: {e}")
    if not isinstance(header, dict):
        raise FormatError(f"{path}: header is not a JSON object")
    body = data[8 + n :]
    spans = []
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise FormatError(f"{path}: tensor '{name}' lacks dtype, shape or data_offsets")
        if dtype not in _DTYPES:
            raise FormatError(f"{path}: tensor '{name}' has unsupported dtype {dtype}")
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise FormatError(f"{path}: tensor '{name}' has a bad shape {shape}")
        nbytes = int(np.prod(shape, dtype=np.int64)) * _DTYPES[dtype].itemsize if shape else _DTYPES[dtype].itemsize
        if not (isinstance(begin, int) and isinstance(end, int)) or begin < 0 or end < begin or end > len(body):
            raise FormatError(f"{path}: tensor '{name}' has offsets [{begin}, {end}) outside the data ({len(body)} bytes)")
        if end - begin != nbytes:
            raise FormatError(
                f"{path}: tensor '{name}' {dtype}{shape} needs {nbytes} bytes, offsets give {end - begin}"
            )
        spans.append((begin, end, name))
        raw = body[begin:end]
        if dtype == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[dtype])
        arr = arr.reshape(shape)
        out[name] = arr.astype(np.float64) if arr.dtype.kind == "f" else arr.copy()
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        if begin != pos:
            raise FormatError(f"{path}: tensor '{name}' starts at {begin}, expected {pos} (gap or overlap)")
        pos = end
    if pos != len(body):
        raise FormatError(f"{path}: tensors cover {pos} bytes of {len(body)} bytes of data")
    return out


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: ndarray} (float32/float64/int64) in safetensors layout, sorted by name."""
    codes = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int64"): "I64"}
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        code = codes[arr.dtype]
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for c in chunks:
            f.write(c)


# ---- the model --------------------------------------------------------------------------------


def load_config(path):
    with open(path) as f:
        raw = json.load(f)

    def get(*keys, default=None):
        for k in keys:
            if k in raw:
                return raw[k]
        if default is None:
            raise FormatError(f"{path}: missing '{keys[0]}'")
        return default

    cfg = {
        "n_layer": int(get("n_layer")),
        "n_head": int(get("n_head")),
        "n_embd": int(get("n_embd")),
        "n_positions": int(get("n_positions", "n_ctx")),
        "vocab_size": int(get("vocab_size")),
        "eps": float(get("layer_norm_epsilon", default=1e-5)),
        "activation": raw.get("activation_function", "gelu_new"),
    }
    if cfg["n_embd"] % cfg["n_head"]:
        raise FormatError(f"{path}: n_embd {cfg['n_embd']} is not divisible by n_head {cfg['n_head']}")
    if cfg["activation"] not in ("gelu_new", "gelu_pytorch_tanh"):
        raise FormatError(f"{path}: activation_function {cfg['activation']} is not GPT-2's tanh GELU")
    return cfg


def load_gpt2(model):
    """Returns (cfg, params) with params named without the 'transformer.' prefix, shapes checked."""
    if not os.path.exists(model):
        raise FormatError(f"{model}: no such file or folder")
    st_path = os.path.join(model, "model.safetensors") if os.path.isdir(model) else model
    cfg = load_config(os.path.join(os.path.dirname(os.path.abspath(st_path)), "config.json"))
    raw = read_safetensors(st_path)
    params = {}
    for name, arr in raw.items():
        key = name[len("transformer.") :] if name.startswith("transformer.") else name
        if key.endswith(".attn.bias") or key.endswith(".attn.masked_bias"):
            continue  # HF's causal-mask buffers, not weights
        if key in params:
            raise FormatError(f"{st_path}: tensor '{key}' appears with and without the 'transformer.' prefix")
        params[key] = arr
    C, V, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_layer"]
    want = {"wte.weight": (V, C), "wpe.weight": (cfg["n_positions"], C), "ln_f.weight": (C,), "ln_f.bias": (C,)}
    for i in range(L):
        p = f"h.{i}."
        want.update(
            {
                p + "ln_1.weight": (C,), p + "ln_1.bias": (C,),
                p + "attn.c_attn.weight": (C, 3 * C), p + "attn.c_attn.bias": (3 * C,),
                p + "attn.c_proj.weight": (C, C), p + "attn.c_proj.bias": (C,),
                p + "ln_2.weight": (C,), p + "ln_2.bias": (C,),
                p + "mlp.c_fc.weight": (C, 4 * C), p + "mlp.c_fc.bias": (4 * C,),
                p + "mlp.c_proj.weight": (4 * C, C), p + "mlp.c_proj.bias": (C,),
            }
        )
    for key, shape in want.items():
        if key not in params:
            raise FormatError(f"{st_path}: missing tensor '{key}'")
        if tuple(params[key].shape) != shape:
            raise FormatError(f"{st_path}: tensor '{key}' has shape {list(params[key].shape)}, expected {list(shape)}")
    if "lm_head.weight" in params and tuple(params["lm_head.weight"].shape) != (V, C):
        raise FormatError(f"{st_path}: lm_head.weight has shape {list(params['lm_head.weight'].shape)}, expected {[V, C]}")
    extra = set(params) - set(want) - {"lm_head.weight"}
    if extra:
        raise FormatError(f"{st_path}: unexpected tensors {sorted(extra)[:5]}")
    return cfg, params


def layer_norm(x, w, b, eps):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def softmax(s, axis=-1):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def forward(cfg, params, ids):
    """ids [B, T] int -> logits [B, T, V] float64."""
    ids = np.asarray(ids, dtype=np.int64)
    B, T = ids.shape
    C, H, V = cfg["n_embd"], cfg["n_head"], cfg["vocab_size"]
    hs = C // H
    if T > cfg["n_positions"]:
        raise ValueError(f"sequence of {T} tokens exceeds n_positions {cfg['n_positions']}")
    if ids.min() < 0 or ids.max() >= V:
        raise ValueError(f"token ids must be in [0, {V})")
    P = params
    x = P["wte.weight"][ids] + P["wpe.weight"][np.arange(T)][None]  # [B, T, C]
    future = np.triu(np.ones((T, T), dtype=bool), k=1)  # [T, T] True where key is after query
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        a = layer_norm(x, P[p + "ln_1.weight"], P[p + "ln_1.bias"], cfg["eps"])
        qkv = a @ P[p + "attn.c_attn.weight"] + P[p + "attn.c_attn.bias"]  # Conv1D: [B, T, 3C]
        q, k, v = (qkv[..., j * C : (j + 1) * C].reshape(B, T, H, hs).transpose(0, 2, 1, 3) for j in range(3))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hs)  # [B, H, T, T]
        s = np.where(future, -np.inf, s)
        y = (softmax(s) @ v).transpose(0, 2, 1, 3).reshape(B, T, C)  # [B, T, C]
        x = x + y @ P[p + "attn.c_proj.weight"] + P[p + "attn.c_proj.bias"]
        m = layer_norm(x, P[p + "ln_2.weight"], P[p + "ln_2.bias"], cfg["eps"])
        x = x + gelu_new(m @ P[p + "mlp.c_fc.weight"] + P[p + "mlp.c_fc.bias"]) @ P[p + "mlp.c_proj.weight"] + P[
            p + "mlp.c_proj.bias"
        ]
    x = layer_norm(x, P["ln_f.weight"], P["ln_f.bias"], cfg["eps"])
    head = P.get("lm_head.weight", P["wte.weight"])  # tied unless given
    return x @ head.T  # [B, T, V]


def parse_ids(text):
    if os.path.exists(text):
        with open(text) as f:
            ids = json.load(f)
    else:
        ids = json.loads(text)
    if ids and all(isinstance(t, int) for t in ids):
        ids = [ids]
    if not ids or not all(isinstance(r, list) and r and all(isinstance(t, int) for t in r) for r in ids):
        raise ValueError("ids must be a non-empty list of token ids or of equally long lists")
    if len({len(r) for r in ids}) != 1:
        raise ValueError("all id lists must have the same length")
    return np.array(ids, dtype=np.int64)


def write_logits(out, logits):
    arr = np.ascontiguousarray(logits, dtype="<f4")
    if out.endswith(".npy"):
        np.save(out, arr)
    else:
        with open(out, "wb") as f:
            f.write(arr.tobytes())
        with open(out + ".json", "w") as f:
            json.dump({"dtype": "float32", "shape": list(arr.shape)}, f)


# ---- self-test --------------------------------------------------------------------------------


def _random_hf_state(cfg, rng):
    C, V, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_layer"]
    s = {
        "transformer.wte.weight": rng.normal(0, 0.5, (V, C)),
        "transformer.wpe.weight": rng.normal(0, 0.3, (cfg["n_positions"], C)),
        "transformer.ln_f.weight": rng.normal(1, 0.2, C),
        "transformer.ln_f.bias": rng.normal(0, 0.1, C),
    }
    for i in range(L):
        p = f"transformer.h.{i}."
        s.update(
            {
                p + "ln_1.weight": rng.normal(1, 0.2, C), p + "ln_1.bias": rng.normal(0, 0.1, C),
                p + "attn.c_attn.weight": rng.normal(0, 0.3, (C, 3 * C)), p + "attn.c_attn.bias": rng.normal(0, 0.1, 3 * C),
                p + "attn.c_proj.weight": rng.normal(0, 0.3, (C, C)), p + "attn.c_proj.bias": rng.normal(0, 0.1, C),
                p + "ln_2.weight": rng.normal(1, 0.2, C), p + "ln_2.bias": rng.normal(0, 0.1, C),
                p + "mlp.c_fc.weight": rng.normal(0, 0.3, (C, 4 * C)), p + "mlp.c_fc.bias": rng.normal(0, 0.1, 4 * C),
                p + "mlp.c_proj.weight": rng.normal(0, 0.3, (4 * C, C)), p + "mlp.c_proj.bias": rng.normal(0, 0.1, C),
                # HF's mask buffer, which readers must skip
                p + "attn.bias": np.tril(np.ones((1, 1, cfg["n_positions"], cfg["n_positions"]))),
            }
        )
    return {k: v.astype(np.float32) for k, v in s.items()}


def _torch_forward(cfg, state, ids):
    """Second formulation: torch modules (MultiheadAttention, LayerNorm, Linear), float64."""
    import torch
    import torch.nn.functional as F

    C, H = cfg["n_embd"], cfg["n_head"]
    g = lambda k: torch.tensor(state["transformer." + k], dtype=torch.float64)
    idx = torch.tensor(ids)
    T = idx.shape[1]
    x = F.embedding(idx, g("wte.weight")) + F.embedding(torch.arange(T), g("wpe.weight"))
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)  # True = may not attend
    with torch.no_grad():
        for i in range(cfg["n_layer"]):
            p = f"h.{i}."
            ln1 = torch.nn.LayerNorm(C, eps=cfg["eps"]).double()
            ln1.weight.copy_(g(p + "ln_1.weight")), ln1.bias.copy_(g(p + "ln_1.bias"))
            mha = torch.nn.MultiheadAttention(C, H, batch_first=True).double()
            mha.in_proj_weight.copy_(g(p + "attn.c_attn.weight").T)  # Conv1D [in, out] -> Linear [out, in]
            mha.in_proj_bias.copy_(g(p + "attn.c_attn.bias"))
            mha.out_proj.weight.copy_(g(p + "attn.c_proj.weight").T)
            mha.out_proj.bias.copy_(g(p + "attn.c_proj.bias"))
            a = ln1(x)
            x = x + mha(a, a, a, attn_mask=mask, need_weights=False)[0]
            ln2 = torch.nn.LayerNorm(C, eps=cfg["eps"]).double()
            ln2.weight.copy_(g(p + "ln_2.weight")), ln2.bias.copy_(g(p + "ln_2.bias"))
            fc = torch.nn.Linear(C, 4 * C).double()
            fc.weight.copy_(g(p + "mlp.c_fc.weight").T), fc.bias.copy_(g(p + "mlp.c_fc.bias"))
            proj = torch.nn.Linear(4 * C, C).double()
            proj.weight.copy_(g(p + "mlp.c_proj.weight").T), proj.bias.copy_(g(p + "mlp.c_proj.bias"))
            x = x + proj(F.gelu(fc(ln2(x)), approximate="tanh"))
        x = F.layer_norm(x, (C,), g("ln_f.weight"), g("ln_f.bias"), cfg["eps"])
        return (x @ g("wte.weight").T).numpy()


def _expect_format_error(fn, needle):
    try:
        fn()
    except FormatError as e:
        assert needle in str(e), f"error '{e}' does not mention '{needle}'"
        return
    raise AssertionError(f"no FormatError mentioning '{needle}'")


def self_test():
    rng = np.random.default_rng(1234)
    cfg_json = {"n_layer": 2, "n_head": 2, "n_embd": 16, "n_positions": 32, "vocab_size": 50,
                "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "model_type": "gpt2"}
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(cfg_json, f)
        cfg = load_config(os.path.join(tmp, "config.json"))
        state = _random_hf_state(cfg, rng)
        path = os.path.join(tmp, "model.safetensors")
        write_safetensors(path, state, {"format": "pt"})

        # Round trip.
        back = read_safetensors(path)
        assert set(back) == set(state)
        for k in state:
            assert back[k].shape == state[k].shape and np.array_equal(back[k], state[k].astype(np.float64)), k

        # Forward vs the torch formulation, through the command line.
        ids = rng.integers(0, cfg["vocab_size"], size=(3, 11)).tolist()
        ids_path = os.path.join(tmp, "ids.json")
        with open(ids_path, "w") as f:
            json.dump(ids, f)
        out = os.path.join(tmp, "logits.npy")
        assert main(["--model", tmp, "--ids", ids_path, "--out", out]) == 0
        got = np.load(out)
        c2, p2 = load_gpt2(tmp)
        ref64 = forward(c2, p2, ids)
        alt = _torch_forward(cfg, state, ids)
        assert got.shape == (3, 11, 50) and got.dtype == np.float32
        d = np.abs(ref64 - alt).max()
        assert d < 1e-10, f"reference vs torch formulation: max |diff| = {d}"
        assert np.abs(got - ref64).max() < 1e-5 * max(1.0, np.abs(ref64).max())
        # Causality: changing a later token leaves earlier logits unchanged.
        ids2 = [r[:] for r in ids]
        ids2[0][7] = (ids2[0][7] + 1) % 50
        l2 = forward(c2, p2, ids2)
        assert np.array_equal(l2[0, :7], ref64[0, :7]) and not np.allclose(l2[0, 7:], ref64[0, 7:])

        # Names without the prefix, float64 storage, a raw output file, and an explicit (tied) lm_head.
        plain = {k[len("transformer.") :]: v.astype(np.float64) for k, v in state.items()}
        plain["lm_head.weight"] = plain["wte.weight"]
        d2 = os.path.join(tmp, "plain")
        os.mkdir(d2)
        with open(os.path.join(d2, "config.json"), "w") as f:
            json.dump(cfg_json, f)
        write_safetensors(os.path.join(d2, "weights.safetensors"), plain)
        raw_out = os.path.join(tmp, "logits.bin")
        assert main(["--model", os.path.join(d2, "weights.safetensors"), "--ids", json.dumps(ids[1]), "--out", raw_out]) == 0
        with open(raw_out + ".json") as f:
            assert json.load(f)["shape"] == [1, 11, 50]
        raw = np.fromfile(raw_out, dtype="<f4").reshape(1, 11, 50)
        assert np.abs(raw[0] - ref64[1]).max() < 1e-5 * max(1.0, np.abs(ref64).max())

        # GELU formula vs torch's tanh approximation.
        import torch

        xs = np.linspace(-6, 6, 101)
        tg = torch.nn.functional.gelu(torch.tensor(xs), approximate="tanh").numpy()
        assert np.abs(gelu_new(xs) - tg).max() < 1e-12

        # Validation of untrusted files.
        with open(path, "rb") as f:
            good = f.read()
        bad = os.path.join(tmp, "bad.safetensors")

        def write_bad(blob):
            with open(bad, "wb") as f:
                f.write(blob)

        write_bad(good[:-4])
        _expect_format_error(lambda: read_safetensors(bad), "outside the data")
        write_bad(good + b"\0\0\0\0")
        _expect_format_error(lambda: read_safetensors(bad), "cover")
        write_bad(struct.pack("<Q", 1 << 40) + good[8:])
        _expect_format_error(lambda: read_safetensors(bad), "header length")
        (n,) = struct.unpack("<Q", good[:8])
        hdr = json.loads(good[8 : 8 + n])
        first = sorted((v["data_offsets"][0], k) for k, v in hdr.items() if k != "__metadata__")[0][1]
        hdr[first]["shape"] = [hdr[first]["shape"][0] + 1] + hdr[first]["shape"][1:]
        blob = json.dumps(hdr).encode()
        write_bad(struct.pack("<Q", len(blob)) + blob + good[8 + n :])
        _expect_format_error(lambda: read_safetensors(bad), "needs")
        missing = dict(state)
        del missing["transformer.h.1.mlp.c_fc.bias"]
        write_safetensors(os.path.join(tmp, "model.safetensors"), missing)
        _expect_format_error(lambda: load_gpt2(tmp), "h.1.mlp.c_fc.bias")
    print("gpt2_reference self-test passed (max |reference - torch formulation| = %.3g)" % d)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="folder with model.safetensors + config.json, or a .safetensors file")
    ap.add_argument("--ids", help="token ids: inline JSON or a .json file")
    ap.add_argument("--out", help="output: .npy, or raw float32 (+ OUT.json with the shape)")
    ap.add_argument("--self-test", action="store_true", help="verify this script and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not (args.model and args.ids and args.out):
        ap.error("--model, --ids and --out are required (or --self-test)")
    try:
        cfg, params = load_gpt2(args.model)
        ids = parse_ids(args.ids)
        write_logits(args.out, forward(cfg, params, ids))
    except (FormatError, ValueError, OSError) as e:
        print(f"gpt2_reference: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
