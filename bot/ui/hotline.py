"""检索: the hotline staff's search page (built inside the public Blocks)."""
from __future__ import annotations

import gradio as gr

from . import render

ALL = "全部章节"
K = 8


def sections(clauses) -> list[str]:
    """Each top-level part, then each full section, in document order."""
    out: dict[str, None] = {}
    for c in clauses:
        if c.section:
            out.setdefault(c.section.split(" / ")[0], None)
            out.setdefault(c.section, None)
    return list(out)


def build(bot, settings):
    def search(text: str, section: str):
        query = (text or "").strip()
        results, engine = bot.search_with_engine(query, K, None if section in (None, "", ALL) else section) \
            if query else ([], bot.current())
        html = render.hits(engine.version.document.meta, results, text or "")
        # A changed version name triggers the contents and section list to refresh.
        return html, engine.name

    def contents(current: str = ALL):
        engine = bot.current()
        choices = [ALL] + sections(engine.version.clauses)
        # A new version may have dropped the section that was chosen.
        return (render.toc(engine.version.document.meta, engine.version.clauses),
                gr.update(choices=choices, value=current if current in choices else ALL))

    version = gr.State("")
    with gr.Row(equal_height=True):
        box = gr.Textbox(elem_id="search-box", label="检索", placeholder="关键词、问题或条款号（如 16、第十六条）",
                         scale=4, autofocus=True)
        section = gr.Dropdown([ALL], value=ALL, label="章节", elem_id="section", scale=2)
    results = gr.HTML(render.hits({}, [], ""), elem_id="results")
    with gr.Accordion("目录：全部条款", open=False, elem_id="toc"):
        toc = gr.HTML()

    private = {"api_visibility": "private", "show_progress": "hidden"}
    # As-you-type: only the latest keystroke's search matters.
    box.change(search, [box, section], [results, version], trigger_mode="always_last", **private)
    section.change(search, [box, section], [results, version], **private)
    version.change(contents, [section], [toc, section], **private)
    return contents, toc, section
