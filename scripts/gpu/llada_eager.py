#!/usr/bin/env python3
"""The PyTorch-eager baseline of the GPU runbook (scripts/gpu-check runs it next to perf_gpu).

A straightforward eager implementation of LLaDA's masked-diffusion sampling, written for this
runbook from the algorithm as LLaDA's generate.py and modeling_llada.py describe it (semi-
autoregressive blocks, low-confidence remasking, a fixed number of tokens unmasked per step, the
whole sequence through the model at every step, logits for every position): the anchor against
which perf_gpu's sampler tokens/s are read. Same model shape (LLaDA-8B), same random-bf16-weights
idea, same prompt length, generation length, block length, batch sizes and temperature 0.

  python3 scripts/gpu/llada_eager.py [--gen 128] [--reps 1] [--device cuda] [--batches 1,16,64]
                                     [--shape 8b|small]

Prints tokens/s and peak GPU memory (torch.cuda.max_memory_allocated) per batch size. --shape small
(d 256, 4 layers, 4 heads, MLP 512, vocab 264) with --device cpu runs the same code on a CPU, in f32,
to check the script up to the point where it needs a GPU (perf_gpu speed cpu ... small does the same).
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F

SHAPES = {  # d_model, layers, heads, MLP, vocab (embedding rows), mask id, RoPE theta, weight dtype
    "8b": (4096, 32, 32, 12288, 126464, 126336, 500000.0, torch.bfloat16),  # LLaDA-8B's config.json
    "small": (256, 4, 4, 512, 264, 261, 10000.0, torch.float32),  # the engine's tiny byte-level LLaDA
}
D, LAYERS, HEADS, MLP, VOCAB, MASK_ID, THETA, DTYPE = SHAPES["8b"]


def make_weights(device):
    """Random weights made on the device (normal, std 1/sqrt(fan_in)), in the shape's dtype."""
    g = torch.Generator(device=device).manual_seed(1)
    def w(rows, cols):
        return (torch.randn(rows, cols, device=device, generator=g, dtype=DTYPE) / math.sqrt(cols))
    ones = lambda n: torch.ones(n, device=device, dtype=DTYPE)
    blocks = [dict(attn_norm=ones(D), q=w(D, D), k=w(D, D), v=w(D, D), o=w(D, D), ff_norm=ones(D),
                   gate=w(MLP, D), up=w(MLP, D), down=w(D, MLP)) for _ in range(LAYERS)]
    return dict(wte=w(VOCAB, D), blocks=blocks, ln_f=ones(D), head=w(VOCAB, D))


def rms_norm(x, weight, eps=1e-5):
    x32 = x.float()
    return weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(W, ids):
    """ids [B, L] -> logits [B, L, V] (bidirectional attention, RoPE, SwiGLU)."""
    B, L = ids.shape
    hd = D // HEADS
    inv_freq = 1.0 / (THETA ** (torch.arange(0, hd, 2, device=ids.device, dtype=torch.float32) / hd))
    freqs = torch.outer(torch.arange(L, device=ids.device, dtype=torch.float32), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(DTYPE), emb.sin().to(DTYPE)
    x = F.embedding(ids, W["wte"])
    for b in W["blocks"]:
        h = rms_norm(x, b["attn_norm"])
        q = F.linear(h, b["q"]).view(B, L, HEADS, hd).transpose(1, 2)
        k = F.linear(h, b["k"]).view(B, L, HEADS, hd).transpose(1, 2)
        v = F.linear(h, b["v"]).view(B, L, HEADS, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        att = torch.softmax((q @ k.transpose(-2, -1)) / math.sqrt(hd), dim=-1) @ v  # manual attention, eager
        x = x + F.linear(att.transpose(1, 2).reshape(B, L, D), b["o"])
        h = rms_norm(x, b["ff_norm"])
        x = x + F.linear(F.silu(F.linear(h, b["gate"])) * F.linear(h, b["up"]), b["down"])
    return F.linear(rms_norm(x, W["ln_f"]), W["head"])


def num_transfer_tokens(block_mask, steps):
    n = block_mask.sum(dim=1, keepdim=True)
    out = torch.zeros(n.size(0), steps, device=n.device, dtype=torch.int64) + n // steps
    rem = n % steps
    for r in range(n.size(0)):
        out[r, : rem[r]] += 1
    return out


@torch.no_grad()
def generate(W, prompt, gen, steps, block):
    """Temperature 0 (argmax), low-confidence remasking: LLaDA's sampling loop."""
    B, Lp = prompt.shape
    x = torch.full((B, Lp + gen), MASK_ID, dtype=torch.long, device=prompt.device)
    x[:, :Lp] = prompt
    blocks = gen // block
    spb = steps // blocks
    for nb in range(blocks):
        lo, hi = Lp + nb * block, Lp + (nb + 1) * block
        ntt = num_transfer_tokens(x[:, lo:hi] == MASK_ID, spb)
        for i in range(spb):
            mask_index = x == MASK_ID
            logits = forward(W, x)
            x0 = logits.argmax(dim=-1)
            p = F.softmax(logits.float(), dim=-1)
            x0_p = torch.gather(p, -1, x0.unsqueeze(-1)).squeeze(-1)
            x0_p[:, hi:] = -math.inf
            x0 = torch.where(mask_index, x0, x)
            conf = torch.where(mask_index, x0_p, torch.full_like(x0_p, -math.inf))
            transfer = torch.zeros_like(x0, dtype=torch.bool)
            for r in range(B):
                _, idx = torch.topk(conf[r], k=int(ntt[r, i]))
                transfer[r, idx] = True
            x[transfer] = x0[transfer]
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", type=int, default=128)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--batches", default="1,16,64")
    ap.add_argument("--shape", default="8b", choices=sorted(SHAPES))
    a = ap.parse_args()
    global D, LAYERS, HEADS, MLP, VOCAB, MASK_ID, THETA, DTYPE
    D, LAYERS, HEADS, MLP, VOCAB, MASK_ID, THETA, DTYPE = SHAPES[a.shape]
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    if cuda and not torch.cuda.is_available():
        raise SystemExit("llada_eager: no CUDA device visible to PyTorch")
    sync = (lambda: torch.cuda.synchronize(dev)) if cuda else (lambda: None)
    t0 = time.time()
    W = make_weights(dev)
    sync()
    where = torch.cuda.get_device_name(dev) if cuda else "CPU"
    print(f"eager: torch {torch.__version__}, {where}; {a.shape} shape, random {str(DTYPE).replace('torch.', '')} "
          f"weights made in {time.time() - t0:.0f} s; gen {a.gen}, block 32, prompt 64, temperature 0", flush=True)
    print(f"{'batch':>6} {'eager tok/s':>12} {'peak GiB':>10}", flush=True)
    for B in [int(b) for b in a.batches.split(",")]:
        prompt = (torch.arange(B * 64, device=dev).view(B, 64) * 7919 + 5) % (MASK_ID - 1) + 1
        best = math.inf
        if cuda:
            torch.cuda.reset_peak_memory_stats(dev)
        try:
            for _ in range(a.reps):
                sync()
                t = time.time()
                generate(W, prompt, a.gen, a.gen, 32)
                sync()
                best = min(best, time.time() - t)
        except torch.cuda.OutOfMemoryError:
            print(f"{B:>6}  does not fit", flush=True)
            torch.cuda.empty_cache()
            continue
        peak = torch.cuda.max_memory_allocated(dev) / 2**30 if cuda else float("nan")
        print(f"{B:>6} {B * a.gen / best:>12.1f} {peak:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
