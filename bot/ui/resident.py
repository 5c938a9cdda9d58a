"""问答: the residents' chat page (built inside the public Blocks)."""
from __future__ import annotations

import gradio as gr

from . import render

# Shown until the first question. They match the seed document; an admin who
# publishes a different policy should change them here.
EXAMPLES = ["小微企业社保能免几个月？", "复工后新招员工有补贴吗？", "高血压的药一次能开几个月？",
            "出口企业信保有什么支持？"]
MAX_TURNS = 6  # earlier turns passed back to the answerer for follow-up questions


def new_conversation() -> dict:
    # display: the chat bubbles (HTML); history: plain turns for the answerer;
    # ids: chat index of each answer -> its questions-log row, for like / dislike.
    return {"display": [], "history": [], "ids": {}}


def build(bot, log, settings):
    hotline = settings.hotline

    def welcome() -> str:
        return render.welcome(bot.current().version.document.meta, hotline)

    def respond(text: str, conv: dict):
        text = (text or "").strip()
        if not text:
            yield gr.skip(), conv["display"], conv, gr.skip()
            return
        asked = conv["display"] + [{"role": "user", "content": render.question(text)}]
        draft = ""
        for item in bot.ask_stream(text, conv["history"][-2 * MAX_TURNS:]):
            if isinstance(item, str):  # a generative answerer's draft, shown as not yet checked
                draft += item
                yield "", asked + [{"role": "assistant", "content": render.draft(draft)}], conv, gr.skip()
            else:
                answer, ms, engine = item
        row = log.record(text, answer, ms, engine.name)
        display = asked + [{"role": "assistant", "content": render.answer(answer, engine.version.by_label, hotline)}]
        conv = {"display": display,
                "history": conv["history"] + [{"role": "user", "content": text},
                                              {"role": "assistant", "content": answer.text}],
                "ids": {**conv["ids"], len(display) - 1: row}}
        yield "", display, conv, render.welcome(engine.version.document.meta, hotline)

    def example(conv: dict, evt: gr.SelectData):
        yield from respond(evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value), conv)

    def rate(conv: dict, data: gr.LikeData) -> None:
        index = data.index if isinstance(data.index, int) else data.index[0]
        row = conv["ids"].get(index)
        if row is not None:
            # True / False for the thumbs; "" when the resident takes the vote back.
            log.feedback(row, {True: "like", False: "dislike"}.get(data.liked))

    def clear():
        return "", [], new_conversation()

    head = gr.HTML(elem_id="welcome")
    conv = gr.State(new_conversation())
    chat = gr.Chatbot(
        elem_id="chat", label="问答", show_label=False, height="60vh", min_height=320,
        # Messages are built as HTML from escaped text; no Markdown, so nothing a
        # resident types is interpreted. The sanitizer stays on as a second line.
        render_markdown=False, sanitize_html=True, latex_delimiters=[], buttons=["copy"],
        feedback_options=["Like", "Dislike"], examples=[{"text": q} for q in EXAMPLES],
        placeholder="请在下方输入您的问题，或点击一个示例。",
    )
    with gr.Row(equal_height=True):
        box = gr.Textbox(elem_id="question", show_label=False, placeholder="请输入您的问题，例如：小微企业社保能免几个月？",
                         max_lines=4, scale=5, autofocus=True, submit_btn="发送")
    clear_btn = gr.Button("清空对话", elem_id="clear", size="sm", variant="secondary")

    private = {"api_visibility": "private"}
    box.submit(respond, [box, conv], [box, chat, conv, head], **private)
    chat.example_select(example, [conv], [box, chat, conv, head], **private)
    chat.like(rate, [conv], None, **private)
    clear_btn.click(clear, None, [box, chat, conv], **private)
    chat.clear(clear, None, [box, chat, conv], **private)  # the chatbot's own trash icon
    return welcome, head
