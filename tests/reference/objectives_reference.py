"""Independent float64 implementations of the training losses, from the published algorithms
(tests/reference/README.md lists the sources). Each function takes models (llada_reference.Llada),
a rollout group as plain lists and the masks our side drew, and returns a differentiable scalar.
The mask draws themselves are inputs: they come from the batch file, so both sides score the same
noise; what is checked is everything computed from them.
"""
import torch

F64 = torch.float64


def completion_logp(model, prompt, ys, masks, prompt_mask=None):
    """log p(y_gi | prompt (with prompt_mask positions masked), y_g with masks[g] masked) [G, L]."""
    G, L = ys.shape
    P = len(prompt)
    mask_id = model.c["mask_token_id"]
    x_prompt = torch.tensor(prompt).repeat(G, 1)
    if prompt_mask is not None:
        x_prompt = torch.where(prompt_mask, torch.full_like(x_prompt, mask_id), x_prompt)
    x = torch.cat([x_prompt, torch.where(masks, torch.full_like(ys, mask_id), ys)], dim=1)
    lp = model.log_probs(x)[:, P:, :]  # [G, L, V]
    return lp.gather(-1, ys[..., None]).squeeze(-1)


def surrogate(model, prompt, ys, masks, weighting):
    """The Monte Carlo masked-reconstruction estimate per completion [G] over K mask rows [K, G, L]:
    mean_k w(l_k) sum_{i masked} log p(y_i | ...), w(l) = L/l (LLaDA's ELBO) or 1/l (per token)."""
    K = masks.shape[0]
    L = ys.shape[1]
    total = torch.zeros(ys.shape[0], dtype=F64)
    for k in range(K):
        m = masks[k]
        count = m.sum(1).to(F64)
        w = (L / count) if weighting == "elbo" else (1.0 / count)
        total = total + (completion_logp(model, prompt, ys, m) * m.to(F64)).sum(1) * w
    return total / K


def ar_logp(model, prompt, ys):
    """Left-to-right token log-probs [G, L]: token t from [prompt, y_<t, MASK * (L - t)] at P + t."""
    G, L = ys.shape
    P = len(prompt)
    mask_id = model.c["mask_token_id"]
    out = []
    for t in range(L):
        x = torch.cat([torch.tensor(prompt).repeat(G, 1), ys[:, :t], torch.full((G, L - t), mask_id)], dim=1)
        lp = model.log_probs(x)[:, P + t, :]
        out.append(lp.gather(-1, ys[:, t : t + 1]).squeeze(-1))
    return torch.stack(out, dim=1)


def through_first_eos(ys, eos):
    """1 at positions up to and including the first EOS of each row, 0 after."""
    out = torch.zeros(ys.shape, dtype=F64)
    for g in range(ys.shape[0]):
        for t in range(ys.shape[1]):
            out[g, t] = 1.0
            if int(ys[g, t]) == eos:
                break
    return out


def sft_loss(model, ids, attention, prompt_len, response_len, t, u, eps):
    """LLaDA's SFT loss: p = (1 - eps) t + eps per row, response token j masked when u_j < p;
    (1/B) sum_b (1/R) sum_{masked j} CE / p_b."""
    B = ids.shape[0]
    p = (1 - eps) * t + eps
    masked = u < p[:, None]
    noisy = ids.clone()
    resp = noisy[:, prompt_len:]
    noisy[:, prompt_len:] = torch.where(masked, torch.full_like(resp, model.c["mask_token_id"]), resp)
    lp = model.log_probs(noisy, attention)[:, prompt_len:, :]
    ce = -lp.gather(-1, ids[:, prompt_len:, None]).squeeze(-1)  # [B, R]
    return (ce * masked.to(F64) / p[:, None]).sum() / (B * response_len)


# ---- the objectives: each returns this group's term; the batch loss is the mean over groups ----

def trafl_group(policy, old, ref, head, prompt, ys, rewards, masks, o):
    """TraFL: delta = S_pol - S_ref - beta_eff (r - mean r) + log Z(x); loss = mean w delta^2 with the
    importance weight w = min(exp(L (S_pol - S_old)), clip) (per-token S), held constant."""
    L = ys.shape[1]
    s_pol = surrogate(policy, prompt, ys, masks, "per_token")
    with torch.no_grad():
        s_ref = surrogate(ref, prompt, ys, masks, "per_token")
        s_old = surrogate(old, prompt, ys, masks, "per_token")
        # log Z sees the prompt alone, through the pre-update policy's final-normed states, mean-pooled.
        feats = old.hidden(torch.tensor(prompt)[None, :])[0].mean(0)
    log_z = head(feats)
    beta_eff = o.get("beta", 5.0) / L
    r = rewards - rewards.mean()
    delta = s_pol - s_ref - beta_eff * r + log_z
    w = torch.clamp(torch.exp(L * (s_pol.detach() - s_old)), max=o.get("importance_clip", 10.0))
    return (w * delta.pow(2)).mean()


def espo_group(policy, old, ref, prompt, ys, rewards, masks, o):
    """ESPO: rho = exp((E_pol - E_old) / L) per sequence, leave-one-out advantages, clipped surrogate
    averaged over the group, plus beta * sum (E_pol - E_ref)^2 / 2 / (G L) (k2)."""
    G, L = ys.shape
    eps, beta = o["epsilon"], o["beta"]
    e_pol = surrogate(policy, prompt, ys, masks, "elbo")
    with torch.no_grad():
        e_old = surrogate(old, prompt, ys, masks, "elbo")
        e_ref = surrogate(ref, prompt, ys, masks, "elbo")
    adv = torch.stack([rewards[i] - (rewards.sum() - rewards[i]) / (G - 1) for i in range(G)])
    rho = torch.exp((e_pol - e_old) / L)
    policy_term = -torch.minimum(rho * adv, torch.clamp(rho, 1 - eps, 1 + eps) * adv).mean()
    return policy_term + beta * (0.5 * (e_pol - e_ref).pow(2)).sum() / (G * L)


def grpo_std_advantages(rewards):
    G = rewards.shape[0]
    mean = rewards.mean()
    std = torch.sqrt(((rewards - mean) ** 2).sum() / (G - 1))
    return (rewards - mean) / (std + 1e-4)


def justgrpo_batch(policy, old, groups, o):
    """JustGRPO: per token -min(rho A, clip(rho) A), A = (r - mean) / (std + 1e-4); the batch's summed
    token losses over gen_length times the number of rollouts with A != 0 in the whole batch."""
    eps = o["epsilon"]
    total = 0.0
    nonzero = 0
    for prompt, ys, rewards in groups:
        adv = grpo_std_advantages(rewards)
        nonzero += int((adv != 0).sum())
        lp = ar_logp(policy, prompt, ys)
        with torch.no_grad():
            lp_old = ar_logp(old, prompt, ys)
        rho = torch.exp(lp - lp_old)
        a = adv[:, None]
        total = total + (-torch.minimum(rho * a, torch.clamp(rho, 1 - eps, 1 + eps) * a)).sum()
    L = groups[0][1].shape[1]
    return total / (L * nonzero)


def diffu_grpo_group(policy, old, ref, prompt, ys, rewards, prompt_mask, eos, o):
    """diffu-GRPO (d1): one-pass token log-probs (every completion token masked, the prompt partly),
    per token -min(rho A, clip(rho) A) + beta k3(ref, pol), A = r - mean, averaged over the tokens
    up to and including the first EOS."""
    eps, beta = o["epsilon"], o["beta"]
    allm = torch.ones(ys.shape, dtype=torch.bool)
    lp = completion_logp(policy, prompt, ys, allm, prompt_mask)
    with torch.no_grad():
        lp_old = completion_logp(old, prompt, ys, allm, prompt_mask)
        lp_ref = completion_logp(ref, prompt, ys, allm, prompt_mask)
    a = (rewards - rewards.mean())[:, None]
    rho = torch.exp(lp - lp_old)
    d = lp_ref - lp
    per_token = -torch.minimum(rho * a, torch.clamp(rho, 1 - eps, 1 + eps) * a) + beta * (torch.exp(d) - d - 1)
    m = through_first_eos(ys, eos)
    return (per_token * m).sum() / m.sum()


def wd1_group(policy, prompt, ys, rewards, prompt_mask, eos):
    """wd1: l_i = sum of one-pass token log-probs through the first EOS;
    loss = -sum softmax(A)_i l_i + sum softmax(-A)_i l_i, A = r - mean."""
    allm = torch.ones(ys.shape, dtype=torch.bool)
    ell = (completion_logp(policy, prompt, ys, allm, prompt_mask) * through_first_eos(ys, eos)).sum(1)
    a = rewards - rewards.mean()
    return -(torch.softmax(a, 0) * ell).sum() + (torch.softmax(-a, 0) * ell).sum()


class LogZHead:
    """(Linear -> GELU -> LayerNorm) x (layers - 1) -> Linear, on a feature vector."""

    def __init__(self, tensors, layers):
        self.t = tensors
        self.layers = layers

    def __call__(self, f):
        h = f
        for i in range(self.layers):
            p = "log_z.%d." % i
            h = h @ self.t[p + "weight"].T + self.t[p + "bias"]
            if i + 1 < self.layers:
                h = torch.nn.functional.gelu(h)
                h = torch.nn.functional.layer_norm(h, (h.shape[-1],), self.t[p + "norm_weight"], self.t[p + "norm_bias"], 1e-5)
        return h.squeeze(-1)
