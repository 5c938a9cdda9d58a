"""The public Blocks: 问答 at /, 检索 at /search, and the two documented API endpoints
(`/ask`, `/search`) that scripts and `gradio_client` call. Nothing admin lives here."""
from __future__ import annotations

import gradio as gr

from . import hotline, render, resident

MAX_K = 50


def build_public(bot, log, settings) -> gr.Blocks:
    def ask(question: str, history: list[dict] | None = None) -> dict:
        """Answer a resident's question from the active policy document, with the clauses it relies on.

        history: earlier turns as [{"role": "user"|"assistant", "content": "..."}], for follow-up questions.
        """
        if not isinstance(question, str):
            raise gr.Error("question must be a string")
        history = history or []
        if not isinstance(history, list) or not all(
                isinstance(t, dict) and isinstance(t.get("content"), str) for t in history):
            raise gr.Error('history must be a list of {"role", "content"} objects')
        answer, ms, engine = bot.ask_with_engine(question, history[-2 * resident.MAX_TURNS:])
        log.record(question, answer, ms, engine.name)
        return {"answer": answer.text, "refused": answer.refused, "reason": answer.reason,
                "citations": answer.citations, "quotes": answer.quotes, "language": answer.language,
                "latency_ms": round(ms, 1), "version": engine.name}

    def search(query: str, k: int = 5, section: str = "") -> list[dict]:
        """Clauses matching a query or a clause number ("16", "第十六条"), best first, with a citation to read out."""
        query = (query if isinstance(query, str) else "").strip()
        if not query:
            return []
        try:
            k = int(k)
        except (TypeError, ValueError):
            raise gr.Error("k must be a number") from None
        if not isinstance(section, str):
            raise gr.Error("section must be a string")
        hits, engine = bot.search_with_engine(query, max(1, min(k, MAX_K)), section or None)
        meta = engine.version.document.meta
        return [{"number": h.clause.number, "label": h.clause.label, "title": h.clause.title,
                 "section": h.clause.section, "text": h.clause.text, "score": round(h.score, 4),
                 "sentences": render.matched(h),
                 "citation": render.citation_text(meta, h.clause)} for h in hits]

    private = {"api_visibility": "private"}
    with gr.Blocks(title="政策问答") as demo:
        gr.Navbar(main_page_name="问答")
        welcome, head = resident.build(bot, log, settings)
        demo.load(welcome, None, [head], **private)
        gr.api(ask, api_name="ask")
        gr.api(search, api_name="search")
    with demo.route("检索", "/search"):
        gr.Navbar(main_page_name="问答")
        contents, toc, section = hotline.build(bot, settings)
        demo.load(contents, [section], [toc, section], **private)
    return demo
