#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (small, hand-made inputs in each accepted format;
no benchmark data). Re-run after changing a format; libFuzzer grows its own corpus from these."""
import base64, json, os, pickle, struct, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def jl(*objs):
    return "".join(json.dumps(o) + "\n" for o in objs)


# samples files: first byte = shape (0 auto, 1 trafl, 2 lm-eval, 3 task-id) | 4 filtered_resps | 8 filter
put("samples_jsonl", "trafl", b"\x00" + jl({"problem_id": "0", "completion": "So #### 10"},
                                           {"problem_id": 1, "completion": "#### 11", "sample_index": 3}).encode())
put("samples_jsonl", "lm_eval", b"\x02" + jl(
    {"doc_id": 0, "resps": [["a #### 1", "b #### 2"]], "filtered_resps": ["1"], "filter": "flexible-extract"},
    {"doc_id": 0, "resps": [["a #### 1", "b #### 2"]], "filtered_resps": ["1"], "filter": "strict-match"}).encode())
put("samples_jsonl", "task_id", b"\x03" + jl({"task_id": "HumanEval/0", "completion": "    return 1\n"},
                                             {"task_id": "HumanEval/0", "solution": "def f():\n    return 2\n"}).encode())
put("samples_jsonl", "crlf_blank", b"\x01" + b'{"problem_id": "0", "completion": "x"}\r\n\r\n  \n{"problem_id": "0", "completion": "y"}')

put("task_gsm8k", "two", jl({"question": "What is 1+1?", "answer": "1+1=2\n#### 2"},
                            {"question": "Q?", "answer": "It is 1,000.\n#### 1,000"}))
math = {"problem": "Compute $1+1$.", "solution": "It is $\\boxed{2}$.", "level": "Level 1", "type": "Algebra"}
put("task_math", "math", b"\x00" + jl(math, dict(math, solution="$\\boxed{\\frac{1}{2}}$ and \\fbox{3}")).encode())
put("task_math", "math500", b"\x01" + jl(dict(math, answer="2", unique_id="test/algebra/1.json", subject="Algebra", level=1)).encode())
put("task_minerva", "one", jl({"problem": "Find $x$.", "solution": "So $x = \\boxed{3}$.", "type": "Physics (8.01)", "idx": 0}))
put("task_humaneval", "one", jl({"task_id": "HumanEval/0", "prompt": "def add(a, b):\n    \"\"\"Add.\"\"\"\n",
                                 "canonical_solution": "    return a + b\n",
                                 "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n", "entry_point": "add"}))
put("task_mbpp", "jsonl", jl({"task_id": 1, "text": "Write a function to add.", "code": "def add(a, b):\n    return a + b",
                              "test_list": ["assert add(1, 2) == 3"], "test_setup_code": "", "challenge_test_list": []}))
put("task_mbpp", "sanitized", json.dumps([{"task_id": 2, "prompt": "Write add.", "code": "def add(a, b):\n    return a + b",
                                           "test_imports": ["import math"], "test_list": ["assert add(1, 2) == 3"]}]))


def lcb_private(tests):
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests), 4), 9)).decode()


pub = json.dumps([{"input": "1\n", "output": "2\n", "testtype": "stdin"}])
lcb = {"question_title": "T", "question_content": "Add one.", "platform": "atcoder", "question_id": "abc001_a",
       "contest_id": "abc001", "contest_date": "2024-10-05T00:00:00", "starter_code": "", "difficulty": "easy",
       "public_test_cases": pub, "private_test_cases": lcb_private([{"input": "5\n", "output": "6\n", "testtype": "stdin"}]),
       "metadata": "{}", "_version": "v5"}
fn = dict(lcb, question_id="add-two", platform="leetcode", starter_code="class Solution:\n    def add(self, a: int) -> int:\n",
          public_test_cases=json.dumps([{"input": "1", "output": "2", "testtype": "functional"}]),
          private_test_cases=json.dumps([{"input": "[1, 2]", "output": "[2, 3]", "testtype": "functional"}]),
          metadata=json.dumps({"func_name": "add"}), difficulty="hard")
put("task_livecodebench", "plain", b"\x00" + jl(lcb, fn).encode())
put("task_livecodebench", "selected", b"\x0f" + jl(lcb, fn).encode())
put("lcb_decode", "json", pub)
put("lcb_decode", "encoded", lcb["private_test_cases"])
put("lcb_decode", "functional", fn["private_test_cases"])


def safetensors(tensors, meta=None):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if meta is not None:
        header["__metadata__"] = meta
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


put("safetensors_header", "f32", safetensors({"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4))}, {"format": "pt"}))
put("safetensors_header", "mixed", safetensors({"a": ("BF16", [3], b"\x80\x3f" * 3), "b": ("F16", [], b"\x00\x3c"),
                                                "c": ("I64", [1, 1], struct.pack("<q", 7))}))
put("shard_index", "two", json.dumps({"metadata": {"total_size": 24}, "weight_map": {
    "model.transformer.wte.weight": "model-00001-of-00002.safetensors", "model.transformer.ln_f.weight": "model-00002-of-00002.safetensors"}}))

llada = {"activation_type": "silu", "alibi": False, "architectures": ["LLaDAModelLM"], "attention_dropout": 0.0,
         "block_type": "llama", "d_model": 32, "embedding_dropout": 0.0, "embedding_size": 264, "eos_token_id": 257,
         "flash_attention": False, "include_bias": False, "include_qkv_bias": False, "init_fn": "mitchell", "init_std": 0.02,
         "layer_norm_type": "rms", "layer_norm_with_affine": True, "mask_token_id": 261, "max_sequence_length": 512,
         "mlp_hidden_size": 64, "mlp_ratio": 4, "model_type": "llada", "n_heads": 2, "n_kv_heads": 2, "n_layers": 2,
         "pad_token_id": 257, "residual_dropout": 0.0, "rms_norm_eps": 1e-05, "rope": True, "rope_theta": 500000.0,
         "scale_logits": False, "vocab_size": 264, "weight_tying": False}
put("model_config", "llada", json.dumps(llada, indent=2))
dream = {"architectures": ["DreamModel"], "model_type": "Dream", "hidden_size": 32, "intermediate_size": 64,
         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 300,
         "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": False,
         "hidden_act": "silu", "mask_token_id": 299, "pad_token_id": 298, "eos_token_id": 297, "bos_token_id": 296}
put("model_config", "dream", json.dumps(dream))

vocab = {c: i for i, c in enumerate(["a", "b", "c", "ab", "Ġ", "Ġa", "1", "2"])}
tok = {"version": "1.0", "truncation": None, "padding": None,
       "added_tokens": [{"id": 8, "content": "<|eot|>", "single_word": False, "lstrip": False, "rstrip": False,
                         "normalized": False, "special": True}],
       "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}]},
       "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
           {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": False},
           {"type": "Digits", "individual_digits": True},
           {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
       "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}],
                          "pair": [], "special_tokens": {}},
       "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
       "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                 "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                 "merges": ["a b", "Ġ a"]}}
put("tokenizer_load", "bpe", json.dumps(tok))
put("tokenizer_load", "merges_pairs", json.dumps(dict(tok, model=dict(tok["model"], merges=[["a", "b"], ["Ġ", "a"]]))))
for i, s in enumerate(["Hello, world! 12345", "<|startoftext|>x<|eot_id|>", "\u00e9t\u00e9 \u20ac \U0001F600", "a\u0000b\tc\r\n"]):
    put("tokenizer_encode", f"s{i}", s)
put("tokenizer_encode", "invalid_utf8", b"\xff\xfe a \xc3")

for i, s in enumerate(["\\frac{1}{2}", "\\sqrt{x^2+1}-\\dfrac{3}{4}x", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
                       "2\\pi r^{2}", "\\left(1,\\infty\\right]", "10^{10^{10}}", "\\log_2 8 + \\sin(\\pi/2)", "5!"]):
    put("latex", f"e{i}", s)
for i, s in enumerate(["\\frac{1}{2}\n0.5", "|x|\nx", "(1,2)\n(1, 2)", "x^2-1\n(x-1)(x+1)", "\\{1,2\\}\n\\{2,1\\}",
                       "y = 2x+1\n2x+1", "\\text{(A)}\nA", "1010_2\n10", "[0,1)\n[0,1]", "\\ln|x|\n\\ln x"]):
    put("equivalence", f"p{i}", s)


def trajectory(tokens, steps_of, conf, steps):
    n = len(tokens)
    return (b"TRJ1" + bytes([1, 0]) + b"\x00\x00" + struct.pack("<II", n, steps) + struct.pack(f"<{n}I", *tokens)
            + struct.pack(f"<{n}H", *steps_of) + struct.pack(f"<{n}f", *conf))


put("trajectory_blob", "four", trajectory([5, 6, 7, 8], [0, 0, 1, 1], [0.5, 0.25, 1.0, 0.125], 2))
put("trajectory_blob", "empty", trajectory([], [], [], 1))

put("train_config", "sft", json.dumps({"method": "sft", "model": "m", "out": "o", "task": "gsm8k", "data": "d.jsonl",
                                       "steps": 10, "batch": 2, "lr": 1e-5, "schedule": "cosine", "warmup_steps": 2}))
put("train_config", "trafl", json.dumps({"method": "trafl", "model": "m", "out": "o", "task": "livecodebench",
                                         "prompt_style": "short", "group_size": 4, "gen_length": 32, "sampler_steps": 8,
                                         "block_length": 8, "temperature": 0.9, "objective": {"beta": 0.1},
                                         "lora_rank": 8, "lora_targets": ["q_proj", "v_proj"]}))
put("objective_options", "some", json.dumps({"beta": 0.04, "num_mc": 2, "normalize": True, "reward": "binary"}))
put("objective_options", "empty", "{}")
