"""Metrics over a gold question file (format in docs/contract.md).

Gold clause ids: a clause number, 0 for the unnumbered 总体要求 part, -1 for the
preamble or the closing paragraph, [] for "the bot should refuse".
"""
from __future__ import annotations

import json
import statistics
import unicodedata
from pathlib import Path

from .clauses import Clause

CONFIGS = {  # name → ask options, for --compare
    "hybrid": {"mode": "hybrid", "chunking": "clause"},
    "bm25": {"mode": "bm25", "chunking": "clause"},
    "dense": {"mode": "dense", "chunking": "clause"},
    "fixed": {"mode": "hybrid", "chunking": "fixed"},
}


def gold_id(number, role: str | None = None) -> int:
    if number is not None:
        return int(number)
    return 0 if role == "part" else -1


def clause_gold_id(c: Clause) -> int:
    return gold_id(c.number, c.role)


def load_gold(path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from None
    return rows


def norm_fact(text: str) -> str:
    """Compare facts after folding full-width/half-width forms and dropping spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    i = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[i]


def evaluate(bot, gold: list[dict], *, mode: str = "hybrid", chunking: str = "clause", k: int = 10) -> dict:
    """Run every gold question through ``bot.ask`` and score it. Returns metrics and rows."""
    engine = bot.current()
    bot.clear_query_caches()  # each configuration pays for its own query embeddings
    ids_of = {c.label: clause_gold_id(c) for c in engine.version.clauses}
    rows = []
    for g in gold:
        answer, ms = bot.ask(g["question"], g.get("history") or [], mode=mode, chunking=chunking, k=k)
        retrieved = [ids_of.get(r["label"], -1) for r in answer.retrieved]
        cited = [ids_of.get(c["label"], -1) for c in answer.citations]
        rows.append({"id": g.get("id"), "question": g["question"], "gold": g.get("clauses", []),
                     "kind": g.get("kind"), "facts": g.get("answer_facts", []), "retrieved": retrieved,
                     "cited": cited, "refused": answer.refused, "reason": answer.reason, "confidence": answer.confidence,
                     "answer": answer.text, "latency_ms": ms})
    return {"metrics": score(rows), "rows": rows}


def score(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["gold"]]
    unanswerable = [r for r in rows if not r["gold"]]

    def hit(r, n):
        return any(x in r["gold"] for x in r["retrieved"][:n])

    def rr(r):
        return next((1 / (i + 1) for i, x in enumerate(r["retrieved"]) if x in r["gold"]), 0.0)

    facts = [(r, f) for r in answerable for f in r["facts"]]
    cited = [(r, c) for r in answerable if not r["refused"] for c in r["cited"]]
    refused = [r for r in rows if r["refused"]]
    mean = (lambda xs: sum(xs) / len(xs) if xs else 0.0)
    latencies = [r["latency_ms"] for r in rows]
    return {
        "questions": len(rows),
        "hit@1": mean([hit(r, 1) for r in answerable]),
        "hit@3": mean([hit(r, 3) for r in answerable]),
        "hit@5": mean([hit(r, 5) for r in answerable]),
        "mrr": mean([rr(r) for r in answerable]),
        "fact_recall": mean([norm_fact(f) in norm_fact(r["answer"]) for r, f in facts]),
        "citation_precision": mean([c in r["gold"] for r, c in cited]),
        "refusal_precision": mean([not r["gold"] for r in refused]) if refused else 1.0,
        "refusal_recall": mean([r["refused"] for r in unanswerable]) if unanswerable else 1.0,
        "false_refusals": mean([r["refused"] for r in answerable]),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def calibrate(rows: list[dict], max_false_refusals: float = 0.05) -> dict:
    """The refusal threshold that refuses most unanswerable questions while keeping
    false refusals within budget; only rows whose refusal came from the threshold count."""
    def refused_at(r, t):
        fixed = r["reason"] not in (None, "not_covered")  # refused for another reason at any threshold
        return fixed or r["confidence"] < t

    thresholds = sorted({round(r["confidence"], 4) for r in rows} | {0.0})
    best = None
    for t in thresholds:
        fr = statistics.fmean([refused_at(r, t) for r in rows if r["gold"]] or [0])
        rec = statistics.fmean([refused_at(r, t) for r in rows if not r["gold"]] or [0])
        if fr <= max_false_refusals and (best is None or rec > best["refusal_recall"]
                                         or (rec == best["refusal_recall"] and t < best["threshold"])):
            best = {"threshold": t, "refusal_recall": rec, "false_refusals": fr}
    return best or {"threshold": 0.0, "refusal_recall": 0.0, "false_refusals": 0.0}


METRIC_ORDER = ["hit@1", "hit@3", "hit@5", "mrr", "fact_recall", "citation_precision", "refusal_precision",
                "refusal_recall", "false_refusals", "latency_p50_ms", "latency_p95_ms"]


def format_table(results: dict[str, dict]) -> str:
    """Metrics side by side, one column per configuration (a Markdown table)."""
    names = list(results)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for m in METRIC_ORDER:
        cells = []
        for n in names:
            v = results[n][m]
            cells.append(f"{v:.1f}" if m.startswith("latency") else f"{v:.3f}")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
