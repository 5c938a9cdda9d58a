"""The command line, run for real: `python -m bot …` in a subprocess, against the
session's seed index (``--index-dir``), with the real embedder and real files.

Each run loads the model (~1–3 s), so related checks share one run where they can.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import index as store

ROOT = Path(__file__).resolve().parent.parent
SMALL_QUESTION = "小微企业社保能免几个月？"


def run(*args, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("POLICYBOT_")}
    return subprocess.run([sys.executable, "-m", "bot", *map(str, args)], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def ok(*args, **kw) -> subprocess.CompletedProcess:
    r = run(*args, **kw)
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert "Traceback" not in r.stderr
    return r


def jsonl(*items) -> str:
    return "".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in items)


def check_answer_record(rec: dict) -> None:
    """The `ask --jsonl` output line of contract.md, field by field."""
    assert {"id", "answer", "refused", "citations", "retrieved", "latency_ms"} <= set(rec)
    assert "error" not in rec
    assert isinstance(rec["answer"], str) and rec["answer"]
    assert isinstance(rec["refused"], bool)
    assert isinstance(rec["latency_ms"], (int, float)) and rec["latency_ms"] >= 0
    assert isinstance(rec["citations"], list)
    for c in rec["citations"]:
        assert set(c) >= {"number", "label", "title"}
        assert c["number"] is None or isinstance(c["number"], int)
        assert isinstance(c["label"], str) and isinstance(c["title"], str)
    if rec["refused"]:
        assert rec["citations"] == []
    assert isinstance(rec["retrieved"], list)
    for r in rec["retrieved"]:
        assert set(r) >= {"number", "label", "score"}
        assert isinstance(r["score"], (int, float))
    scores = [r["score"] for r in rec["retrieved"]]
    assert scores == sorted(scores, reverse=True)


@pytest.fixture(scope="module")
def asked(seed_index):
    """One `ask --jsonl` run over good, follow-up, malformed and extreme lines."""
    long_question = ("小微企业社保能免几个月" * 2728)[:29_999] + "？"  # 30,000 characters
    assert len(long_question) == 30_000
    lines = [
        {"id": "q1", "question": SMALL_QUESTION, "history": []},
        {"id": "q2", "question": "那大企业呢？",
         "history": [{"role": "user", "content": SMALL_QUESTION},
                     {"role": "assistant", "content": "免征期限不超过5个月。"}]},
        "this is not json {",
        {"id": "q3", "question": "高血压的药现在一次能开几个月的？"},
        '["a", "JSON", "array"]',
        {"id": "q4", "question": "第十六条"},
        {"id": "no-question", "text": "小微企业社保能免几个月？"},
        {"id": "q5", "question": "阶段性减免企业社会保险费"},
        {"id": "number-question", "question": 16},
        {"id": "q6", "question": SMALL_QUESTION},
        {"id": "empty", "question": ""},
        {"id": "long", "question": long_question},
        {"id": "last", "question": "小微企业社保能免几个月？"},
    ]
    r = ok("ask", "--jsonl", "--index-dir", seed_index, stdin=jsonl(*lines))
    out = [json.loads(line) for line in r.stdout.splitlines()]
    return out


def test_ask_jsonl_one_line_per_input_in_order(asked):
    assert [rec["id"] for rec in asked] == ["q1", "q2", None, "q3", None, "q4", "no-question", "q5",
                                           "number-question", "q6", "empty", "long", "last"]


def test_ask_jsonl_answer_fields(asked):
    good = [rec for rec in asked if rec["id"] in ("q1", "q2", "q3", "q4", "q5", "q6", "last")]
    for rec in good:
        check_answer_record(rec)
        assert rec["refused"] is False
        assert len(rec["retrieved"]) >= 10
        assert rec["citations"]


def test_ask_small_business_question_cites_16(asked):
    q1 = next(rec for rec in asked if rec["id"] == "q1")
    assert q1["citations"][0] == {"number": 16, "label": "第16条", "title": "阶段性减免企业社会保险费"}
    assert "5个月" in q1["answer"]
    assert q1["retrieved"][0]["number"] == 16 and q1["retrieved"][0]["label"] == "第16条"
    # The same question again, later in the stream, gets the same answer.
    assert next(rec for rec in asked if rec["id"] == "last")["answer"] == q1["answer"]


def test_ask_follow_up_uses_history(asked):
    q2 = next(rec for rec in asked if rec["id"] == "q2")
    assert q2["citations"][0]["number"] == 16
    assert "减半征收" in q2["answer"]


def test_ask_other_answers(asked):
    by_id = {rec["id"]: rec for rec in asked}
    assert by_id["q3"]["citations"][0]["number"] == 6 and "3个月" in by_id["q3"]["answer"]
    assert by_id["q4"]["citations"][0]["number"] == 16
    assert by_id["q5"]["citations"][0]["number"] == 16


def test_ask_malformed_lines_give_error_records(asked):
    errors = [rec for rec in asked if "error" in rec]
    assert [rec["id"] for rec in errors] == [None, None, "no-question", "number-question"]
    for rec in errors:
        assert set(rec) == {"id", "error"}
        assert isinstance(rec["error"], str) and rec["error"] and "\n" not in rec["error"]
        assert "Traceback" not in rec["error"]
    assert "JSON" in errors[0]["error"]
    assert "object" in errors[1]["error"]
    assert "question" in errors[2]["error"] and "question" in errors[3]["error"]


def test_ask_empty_and_huge_questions_are_refused(asked):
    by_id = {rec["id"]: rec for rec in asked}
    for qid in ("empty", "long"):
        rec = by_id[qid]
        check_answer_record(rec)
        assert rec["refused"] is True and rec["citations"] == []
    assert by_id["empty"]["reason"] == "empty"
    assert by_id["long"]["reason"] == "too_long"
    assert "1000" in by_id["long"]["answer"]  # says what the limit is
    assert by_id["empty"]["answer"] != by_id["long"]["answer"]


def test_ask_blank_lines_and_history_errors(seed_index):
    r = ok("ask", "--jsonl", "--index-dir", seed_index, stdin=jsonl(
        {"id": 1, "question": SMALL_QUESTION, "history": "not a list"},
        "",
        {"id": 2, "question": SMALL_QUESTION, "history": ["not an object"]},
        {"question": SMALL_QUESTION},
    ))
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == 3  # the blank line is skipped
    assert out[0]["id"] == 1 and "history" in out[0]["error"]
    assert out[1]["id"] == 2 and "history" in out[1]["error"]
    check_answer_record(out[2])
    assert out[2]["id"] is not None and out[2]["citations"][0]["number"] == 16


@pytest.mark.parametrize("options", [["--retriever", "bm25"], ["--retriever", "dense"], ["--retriever", "hybrid"],
                                     ["--chunking", "fixed"], ["--chunking", "clause"], ["--k", "3"]])
def test_ask_options(options, seed_index):
    r = ok("ask", "--jsonl", *options, "--index-dir", seed_index,
           stdin=jsonl({"id": "o", "question": SMALL_QUESTION}))
    (rec,) = [json.loads(line) for line in r.stdout.splitlines()]
    check_answer_record(rec)
    assert rec["id"] == "o" and rec["refused"] is False
    if options != ["--chunking", "fixed"]:
        # The fixed-size baseline maps a chunk to the clause it starts in, so it may
        # well cite 第15条 for text of 第16条: that weakness is what it is there to show.
        assert 16 in [c["number"] for c in rec["citations"]]
    assert len(rec["retrieved"]) == (3 if options == ["--k", "3"] else 10)


def test_ask_bad_option_is_rejected(seed_index):
    r = run("ask", "--jsonl", "--retriever", "magic", "--index-dir", seed_index, stdin="")
    assert r.returncode != 0 and "Traceback" not in r.stderr and "magic" in r.stderr


def test_ask_single_question(seed_index):
    r = ok("ask", SMALL_QUESTION, "--index-dir", seed_index)
    assert "5个月" in r.stdout and "第16条" in r.stdout


# ---------------------------------------------------------------- --index-dir placement

@pytest.mark.parametrize("where", ["before", "after"])
def test_index_dir_before_or_after_subcommand(where, seed_index):
    args = ["search", "第十六条", "--json"]
    args = ["--index-dir", str(seed_index), *args] if where == "before" else [*args, "--index-dir", str(seed_index)]
    out = json.loads(ok(*args).stdout)
    assert out["results"][0]["number"] == 16

    listing = ["index", "list", "--json"]
    listing = ["--index-dir", str(seed_index), *listing] if where == "before" else [*listing, "--index-dir",
                                                                                   str(seed_index)]
    versions = json.loads(ok(*listing).stdout)
    assert [m["version"] for m in versions] == [store.active_name(seed_index)]


def test_index_dir_between_index_and_its_command(seed_index):
    versions = json.loads(ok("index", "--index-dir", seed_index, "list", "--json").stdout)
    assert [m["version"] for m in versions] == [store.active_name(seed_index)]


def test_missing_index_is_a_clear_error(tmp_path):
    r = run("search", "第十六条", "--index-dir", tmp_path / "none")
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no active index" in lines[0] and "index build" in lines[0]


# ---------------------------------------------------------------- index commands

BAD_SOURCES = {
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 16,
    "plain.txt": "关于做好疫情防控的通知\n请各单位高度重视，认真落实。\n加强值班值守。\n".encode("utf-8"),
    "fake.pdf": b"not a pdf at all",
}


@pytest.mark.parametrize("name", sorted(BAD_SOURCES))
def test_index_build_bad_source(name, index_copy, tmp_path):
    src = tmp_path / name
    src.write_bytes(BAD_SOURCES[name])
    pointer = (index_copy / "ACTIVE").read_bytes()
    listing = sorted(os.listdir(index_copy))
    r = run("index", "build", "--source", src, "--index-dir", index_copy)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert (index_copy / "ACTIVE").read_bytes() == pointer
    assert sorted(os.listdir(index_copy)) == listing


def test_index_build_missing_source(index_copy, tmp_path):
    pointer = (index_copy / "ACTIVE").read_bytes()
    r = run("index", "build", "--source", tmp_path / "nope.txt", "--index-dir", index_copy)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.txt" in lines[0]
    assert (index_copy / "ACTIVE").read_bytes() == pointer


SMALL = """一、减轻企业负担
1.阶段性减免企业社会保险费。免征中小微企业单位缴费部分，免征期限不超过6个月。
2.援企稳岗。对不裁员或少裁员的企业，返还上年度实际缴纳失业保险费的50%。
"""


def test_index_build_list_diff_activate_rollback(index_copy, tmp_path):
    seed = store.active_name(index_copy)
    src = tmp_path / "small.txt"
    src.write_text(SMALL, encoding="utf-8")

    r = ok("index", "build", "--source", src, "--index-dir", index_copy)
    assert "2 clauses" in r.stdout and "small.txt" in r.stdout
    new = store.active_name(index_copy)
    assert new != seed and new in r.stdout

    versions = json.loads(ok("index", "list", "--json", "--index-dir", index_copy).stdout)
    assert [(m["version"], m["active"]) for m in versions] == [(seed, False), (new, True)]
    text = ok("index", "list", "--index-dir", index_copy).stdout.splitlines()
    assert len(text) == 2
    assert text[0].startswith("  " + seed) and text[1].startswith("* " + new)

    diff = json.loads(ok("index", "diff", seed, new, "--json", "--index-dir", index_copy).stdout)
    assert [x["label"] for x in diff["changed"]] == ["第1条", "第2条"]
    assert len(diff["removed"]) == 56 - 2 and diff["added"] == []
    summary = ok("index", "diff", seed, new, "--index-dir", index_copy).stdout
    assert summary.splitlines()[0] == "0 added, 54 removed, 2 changed"

    r = ok("index", "rollback", "--index-dir", index_copy)
    assert r.stdout.strip() == f"active: {seed}"
    assert store.active_name(index_copy) == seed
    out = json.loads(ok("search", "第十六条", "--json", "--index-dir", index_copy).stdout)
    assert out["results"][0]["number"] == 16  # the seed answers again

    r = run("index", "rollback", "--index-dir", index_copy)  # nothing before the seed
    assert r.returncode != 0 and "Traceback" not in r.stderr and "roll back" in r.stderr
    assert store.active_name(index_copy) == seed

    r = ok("index", "activate", new, "--json", "--index-dir", index_copy)
    assert json.loads(r.stdout) == {"active": new}
    assert store.active_name(index_copy) == new
    r = ok("ask", "--jsonl", "--index-dir", index_copy, stdin=jsonl({"id": 1, "question": SMALL_QUESTION}))
    rec = json.loads(r.stdout)
    assert "6个月" in rec["answer"] and rec["citations"][0]["label"] == "第1条"

    r = run("index", "activate", "v19990101-000000-deadbeef", "--index-dir", index_copy)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "v19990101-000000-deadbeef" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert store.active_name(index_copy) == new

    r = run("index", "diff", seed, "v19990101-000000-deadbeef", "--index-dir", index_copy)
    assert r.returncode != 0 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not [p for p in os.listdir(index_copy) if p.startswith(".")]


def test_index_build_no_activate(index_copy, tmp_path):
    seed = store.active_name(index_copy)
    src = tmp_path / "small.txt"
    src.write_text(SMALL, encoding="utf-8")
    r = ok("--index-dir", index_copy, "index", "build", "--source", src, "--no-activate", "--json")
    manifest = json.loads(r.stdout)
    assert manifest["clause_count"] == 2 and manifest["dimension"] == 384
    assert store.active_name(index_copy) == seed
    assert [m["version"] for m in store.list_versions(index_copy)] == [seed, manifest["version"]]


def test_index_list_empty(tmp_path):
    r = ok("index", "list", "--index-dir", tmp_path / "none")
    assert "no versions" in r.stdout
    assert json.loads(ok("index", "list", "--json", "--index-dir", tmp_path / "none").stdout) == []


# ---------------------------------------------------------------- search

def test_search_clause_number(seed_index):
    r = ok("search", "第十六条", "--index-dir", seed_index)
    first = r.stdout.splitlines()[0]
    assert first.startswith("1. 第16条 阶段性减免企业社会保险费")


def test_search_json(seed_index):
    out = json.loads(ok("search", "16条", "--json", "--index-dir", seed_index).stdout)
    assert out["query"] == "16条"
    assert isinstance(out["latency_ms"], (int, float))
    results = out["results"]
    assert len(results) == 5
    assert results[0]["number"] == 16 and results[0]["label"] == "第16条"
    assert results[0]["title"] == "阶段性减免企业社会保险费"
    assert "5个月" in results[0]["text"]
    for h in results:
        assert {"number", "label", "score", "title", "section", "text", "sentences"} <= set(h)
    out = json.loads(ok("search", "社会保险费", "--k", "8", "--json", "--index-dir", seed_index).stdout)
    assert len(out["results"]) == 8


# ---------------------------------------------------------------- eval

def test_eval_prints_metrics(seed_index):
    r = ok("eval", "tests/data/dev.jsonl", "--index-dir", seed_index)
    metrics = {}
    for line in r.stdout.splitlines():
        key, _, value = line.partition(":")
        if value.strip():
            metrics[key.strip()] = value.strip()
    for key in ("hit@1", "hit@5", "fact_recall", "citation_precision", "refusal_recall"):
        assert key in metrics, r.stdout
        assert 0.0 <= float(metrics[key]) <= 1.0
    assert any(k.startswith("latency") for k in metrics)
    assert float(metrics["hit@1"]) <= float(metrics["hit@5"])
    assert float(metrics["hit@5"]) >= 0.8, r.stdout


def test_eval_json(seed_index):
    metrics = json.loads(ok("eval", "tests/data/dev.jsonl", "--json", "--index-dir", seed_index).stdout)
    assert {"hit@1", "hit@5", "fact_recall", "citation_precision", "refusal_recall"} <= set(metrics)


def test_eval_compare_table(seed_index):
    r = ok("eval", "tests/data/dev.jsonl", "--compare", "--index-dir", seed_index)
    lines = r.stdout.strip().splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["metric", "hybrid", "bm25", "dense", "fixed"]
    rows = {cells[0]: cells[1:] for cells in
            ([c.strip() for c in line.strip("|").split("|")] for line in lines[2:])}
    for key in ("hit@1", "hit@5", "fact_recall", "citation_precision", "refusal_recall"):
        assert len(rows[key]) == 4
        assert all(0.0 <= float(v) <= 1.0 for v in rows[key])


def test_eval_missing_gold_file(seed_index, tmp_path):
    r = run("eval", tmp_path / "nope.jsonl", "--index-dir", seed_index)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_topics_lists_outside_topics_against_the_active_version(seed_index):
    data = json.loads(ok("topics", "--json", "--index-dir", seed_index).stdout)
    assert data["version"] == store.active_name(seed_index)
    topics = {t["topic"]: t for t in data["topics"]}
    assert topics["新能源汽车购车补贴"]["covered"] and topics["新能源汽车购车补贴"]["clause"] == "第34条"
    assert not topics["天气预报"]["covered"]
    assert all(isinstance(t["nearest"], float) and t["sentence"] for t in data["topics"])
    # the named-thing list against the seed: 房贷 in force, 电费 in force outside cold storage
    # (the seed names 用电价格 only for 冷链…仓储设施)
    assert "房贷" in data["things"]["in_force"] and "电费" in data["things"]["in_force"]
    assert "冷库" in data["things"]["named_by_document_only_with"]["电费"]
    assert "济南" in data["things"]["places_named_by_document"]
    assert data["things"]["years_named_by_document"] == [2020]
    text = ok("topics", "--index-dir", seed_index).stdout
    assert "covered" in text and "天气预报" in text and "房贷" in text and "after 2020" in text
    assert "(电费): 冷库" in text
