#!/usr/bin/env python3
"""Expected prompts for tests/test_task_file.cpp "[taskfile] Jinja prompt", rendered by jinja2 itself the way
lm-eval renders doc_to_text (Environment(undefined=StrictUndefined, keep_trailing_newline=True)).
Run: python3 tests/golden/task_prompt_jinja.py   (needs jinja2; not part of the suite)."""
import json
from jinja2 import BaseLoader, Environment, StrictUndefined

env = Environment(loader=BaseLoader, undefined=StrictUndefined, keep_trailing_newline=True)
TEMPLATE = ("{% if level is defined and level > 2 %}Hard. {% endif %}Question: {{ question | trim }}"
            "{% for c in choices %}\n{{ loop.index }}. {{ c }}{% endfor %}\nAnswer:")
RECORDS = [
    {"question": "  What is 2+2? ", "answer": "#### 4", "choices": ["3", "4"], "level": 3},
    {"question": "Name a prime.", "answer": "#### 2", "choices": []},
]
for r in RECORDS:
    print(json.dumps(env.from_string(TEMPLATE).render(**r)))
try:
    env.from_string(TEMPLATE).render(question="q")
except Exception as e:  # the missing field: StrictUndefined refuses
    print(type(e).__name__, e)

# Index lookups are strict too: a missing key or an index past the end is an error, but for `is defined`.
INDEXED = "{% if meta['src'] is defined %}[{{ meta['src'] }}] {% endif %}{{ question }} ({{ choices[1] }})"
for r in [dict(question="q", meta={"src": "a"}, choices=["x", "y"]), dict(question="q", meta={}, choices=["x", "y"])]:
    print(json.dumps(env.from_string(INDEXED).render(**r)))
for t, r in [(INDEXED, dict(question="q", meta={}, choices=["x"])), ("{{ meta['src'] }}", dict(meta={}))]:
    try:
        env.from_string(t).render(**r)
    except Exception as e:
        print(type(e).__name__, e)
