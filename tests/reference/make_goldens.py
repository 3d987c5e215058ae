#!/usr/bin/python3
"""Makes tests/reference/goldens.json from the batch our side exported (scripts/make-conformance-goldens).

usage: make_goldens.py BATCH_JSON OUT_JSON

Every case is computed in float64 by the independent references (llada_reference.py,
objectives_reference.py); the golden file keeps each case's inputs (masks, options, head weights:
the C++ test checks it drew the same), the loss, per-completion values where the case has them,
and per gradient tensor its norm and a few entries (the largest and two others of at least a tenth
of it). Needs Debian's python3-torch (scripts/setup --reference).
"""
import json
import sys

import torch

from llada_reference import Llada
import objectives_reference as ref

F64 = torch.float64


def tensor(j, dtype=F64):
    return torch.tensor(j["data"], dtype=dtype).view(j["shape"])


def weights(models, name, trainable):
    out = {}
    for k, v in models[name].items():
        t = tensor(v)
        out[k] = t.requires_grad_(True) if trainable else t
    return out


def summarise(g):
    flat = g.detach().reshape(-1)
    mags = flat.abs()
    top = int(mags.argmax())
    big = (mags >= 0.1 * mags[top]).nonzero().view(-1).tolist()
    idx = sorted({top, big[0], big[-1]})
    return {"norm": float(flat.norm()), "index": idx, "value": [float(flat[i]) for i in idx]}


def main(batch_path, out_path):
    torch.set_grad_enabled(True)
    exported = json.load(open(batch_path))
    batch, cases = exported["batch"], exported["cases"]
    cfg = batch["config"]
    eos = cfg["eos_token_id"] if isinstance(cfg["eos_token_id"], int) else cfg["eos_token_id"][0]
    w_pol = weights(batch["models"], "policy", True)
    policy = Llada(cfg, w_pol)
    old = Llada(cfg, weights(batch["models"], "old_policy", False))
    refm = Llada(cfg, weights(batch["models"], "reference", False))
    groups = [(g["prompt"], torch.tensor(g["completions"]), torch.tensor(g["rewards"], dtype=F64), g["id"])
              for g in batch["groups"]]
    result = {"cases": {}}
    for name, case in cases.items():
        inputs = case["inputs"]
        extra = {}
        values = []
        if name in ("elbo", "elbo_per_token"):
            prompt, ys, _, _ = groups[inputs["group"]]
            s = ref.surrogate(policy, prompt, ys, tensor(inputs["masks"], torch.bool),
                              "elbo" if name == "elbo" else "per_token")
            loss = s.mean()
            values = [float(v) for v in s.detach()]
        elif name == "sft":
            s = batch["sft"]
            att = tensor(s["attention"], torch.bool) if s["attention"] is not None else None
            loss = ref.sft_loss(policy, tensor(s["ids"], torch.long), att, s["prompt_len"], s["response_len"],
                                tensor(s["t"]), tensor(s["u"]), inputs["eps"])
        else:
            o = inputs["options"]
            it = inputs["inner"]
            frozen = inputs.get("frozen", {})
            terms = []
            if name == "trafl":
                head_t = {k: tensor(v).requires_grad_(True) for k, v in inputs["head"].items()}
                extra = head_t
                head = ref.LogZHead(head_t, o["logz_layers"])
                for prompt, ys, r, gid in groups:
                    terms.append(ref.trafl_group(policy, old, refm, head, prompt, ys, r,
                                                 tensor(frozen[gid]["masks"], torch.bool), o))
            elif name == "espo":
                for prompt, ys, r, gid in groups:
                    terms.append(ref.espo_group(policy, old, refm, prompt, ys, r,
                                                tensor(frozen[gid]["masks"], torch.bool)[it], o))
            elif name == "justgrpo":
                # The batch normalisation spans the groups: the trainer's mean over B groups of our
                # per-group terms equals this batch total, so it enters as B equal shares.
                total = ref.justgrpo_batch(policy, old, [(p, y, r) for p, y, r, _ in groups], o)
                terms = [total] * len(groups)
            elif name == "diffu-grpo":
                for prompt, ys, r, gid in groups:
                    terms.append(ref.diffu_grpo_group(policy, old, refm, prompt, ys, r,
                                                      tensor(frozen[gid]["prompt_masks"], torch.bool)[it], eos, o))
            elif name == "wd1":
                for prompt, ys, r, gid in groups:
                    terms.append(ref.wd1_group(policy, prompt, ys, r,
                                               tensor(frozen[gid]["prompt_masks"], torch.bool)[it], eos))
            else:
                raise SystemExit("make_goldens: unknown case " + name)
            loss = sum(terms) / len(terms)
        params = dict(w_pol)
        params.update(extra)
        for p in params.values():
            p.grad = None
        loss.backward()
        grads = {}
        for gname in case["grad_names"]:
            g = params[gname].grad
            if g is None or float(g.norm()) == 0.0:
                raise SystemExit("make_goldens: %s: no gradient reaches %s" % (name, gname))
            grads[gname] = summarise(g)
        result["cases"][name] = {"inputs": inputs, "loss": float(loss), "values": values, "grads": grads}
        cpp = case["cpp_loss"]
        print("%-15s loss %.10g  (C++ f32 %.10g, rel %.1e)" % (name, float(loss), cpp, abs(cpp - float(loss)) / abs(float(loss))))
    result["made_by"] = "tests/reference/make_goldens.py with torch %s (float64)" % torch.__version__
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
