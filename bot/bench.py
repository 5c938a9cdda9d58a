"""`python -m bot bench`: figures, not assertions.

1. The real document with the configured embedder: index build time, a cold
   process answering one question, warm search / ask latency p50/p95, peak memory.
2. Scaling: synthetic corpora of 1k, 10k, 100k clauses (sentences resampled from
   the seed), each measured in its own process so peak memory is its own.
   Embedding 100k clauses with e5 on two cores would take hours, so these builds
   use the hash embedder (same dimension, so FAISS and BM25 cost the same) and
   the e5 embedding time is reported separately, extrapolated from its measured
   throughput.
"""
from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .evaluate import percentile

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _questions(n: int) -> list[str]:
    qs = []
    for name in ("dev.jsonl", "heldout.jsonl"):
        p = ROOT / "tests" / "data" / name
        if p.exists():
            qs += [json.loads(line)["question"] for line in p.read_text(encoding="utf-8").splitlines() if line]
    qs = qs or ["小微企业社保能免几个月？"]
    return [qs[i % len(qs)] for i in range(n)]


def _timed(fn, items) -> list[float]:
    out = []
    for x in items:
        t = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t) * 1000)
    return out


def real_document(settings, questions: int) -> dict:
    from .pipeline import PolicyBot

    with tempfile.TemporaryDirectory() as tmp:
        s = settings.model_copy(update={"index_dir": Path(tmp)})
        bot = PolicyBot(s)
        t = time.perf_counter()
        bot.embedder  # model load is part of a first build
        load_model_s = time.perf_counter() - t
        t = time.perf_counter()
        bot.build(s.seed_path)
        build_s = time.perf_counter() - t

        # A cold process: interpreter start, imports, model and index load, one answer.
        # Loaded once here first, as any start after the first build has been: that
        # load caches the outside-topic vectors beside the index.
        bot.current()
        env = {**os.environ, "POLICYBOT_INDEX_DIR": tmp}
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ask", "小微企业社保能免几个月？"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        cold_s = time.perf_counter() - t
        cold_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        qs = _questions(questions)
        def fresh(fn):
            def run(q):
                bot.clear_query_caches()  # every question pays for its embedding, as a new one would
                fn(q)
            return run

        search_ms = _timed(fresh(lambda q: bot.search(q, 10)), qs)
        ask_ms = _timed(fresh(lambda q: bot.ask(q)), qs)
        def again(q):  # a question asked before: its embedding is cached
            bot.ask(q)
            t = time.perf_counter()
            bot.ask(q)
            return (time.perf_counter() - t) * 1000

        cached_ms = [again(q) for q in qs[:50]]
        return {
            "embedder": bot.embedder.name,
            "model_load_s": round(load_model_s, 2),
            "index_build_s": round(build_s, 1),
            "clauses": len(bot.current().version.clauses),
            "cold_process_one_question_s": round(cold_s, 2),
            "cold_process_peak_mb": round(cold_rss),
            "search_p50_ms": round(percentile(search_ms, 50), 1),
            "search_p95_ms": round(percentile(search_ms, 95), 1),
            "ask_p50_ms": round(percentile(ask_ms, 50), 1),
            "ask_p95_ms": round(percentile(ask_ms, 95), 1),
            "ask_repeated_question_p50_ms": round(percentile(cached_ms, 50), 1),
            "questions_timed": len(qs),
            "peak_mb": round(_rss_mb()),
        }


def embedding_throughput(settings, n: int = 64) -> float:
    """Passages per second for the configured embedder, on seed sentences."""
    from .clauses import parse
    from .embeddings import load_embeddings
    from .text import split_sentences

    emb = load_embeddings(settings.embedder, settings.embedding_model, settings.embedding_threads)
    doc = parse(settings.seed_path.read_text(encoding="utf-8"))
    sents = [s for c in doc.clauses for s in split_sentences(c.text)][:n]
    t = time.perf_counter()
    emb.documents(sents)
    return len(sents) / (time.perf_counter() - t)


def synthetic_document(settings, n: int, seed: int = 7):
    """A document of ``n`` clauses of 2–4 sentences resampled from the seed."""
    from .clauses import Clause, Document, parse
    from .text import split_sentences

    doc = parse(settings.seed_path.read_text(encoding="utf-8"))
    sents = [s for c in doc.clauses if c.number for s in split_sentences(c.text)[1:]]
    rng = random.Random(seed)
    clauses = []
    for i in range(1, n + 1):
        title = rng.choice(doc.clauses[1:-1]).title
        body = "".join(rng.sample(sents, rng.randint(2, 4)))
        clauses.append(Clause(i, f"第{i}条", title, f"第{(i - 1) // 100 + 1}章", f"{i}.{title}。{body}"))
    return Document(clauses, {"title": f"synthetic-{n}", "date": "2020-01-01"}, [])


def scale_point(settings, n: int, queries: int = 50) -> dict:
    """Runs in its own process (see :func:`run`)."""
    from . import index as store
    from .embeddings import load_embeddings
    from .retrieve import HybridSearch

    emb = load_embeddings("hash")
    doc = synthetic_document(settings, n)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        name = store.write_version(Path(tmp), doc, {"filename": f"synthetic-{n}", "sha256": "0" * 64}, emb,
                                   hnsw_threshold=settings.hnsw_threshold)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        version = store.load(tmp, name)
        search = HybridSearch(version, emb)
        load_s = time.perf_counter() - t
        qs = _questions(queries)
        ms = _timed(lambda q: search.search(q, 10), qs)
        return {"clauses": n, "sentences": len(version.sentences), "faiss": version.manifest["faiss"],
                "build_without_embedding_s": round(build_s, 1), "load_s": round(load_s, 2),
                "search_p50_ms": round(percentile(ms, 50), 1), "search_p95_ms": round(percentile(ms, 95), 1),
                "peak_mb": round(_rss_mb())}


def run(settings, sizes: list[int], questions: int = 200, as_json: bool = False) -> int:
    say = (lambda *a: None) if as_json else print
    say("real document …", flush=True)
    real = real_document(settings, questions)
    for k, v in real.items():
        say(f"  {k:>30}: {v}")
    rate = embedding_throughput(settings)
    say(f"  {'embedding_passages_per_s':>30}: {rate:.1f}")
    scale = []
    for n in sizes:
        say(f"synthetic {n} clauses …", flush=True)
        out = subprocess.run([sys.executable, "-m", "bot.bench", "--scale", str(n)], cwd=ROOT, check=True,
                             capture_output=True, text=True, env={**os.environ})
        point = json.loads(out.stdout.strip().splitlines()[-1])
        point["e5_embedding_estimate_s"] = round((point["clauses"] + point["sentences"]) / rate)
        scale.append(point)
    if as_json:
        print(json.dumps({"real": real, "embedding_passages_per_s": round(rate, 1), "scale": scale}))
        return 0
    cols = ["clauses", "sentences", "faiss", "build_without_embedding_s", "e5_embedding_estimate_s", "load_s",
            "search_p50_ms", "search_p95_ms", "peak_mb"]
    print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for p in scale:
        print("| " + " | ".join(str(p[c]) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    from .settings import get_settings

    if len(sys.argv) == 3 and sys.argv[1] == "--scale":
        print(json.dumps(scale_point(get_settings(), int(sys.argv[2]))))
    else:
        sys.exit("usage: python -m bot bench  (python -m bot.bench --scale N runs one scaling point)")
