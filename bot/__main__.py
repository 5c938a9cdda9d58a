"""Command line: `python -m bot {index,search,ask,eval,bench,parse} …` (see README)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _common(p: argparse.ArgumentParser, top: bool = False) -> None:
    # --index-dir is accepted before or after the subcommand (contract.md).
    p.add_argument("--index-dir", type=Path, default=None if top else argparse.SUPPRESS,
                   help="index directory (default: index/)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bot", description="Policy Q&A: index, search, ask, evaluate.")
    _common(ap, top=True)
    sub = ap.add_subparsers(dest="command", required=True)

    ix = sub.add_parser("index", help="build and manage index versions")
    _common(ix)  # also `index --index-dir DIR build`
    ixs = ix.add_subparsers(dest="index_command", required=True)
    b = ixs.add_parser("build", help="parse, embed and publish a document")
    b.add_argument("--source", type=Path, help="policy file (default: the document in seeds/)")
    b.add_argument("--allow-paragraphs", action="store_true",
                   help="index an unnumbered document paragraph by paragraph instead of refusing it")
    b.add_argument("--no-activate", action="store_true", help="write the version but keep the active one")
    ixs.add_parser("list", help="list versions")
    a = ixs.add_parser("activate", help="make a version active")
    a.add_argument("version")
    ixs.add_parser("rollback", help="activate the version built before the active one")
    d = ixs.add_parser("diff", help="clause-level changes from version A to version B")
    d.add_argument("a")
    d.add_argument("b")
    for p in (b, ixs.choices["list"], a, ixs.choices["rollback"], d):
        _common(p)
        p.add_argument("--json", action="store_true", help="print JSON")

    pr = sub.add_parser("parse", help="preview how a file parses (no index is written)")
    pr.add_argument("file", type=Path)
    pr.add_argument("--allow-paragraphs", action="store_true")
    pr.add_argument("--json", action="store_true")

    s = sub.add_parser("search", help="ranked clauses for a query")
    s.add_argument("query")
    s.add_argument("--k", type=int, default=5)
    s.add_argument("--section", help="only clauses in this section")
    s.add_argument("--json", action="store_true")

    q = sub.add_parser("ask", help="answer a question (or JSON Lines on stdin with --jsonl)")
    q.add_argument("question", nargs="?")
    q.add_argument("--jsonl", action="store_true", help="read questions as JSON Lines on stdin")
    q.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default="hybrid")
    q.add_argument("--chunking", choices=["clause", "fixed"], default="clause")
    q.add_argument("--k", type=int, default=10)
    q.add_argument("--answerer", choices=["extractive", "llm"], default=None)

    e = sub.add_parser("eval", help="metrics over a gold question file")
    e.add_argument("gold", type=Path)
    e.add_argument("--compare", action="store_true", help="hybrid, BM25, dense and fixed-chunk side by side")
    e.add_argument("--calibrate", action="store_true", help="print the refusal threshold the gold file supports")
    e.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default="hybrid")
    e.add_argument("--chunking", choices=["clause", "fixed"], default="clause")
    e.add_argument("--answerer", choices=["extractive", "llm"], default=None)
    e.add_argument("--show-misses", action="store_true", help="list the questions that missed")
    e.add_argument("--json", action="store_true")

    bn = sub.add_parser("bench", help="build / load / latency / memory figures")
    bn.add_argument("--sizes", default="1000,10000,100000", help="synthetic corpus sizes (clauses)")
    bn.add_argument("--questions", type=int, default=200, help="questions timed for ask/search latency")
    bn.add_argument("--json", action="store_true")

    tp = sub.add_parser("topics", help="the outside topics against the active version: in force or covered")
    tp.add_argument("--json", action="store_true")

    for p in (pr, s, q, e, bn, tp):
        _common(p)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .clauses import ParseError
    from .index import IndexError_
    from .settings import get_settings

    settings = get_settings(index_dir=args.index_dir, answerer=getattr(args, "answerer", None))
    try:
        return COMMANDS[args.command](args, settings)
    except (ParseError, IndexError_, ValueError, FileNotFoundError, OSError) as e:
        # One line for people; the exit code tells scripts.
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return 2


def _one_line(e: Exception) -> str:
    text = str(e) or type(e).__name__
    if isinstance(e, FileNotFoundError) and e.filename:
        text = f"file not found: {e.filename}"
    return " ".join(text.split())


def _bot(settings):
    from .pipeline import PolicyBot

    return PolicyBot(settings)


# ---------------------------------------------------------------- index

def cmd_index(args, settings) -> int:
    from . import index as store

    d = Path(settings.index_dir)
    c = args.index_command
    if c == "build":
        bot = _bot(settings)
        source = args.source or settings.seed_path
        started = time.perf_counter()
        name = bot.build(source, allow_paragraphs=args.allow_paragraphs, activate=not args.no_activate,
                         progress=lambda m: print(f"  {m}", file=sys.stderr))
        manifest = store.load(d, name).manifest
        if args.json:
            print(json.dumps(manifest, ensure_ascii=False))
        else:
            state = "active" if not args.no_activate else "not active"
            print(f"built {name} ({state}): {manifest['clause_count']} clauses from {manifest['source']['filename']}"
                  f" in {time.perf_counter() - started:.1f} s")
            for w in manifest["warnings"]:
                print(f"  warning: {w}")
        return 0
    if c == "list":
        versions = store.list_versions(d)
        if args.json:
            print(json.dumps(versions, ensure_ascii=False))
        elif not versions:
            print(f"no versions in {d}")
        for m in ([] if args.json else versions):
            mark = "*" if m["active"] else " "
            print(f"{mark} {m['version']}  {m['created_at']}  {m['clause_count']:>4} clauses  "
                  f"{m['source']['filename']}  {m['embedder']}")
        return 0
    if c in ("activate", "rollback"):
        target = args.version if c == "activate" else store.previous_name(d)
        if not target:
            print("error: no earlier version to roll back to", file=sys.stderr)
            return 2
        _bot(settings).activate(target)
        print(json.dumps({"active": target}) if args.json else f"active: {target}")
        return 0
    if c == "diff":
        diff = store.diff_versions(d, args.a, args.b)
        if args.json:
            print(json.dumps(diff, ensure_ascii=False))
            return 0
        print(f"{len(diff['added'])} added, {len(diff['removed'])} removed, {len(diff['changed'])} changed")
        for x in diff["added"]:
            print(f"+ {x['label']} {x['title']}")
        for x in diff["removed"]:
            print(f"- {x['label']} {x['title']}")
        for x in diff["changed"]:
            print(f"~ {x['label']} {x['title']}\n{x['diff']}")
        return 0
    raise AssertionError(c)


def cmd_parse(args, settings) -> int:
    from .index import parse_source

    source, doc = parse_source(args.file, allow_paragraphs=args.allow_paragraphs)
    if args.json:
        print(json.dumps({"meta": doc.meta, "source": source.meta, "warnings": doc.warnings,
                          "clauses": [c.to_dict() for c in doc.clauses]}, ensure_ascii=False))
        return 0
    print(f"{doc.meta.get('title', '?')} ({doc.meta.get('date', 'no date')}): {len(doc.clauses)} records, "
          f"{source.meta['format']} {source.meta.get('encoding') or ''}")
    for w in doc.warnings:
        print(f"  warning: {w}")
    for c in doc.clauses:
        print(f"{c.label:>8}  {c.title}  [{c.section}]")
    return 0


# ---------------------------------------------------------------- search / ask

def cmd_search(args, settings) -> int:
    bot = _bot(settings)
    started = time.perf_counter()
    hits = bot.search(args.query, args.k, section=args.section)
    ms = (time.perf_counter() - started) * 1000
    if args.json:
        print(json.dumps({"query": args.query, "latency_ms": round(ms, 1), "results": [
            {**h.brief(), "title": h.clause.title, "section": h.clause.section, "text": h.clause.text,
             "sentences": [s for s, _ in h.sentences[:2]]} for h in hits]}, ensure_ascii=False))
        return 0
    for i, h in enumerate(hits, 1):
        c = h.clause
        print(f"{i}. {c.label} {c.title}  ({h.score:.2f})  [{c.section}]")
        if h.sentences:
            print(f"   {h.sentences[0][0]}")
    print(f"({ms:.0f} ms)", file=sys.stderr)
    return 0


def cmd_topics(args, settings) -> int:
    """Which outside topics count against questions on the active document, and which it
    covers itself (set aside), each with its nearest sentence: what an admin reviews after
    publishing another document."""
    engine = _bot(settings).current()
    sentences = engine.version.sentences
    rows = []
    for t in sorted(engine.answerer.outside.topics, key=lambda t: -t.nearest):
        near = sentences[t.nearest_unit] if 0 <= t.nearest_unit < len(sentences) else None
        rows.append({"topic": t.text, "covered": t.covered, "nearest": round(t.nearest, 3),
                     "clause": engine.version.clauses[near.clause].label if near else None,
                     "sentence": near.text if near else None})
    terms = engine.answerer.outside_terms
    things = {"in_force": sorted(set(terms.absent.values())), "named_by_document": terms.mentioned,
              "named_by_document_only_with": terms.only_with,
              "places_named_by_document": terms.home, "years_named_by_document": terms.years}
    if args.json:
        print(json.dumps({"version": engine.name, "cover": settings.outside_cover, "topics": rows,
                          "things": things}, ensure_ascii=False))
        return 0
    print(f"{engine.name}: {sum(not r['covered'] for r in rows)} topics in force, "
          f"{sum(r['covered'] for r in rows)} covered by the document (cosine ≥ {settings.outside_cover})")
    for r in rows:
        mark = "covered" if r["covered"] else "       "
        print(f"{mark}  {r['nearest']:.3f}  {r['topic']}  ← {r['clause']} {(r['sentence'] or '')[:40]}")
    print(f"\nnamed things in force ({settings.outside_terms_file}): {' '.join(things['in_force'])}")
    print(f"set aside, the document names them: {' '.join(things['named_by_document']) or '—'}")
    for first, setting in things["named_by_document_only_with"].items():
        print(f"in force unless the question names where the document does ({first}): {' '.join(setting)}")
    print(f"places the document names (questions naming them are about it): "
          f"{' '.join(things['places_named_by_document']) or '—'}")
    years = things["years_named_by_document"]
    print(f"years the document names: {' '.join(map(str, years)) or '—'}"
          + (f" (a question about a year after {years[-1]} it does not name is declined)" if years else ""))
    return 0


def answer_record(qid, answer, ms: float) -> dict:
    """One output line of `ask --jsonl` (contract.md); extra fields may be added, none removed."""
    return {"id": qid, "answer": answer.text, "refused": answer.refused, "citations": answer.citations,
            "retrieved": answer.retrieved, "latency_ms": round(ms, 1),
            "reason": answer.reason, "confidence": answer.confidence, "language": answer.language,
            # generative mode: whether the model's checked text was used, or why not
            "generated": getattr(answer, "generated", None),
            "fallback_reason": getattr(answer, "fallback_reason", None)}


def cmd_ask(args, settings) -> int:
    bot = _bot(settings)
    options = {"mode": args.retriever, "chunking": args.chunking, "k": args.k}
    if not args.jsonl:
        if not args.question:
            print("error: give a question, or --jsonl to read JSON Lines from stdin", file=sys.stderr)
            return 2
        answer, ms = bot.ask(args.question, **options)
        print(answer.text)
        if answer.citations:
            print("\n引用: " + "、".join(f"{c['label']}（{c['title']}）" for c in answer.citations))
        return 0
    bot.current()  # load models and index once, before the first line
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        qid = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            qid = item.get("id", n)
            question, history = item.get("question"), item.get("history") or []
            if not isinstance(question, str):
                raise ValueError("'question' must be a string")
            if not isinstance(history, list) or not all(isinstance(t, dict) for t in history):
                raise ValueError("'history' must be a list of {role, content} objects")
            answer, ms = bot.ask(question, history, **options)
            record = answer_record(qid, answer, ms)
        except json.JSONDecodeError as e:
            record = {"id": qid, "error": f"line {n}: not valid JSON ({e.msg})"}
        except ValueError as e:
            record = {"id": qid, "error": f"line {n}: {e}"}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


# ---------------------------------------------------------------- eval / bench

def cmd_eval(args, settings) -> int:
    from .evaluate import CONFIGS, calibrate, evaluate, format_table, load_gold

    gold = load_gold(args.gold)
    bot = _bot(settings)
    if args.compare:
        results = {name: evaluate(bot, gold, **opts)["metrics"] for name, opts in CONFIGS.items()}
        print(json.dumps(results) if args.json else format_table(results))
        return 0
    result = evaluate(bot, gold, mode=args.retriever, chunking=args.chunking)
    metrics = result["metrics"]
    if args.json:
        print(json.dumps(metrics))
    else:
        for k, v in metrics.items():
            print(f"{k:>20}: {v:.3f}" if isinstance(v, float) else f"{k:>20}: {v}")
    if args.calibrate:
        cal = calibrate(result["rows"])
        print(f"calibrated refuse_below = {cal['threshold']:.4f} (refusal recall {cal['refusal_recall']:.3f}, "
              f"false refusals {cal['false_refusals']:.3f}; set it in settings.toml)")
    if args.show_misses:
        for r in result["rows"]:
            wrong = (r["refused"] != (not r["gold"])) or (r["gold"] and r["retrieved"][:1] and
                                                          r["retrieved"][0] not in r["gold"])
            if wrong:
                print(f"- {r['id']} gold={r['gold']} got={r['retrieved'][:3]} cited={r['cited']} "
                      f"refused={r['refused']} conf={r['confidence']:.3f}  {r['question']}")
    return 0


def cmd_bench(args, settings) -> int:
    from .bench import run

    return run(settings, sizes=[int(x) for x in args.sizes.split(",") if x], questions=args.questions,
               as_json=args.json)


COMMANDS = {"index": cmd_index, "parse": cmd_parse, "search": cmd_search, "ask": cmd_ask, "eval": cmd_eval,
            "bench": cmd_bench, "topics": cmd_topics}

if __name__ == "__main__":
    sys.exit(main())
