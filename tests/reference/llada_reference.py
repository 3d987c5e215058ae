"""An independent float64 LLaDA forward for the conformance goldens (tests/reference/README.md).

Written from the published architecture (LLaDA / OLMo-style, bidirectional): pre-norm blocks with
RMSNorm, rotary embeddings in the split-halves layout on queries and keys, full (non-causal)
attention with padded keys excluded, a SwiGLU feed-forward (SiLU on ff_proj, times up_proj, then
ff_out), a final RMSNorm and an untied LM head. Positions are 0..T-1 for every row, padded or not,
as in LLaDA's reference model. Weights come as a dict of HF names -> float64 tensors.
"""
import math

import torch


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate(x, positions, theta):
    """Rotary embedding on the last dimension of x [B, H, T, hd] (split-halves pairing: i with i + hd/2)."""
    hd = x.shape[-1]
    half = hd // 2
    inv_freq = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)  # [hd/2]
    angle = positions.to(torch.float64)[:, None] * inv_freq[None, :]  # [T, hd/2]
    cos, sin = torch.cos(angle), torch.sin(angle)
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)


class Llada:
    def __init__(self, config, weights):
        self.c = config
        self.w = weights
        self.layers = config["n_layers"]
        self.heads = config["n_heads"]
        self.kv_heads = config.get("n_kv_heads") or self.heads
        self.d = config["d_model"]
        self.eps = config.get("rms_norm_eps", 1e-5)
        self.theta = config["rope_theta"]

    def _w(self, name):
        return self.w["model.transformer." + name]

    def hidden(self, ids, attention=None):
        """ids [B, T] long, attention [B, T] bool (True = real token) -> final-normed states [B, T, D]."""
        B, T = ids.shape
        H, hd = self.heads, self.d // self.heads
        x = self._w("wte.weight")[ids]
        bias = torch.zeros(B, 1, 1, T, dtype=torch.float64)
        if attention is not None:
            bias = bias.masked_fill(~attention[:, None, None, :], float("-inf"))
        pos = torch.arange(T)
        for i in range(self.layers):
            p = "blocks.%d." % i
            h = rms_norm(x, self._w(p + "attn_norm.weight"), self.eps)
            q = (h @ self._w(p + "q_proj.weight").T).view(B, T, H, hd).transpose(1, 2)
            k = (h @ self._w(p + "k_proj.weight").T).view(B, T, self.kv_heads, hd).transpose(1, 2)
            v = (h @ self._w(p + "v_proj.weight").T).view(B, T, self.kv_heads, hd).transpose(1, 2)
            if self.kv_heads != H:
                k = k.repeat_interleave(H // self.kv_heads, dim=1)
                v = v.repeat_interleave(H // self.kv_heads, dim=1)
            q, k = rotate(q, pos, self.theta), rotate(k, pos, self.theta)
            scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + bias
            att = torch.softmax(scores, dim=-1) @ v  # [B, H, T, hd]
            x = x + att.transpose(1, 2).reshape(B, T, self.d) @ self._w(p + "attn_out.weight").T
            h = rms_norm(x, self._w(p + "ff_norm.weight"), self.eps)
            gate = torch.nn.functional.silu(h @ self._w(p + "ff_proj.weight").T)
            x = x + (gate * (h @ self._w(p + "up_proj.weight").T)) @ self._w(p + "ff_out.weight").T
        return rms_norm(x, self._w("ln_f.weight"), self.eps)

    def logits(self, ids, attention=None):
        """[B, T, embedding rows]: every row of the LM head, padding rows included."""
        return self.hidden(ids, attention) @ self._w("ff_out.weight").T

    def log_probs(self, ids, attention=None):
        return torch.log_softmax(self.logits(ids, attention), dim=-1)
