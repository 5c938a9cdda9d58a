"""Load test against a running app: simulated residents asking questions over the
public HTTP API, optionally while an admin publishes a new version.

    python -m bot.loadtest --url http://127.0.0.1:7860 --users 20 --seconds 60 [--publish-midway [full]]

Each resident asks a question, waits for the whole answer, pauses ``--think``
seconds (reading, typing) and asks again; about a third of the questions are
follow-ups with the conversation so far. Prints p50/p95/p99 latency and the error
count, overall and for the requests that overlapped the publish.

``--publish-midway`` logs in to /admin (password from ``--admin-password`` or
POLICYBOT_ADMIN_PASSWORD) at the half-way mark and does what an admin does in the
browser: upload an amended copy of the seed document, wait for the preview, press
Publish, wait for "已发布". ``amended`` (the default) changes one clause, as a
correction would; ``full`` changes the punctuation of every clause, so the whole
document is embedded again.

Only loopback addresses are accepted: this is a tool for measuring your own machine.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

from .settings import ROOT, get_settings

TIMEOUT = 30.0
FALLBACK_QUESTIONS = ["小微企业社保能免几个月？", "复工后新招员工有补贴吗？", "高血压的药一次能开几个月？",
                      "出口企业信保有什么支持？", "第十六条讲什么？", "怎么办理护照？"]
FOLLOW_UPS = ["那大企业呢？", "需要什么材料？", "多久能办好？", "这个政策现在还有效吗？"]


def require_loopback(url: str) -> None:
    host = urlparse(url).hostname
    if not host:
        raise SystemExit(f"error: not a URL: {url}")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as e:
        raise SystemExit(f"error: cannot resolve {host}: {e}") from e
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"error: {host} is not a loopback address; the load test only targets this machine")


def load_questions(paths: list[Path]) -> list[str]:
    questions = []
    for path in paths:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    questions.append(json.loads(line)["question"])
    return questions or FALLBACK_QUESTIONS


@dataclass
class Result:
    started: float
    latency_ms: float          # as the resident sees it: HTTP, queue and answer
    error: str | None = None
    answer_ms: float = 0.0     # the part spent answering, as the app reports it


@dataclass
class Stats:
    results: list[Result] = field(default_factory=list)
    publish: tuple[float, float] | None = None  # start, end (perf_counter)
    publish_message: str = ""


# ---------------------------------------------------------------- residents

async def ask(client: httpx.AsyncClient, question: str, history: list[dict], session: str | None = None) -> dict:
    """One call of the public /ask endpoint (Gradio's two-step HTTP API: submit, then stream the result)."""
    r = await client.post("/gradio_api/call/ask", json={"data": [question, history], "session_hash": session})
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event = None
    async with client.stream("GET", f"/gradio_api/call/ask/{event_id}") as stream:
        stream.raise_for_status()
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = json.loads(line[5:])
                if event == "error":
                    raise RuntimeError(f"app error: {data}")
                return data[0]
    raise RuntimeError("stream ended without a result")


async def resident(client, questions: list[str], deadline: float, think: tuple[float, float], stats: Stats,
                   rng: random.Random) -> None:
    history: list[dict] = []
    # One Gradio session per resident, as a browser tab (or a gradio_client) keeps one.
    session = uuid.UUID(int=rng.getrandbits(128)).hex[:11]
    # Residents arrive over the first pause, not all in the same millisecond.
    await asyncio.sleep(rng.uniform(0, think[1]))
    while time.perf_counter() < deadline:
        if history and rng.random() < 0.35:
            question = rng.choice(FOLLOW_UPS)
        else:
            question, history = rng.choice(questions), []
        started = time.perf_counter()
        try:
            answer = await ask(client, question, history, session)
            if not isinstance(answer, dict) or "answer" not in answer:
                raise RuntimeError(f"unexpected result: {str(answer)[:100]}")
            stats.results.append(Result(started, (time.perf_counter() - started) * 1000,
                                        answer_ms=float(answer.get("latency_ms") or 0)))
            history = (history + [{"role": "user", "content": question},
                                  {"role": "assistant", "content": answer["answer"]}])[-6:]
        except Exception as e:  # every failure counts; the resident carries on
            stats.results.append(Result(started, (time.perf_counter() - started) * 1000, f"{type(e).__name__}: {e}"))
        await asyncio.sleep(rng.uniform(*think))


# ---------------------------------------------------------------- the admin

def amended_document(kind: str) -> Path:
    text = get_settings().seed_path.read_text(encoding="utf-8")
    if kind == "full":
        text = text.replace(",", "，")  # every clause changes, so every text is embedded again
    else:  # a correction to one clause, different on every run so there is always something to publish
        text = text.replace("免征期限不超过5个月", f"免征期限不超过{random.randint(6, 24)}个月")
    path = Path(tempfile.mkdtemp(prefix="policybot-loadtest-")) / f"amended-{kind}-{uuid.uuid4().hex[:6]}.txt"
    path.write_text(text, encoding="utf-8")
    return path


async def admin_event(client: httpx.AsyncClient, fn: int, trigger: int, data: list, session: str) -> list[dict]:
    """Run one admin Blocks event the way the browser does (queue/join, then the SSE stream)."""
    r = await client.post("/admin/gradio_api/queue/join", json={
        "data": data, "fn_index": fn, "trigger_id": trigger, "session_hash": session, "event_data": None})
    r.raise_for_status()
    messages = []
    async with client.stream("GET", f"/admin/gradio_api/queue/data?session_hash={session}",
                             timeout=httpx.Timeout(None, connect=10)) as stream:
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            messages.append(msg)
            if msg.get("msg") == "process_completed":
                if not msg.get("success"):
                    raise RuntimeError(f"admin event {fn} failed: {msg.get('output')}")
                return messages
    raise RuntimeError(f"admin event {fn}: stream ended early")


async def publish(base_url: str, password: str, kind: str, stats: Stats) -> None:
    path = amended_document(kind)
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
        stats.publish = (time.perf_counter(), 0.0)
        r = await client.post("/admin/login", data={"password": password})
        if r.status_code != 303:
            raise RuntimeError(f"admin login failed ({r.status_code})")
        config = (await client.get("/admin/config")).json()
        ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
        fns = {(tuple(t)[0], tuple(t)[1]): d["id"] for d in config["dependencies"] for t in d["targets"]}
        upload_fn, publish_fn = fns[(ids["upload"], "upload")], fns[(ids["publish"], "click")]
        with path.open("rb") as f:
            r = await client.post("/admin/gradio_api/upload", files={"files": (path.name, f, "text/plain")})
        r.raise_for_status()
        server_path = r.json()[0]
        file_data = {"path": server_path, "orig_name": path.name, "size": path.stat().st_size,
                     "meta": {"_type": "gradio.FileData"}}
        session = uuid.uuid4().hex[:11]
        await admin_event(client, upload_fn, ids["upload"], [file_data, False], session)
        messages = await admin_event(client, publish_fn, ids["publish"], [None], session)
        status = json.dumps(messages[-1].get("output", {}), ensure_ascii=False)
        stats.publish = (stats.publish[0], time.perf_counter())
        if "已发布" not in status:
            raise RuntimeError(f"publish did not finish: {status[:300]}")
        stats.publish_message = next((m for m in status.split('"') if m.startswith("已发布")), "published")


# ---------------------------------------------------------------- report

def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def summary(results: list[Result], seconds: float) -> dict:
    ok = [r.latency_ms for r in results if r.error is None]
    answering = [r.answer_ms for r in results if r.error is None]
    return {"requests": len(results), "errors": sum(1 for r in results if r.error),
            "throughput_rps": round(len(results) / seconds, 1) if seconds else 0.0,
            "p50_ms": round(percentile(ok, 50), 1), "p95_ms": round(percentile(ok, 95), 1),
            "p99_ms": round(percentile(ok, 99), 1), "max_ms": round(max(ok), 1) if ok else None,
            "mean_ms": round(statistics.fmean(ok), 1) if ok else None,
            "answer_p50_ms": round(percentile(answering, 50), 1), "answer_p95_ms": round(percentile(answering, 95), 1)}


async def run(args) -> dict:
    questions = load_questions(args.questions)
    stats = Stats()
    rng = random.Random(args.seed)
    limits = httpx.Limits(max_connections=args.users * 2, max_keepalive_connections=args.users * 2)
    async with httpx.AsyncClient(base_url=args.url.rstrip("/"), timeout=TIMEOUT, limits=limits) as client:
        await ask(client, questions[0], [])  # warm the app once, outside the measurement
        started = time.perf_counter()
        deadline = started + args.seconds
        tasks = [asyncio.create_task(resident(client, questions, deadline, args.think, stats,
                                              random.Random(rng.random()))) for _ in range(args.users)]
        admin_error = None
        if args.publish_midway:
            await asyncio.sleep(args.seconds / 2)
            try:
                await publish(args.url.rstrip("/"), args.admin_password, args.publish_midway, stats)
            except Exception as e:
                admin_error = f"{type(e).__name__}: {e}"
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    report = {"url": args.url, "users": args.users, "seconds": args.seconds, "think_s": list(args.think),
              "overall": summary(stats.results, elapsed)}
    if args.publish_midway:
        t0, t1 = stats.publish or (0.0, 0.0)
        during = [r for r in stats.results if t1 and t0 <= r.started + r.latency_ms / 1000 and r.started <= t1]
        report["publish"] = {"kind": args.publish_midway, "seconds": round(t1 - t0, 1) if t1 else None,
                             "message": stats.publish_message, "error": admin_error,
                             "during": summary(during, t1 - t0) if t1 else None}
    errors = [r.error for r in stats.results if r.error]
    report["first_errors"] = errors[:5]
    return report


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bot.loadtest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:7860")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", default="1-3", help="pause between a resident's questions, seconds: 'MIN-MAX' or 'N'")
    ap.add_argument("--publish-midway", nargs="?", const="amended", choices=["amended", "full"], default=None)
    ap.add_argument("--admin-password", default=os.environ.get("POLICYBOT_ADMIN_PASSWORD"))
    ap.add_argument("--questions", type=Path, nargs="*",
                    default=[ROOT / "tests" / "data" / "dev.jsonl", ROOT / "tests" / "data" / "heldout.jsonl"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    lo, _, hi = args.think.partition("-")
    args.think = (float(lo), float(hi or lo))
    if args.publish_midway and not args.admin_password:
        ap.error("--publish-midway needs --admin-password or POLICYBOT_ADMIN_PASSWORD")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    require_loopback(args.url)
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        o = report["overall"]
        print(f"{args.users} residents, {args.seconds:.0f} s, think {args.think[0]:g}-{args.think[1]:g} s: "
              f"{o['requests']} questions ({o['throughput_rps']}/s), p50 {o['p50_ms']} ms, p95 {o['p95_ms']} ms, "
              f"p99 {o['p99_ms']} ms, max {o['max_ms']} ms, errors {o['errors']} "
              f"(of which answering: p50 {o['answer_p50_ms']} ms, p95 {o['answer_p95_ms']} ms)")
        if "publish" in report:
            p = report["publish"]
            if p["error"]:
                print(f"publish FAILED: {p['error']}")
            else:
                d = p["during"]
                print(f"publish ({p['kind']}) took {p['seconds']} s; {d['requests']} questions during it: "
                      f"p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms, max {d['max_ms']} ms, errors {d['errors']}")
        for e in report["first_errors"]:
            print(f"  error: {e}")
    failed = report["overall"]["errors"] or (report.get("publish") or {}).get("error")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
