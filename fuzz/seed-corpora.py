#!/usr/bin/env python3
"""Seeds the fuzz corpora from the conformance suites: configurations for `config`, records
for `ingest`, request lines for `decide_line`. Usage: python3 fuzz/seed-corpora.py"""
import json, os, glob, hashlib

here = os.path.dirname(os.path.abspath(__file__))
suites = sorted(glob.glob(os.path.join(here, "..", "tests", "conformance", "*", "*.json")))

def put(target, text):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(text.encode()).hexdigest()
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(text)

for path in suites:
    with open(path, encoding="utf-8") as f:
        s = json.load(f)
    put("config", s.get("config_text") or json.dumps(s.get("config")))
    for case in s.get("decide", []):
        put("decide_line", json.dumps(case["request"]))
        put("ingest", json.dumps(case["request"].get("record", {})))
    for r in s.get("sweep", {}).get("records", []):
        put("ingest", json.dumps(r))
print("seeded from", len(suites), "suites")
