#!/usr/bin/env python3
"""Seeds the fuzz corpora: configurations for `config`, records for `ingest`, request lines
for `decide_line` (all from the conformance suites); CSV files for `csv` (the columnar sample
in slices, the suites' Deals records as bulk-export CSV, and malformed files); Parquet files
for `parquet` (the pyarrow-written sample, and, when pyarrow is importable, small files of
every encoding and codec the reader supports). `criteria_vm` and `sql` build their input
from arbitrary bytes and need no seeds. Every seed is at most 16 KiB (the runs' -max_len).
Usage: python3 fuzz/seed-corpora.py"""
import csv, glob, hashlib, io, json, os

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..")
suites = sorted(glob.glob(os.path.join(root, "tests", "conformance", "*", "*.json")))
MAX = 16384


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX:
        return
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


# The columnar sample's CSV header: every column the CSV target's rules read, and more.
HEADER = ["id", "Stage", "Amount", "Closing_Date", "Deal_Name", "Lead_Source", "Created_Time", "Next_Step",
          "Probability", "Account_Name.id", "Lead_Conversion_Time", "Locked__s"]


def csv_cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return csv_cell(v.get("id"))
    if isinstance(v, list):
        return ";".join(csv_cell(x) for x in v)
    return str(v)


def records_csv(records):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(HEADER)
    for r in records:
        w.writerow([csv_cell(r.get("Account_Name") if h == "Account_Name.id" else r.get(h)) for h in HEADER])
    return out.getvalue()


deals_records = []
for path in suites:
    with open(path, encoding="utf-8") as f:
        s = json.load(f)
    put("config", s.get("config_text") or json.dumps(s.get("config")))
    for case in s.get("decide", []):
        put("decide_line", json.dumps(case["request"]))
        put("ingest", json.dumps(case["request"].get("record", {})))
    records = s.get("sweep", {}).get("records", [])
    for r in records:
        put("ingest", json.dumps(r))
    if s.get("module", "Deals") == "Deals" and records:
        deals_records.extend(r for r in records if isinstance(r, dict))
        put("csv", records_csv([r for r in records if isinstance(r, dict)][:40]))

# Rules told apart by a picklist (the `config` target compares the index of rules with trying
# every rule in turn): first tests on `Stage` alone, first in an AND and in an OR, `in`,
# `not_equal`, and a second picklist.
def leaf(field, comparator, value):
    return {"field": {"api_name": field}, "comparator": comparator, "value": value}


def rule(name, criteria, existing=True):
    return {"name": name, "lock_existing_records": existing, "criteria": criteria}


for rules in [
    [rule("a", {"group_operator": "OR", "group": [leaf("Stage", "equal", "Closed Won"), leaf("Amount", "greater_than", 1)]})],
    [rule("won", {"group_operator": "AND", "group": [leaf("Stage", "equal", "Closed Won"), leaf("Amount", "greater_than", 1000)]}),
     rule("lost", leaf("Stage", "in", ["Closed Lost", "Closed Lost to Competition"]), False),
     rule("partner", leaf("Lead_Source", "equal", "Partner")),
     rule("not won", leaf("Stage", "not_equal", "Closed Won"))],
]:
    for lock_type in ["automatic", "both"]:
        put("config", json.dumps({"record_locking_configurations": [{"lock_type": lock_type, "locking_rules": rules}]}))

# The columnar sample in slices of 40 rows, under its own header.
sample = os.path.join(root, "tests", "columnar")
with open(os.path.join(sample, "deals.csv"), "rb") as f:
    lines = f.read().split(b"\n")
for i in range(1, len(lines), 40):
    put("csv", b"\n".join([lines[0]] + lines[i:i + 40]))
# Malformed: ragged rows, a non-UTF-8 cell, quoted newlines, a byte order mark, no header,
# a missing column, an unterminated quote, blank lines.
head = ",".join(HEADER)
for body in [
    head + "\n1,Closed Won,10\n2,Closed Won,1,2,3,4,5,6,7,8,9,10,11,12\n",
    head + "\n3,Closed Won,\xff\xfe,2024-01-01\n",
    head + '\n4,"Closed\nWon","1,5",2024-02-30,"a ""q"" b"\n',
    "\ufeff" + head + "\n5,Closed Won,50000.10,2024-01-01,Strasse\n",
    "",
    "\n\n",
    "id,Amount\n6,1\n",
    head + '\n7,"Closed Won\n',
    head + "\n\n\n8,closed won,1e3,2023-12-31,x,,2025-07-01T00:00:00+05:30,,15,,,true\n\n",
    head + "\n9,CLOSED WON,-0.00,0001-01-01,,,9999-12-31T23:59:59Z,,,5843104000000000798,,TRUE\n",
]:
    put("csv", body.encode("utf-8", "surrogateescape") if "\xff" not in body else body.encode("latin-1"))

with open(os.path.join(sample, "deals.parquet"), "rb") as f:
    put("parquet", f.read())
try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    pa = None
if pa is not None:
    with open(os.path.join(sample, "deals.jsonl"), encoding="utf-8") as f:
        sample_records = [json.loads(l) for l in f if l.strip()]
    import decimal, datetime
    def table(rows):
        def col(name, conv):
            return [None if r.get(name) is None else conv(r[name]) for r in rows]
        day = lambda s: datetime.date.fromisoformat(s)
        instant = lambda s: datetime.datetime.fromisoformat(s).astimezone(datetime.timezone.utc)
        return pa.table({
            "id": pa.array(col("id", str), pa.string()),
            "Stage": pa.array(col("Stage", str), pa.string()).dictionary_encode(),
            "Amount": pa.array(col("Amount", lambda v: decimal.Decimal(str(v))), pa.decimal128(20, 2)),
            "Closing_Date": pa.array(col("Closing_Date", day), pa.date32()),
            "Deal_Name": pa.array(col("Deal_Name", str), pa.string()),
            "Lead_Source": pa.array(col("Lead_Source", str), pa.string()),
            "Created_Time": pa.array(col("Created_Time", instant), pa.timestamp("us", tz="UTC")),
            "Probability": pa.array(col("Probability", int), pa.int64()),
            "Account_Name": pa.array(col("Account_Name", lambda a: a.get("id")), pa.string()),
            "Lead_Conversion_Time": pa.array(col("Lead_Conversion_Time", int), pa.int32()),
            "Locked__s": pa.array(col("Locked__s", bool), pa.bool_()),
        })
    variants = [
        dict(compression="none"), dict(compression="snappy"), dict(compression="zstd"), dict(compression="lz4"),
        dict(compression="none", use_dictionary=False), dict(compression="none", data_page_version="2.0"),
        dict(compression="none", write_statistics=False, row_group_size=7),
        dict(compression="none", column_encoding={"Deal_Name": "DELTA_BYTE_ARRAY", "Probability": "DELTA_BINARY_PACKED"},
             use_dictionary=["Stage"]),
        dict(compression="none", store_decimal_as_integer=True),
    ]
    for n in [1, 5, 30]:
        for v in variants:
            out = io.BytesIO()
            try:
                pq.write_table(table(sample_records[:n]), out, **v)
            except Exception:
                continue
            put("parquet", out.getvalue())
print("seeded from", len(suites), "suites;", "Parquet variants" if pa is not None else "no pyarrow: one Parquet seed")
