"""Generative answers streaming into the chat page, in a real browser.

No language model can run on this machine, so the model is a FAKE: a small HTTP
server in this test that speaks the OpenAI chat-completions protocol and streams a
scripted reply slowly, one piece at a time. Everything else is real: the app in
`answerer = "llm"` mode, langchain's ChatOpenAI, the citation check, chromium.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import QUESTION, cached_seed_index, start_app, stop_app

pytestmark = pytest.mark.browser

# What the fake model says, by a word of the question it is asked.
CORRECT = "中小微企业的基本养老、失业、工伤保险单位缴费部分免征，免征期限不超过5个月（第16条）。"
INVENTED = "所有企业社保全免，每人再补贴3000元（第16条）。"
SCRIPT = [("小微企业", CORRECT), ("大型企业", INVENTED)]


class _FakeModel(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        question = prompt.split("<question>")[-1].split("</question>")[0]  # not the clause context
        reply = next((r for key, r in SCRIPT if key in question), "我不知道。")
        assert body.get("stream"), "the chat page asks for a streamed answer"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(0, len(reply), 6):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                     "choices": [{"index": 0, "delta": {"content": reply[i:i + 6]}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.25)  # slow enough for the page to show the draft
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeModel)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app = start_app(tmp_path_factory.mktemp("llm-app"), password=None, index_from=cached_seed_index(),
                    POLICYBOT_ANSWERER="llm", POLICYBOT_LLM_PROVIDER="openai", POLICYBOT_LLM_MODEL="fake-model",
                    POLICYBOT_LLM_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}/v1",
                    POLICYBOT_LLM_API_KEY="not-needed", POLICYBOT_LLM_TIMEOUT_S="30")
    yield app
    stop_app(app)
    server.shutdown()
    server.server_close()


@pytest.fixture()
def page(browser, llm_app):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(llm_app.url + "/")
    yield page
    ctx.close()


def send(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")


def test_draft_streams_unverified_then_the_checked_answer_shows_its_citation(page):
    send(page, QUESTION)
    draft = page.locator("#chat .answer.draft").last
    draft.wait_for()
    # While the model writes: its words, marked as being checked, and no citation chips yet.
    assert "核对中" in draft.inner_text()
    assert draft.locator("details.cite").count() == 0
    final = page.locator("#chat .answer:not(.draft)").last
    final.wait_for()
    text = final.inner_text()
    assert "5个月" in text and "引用已核对" in text
    final.locator("details.cite summary").first.click()
    assert "第16条" in final.locator("details.cite summary").first.inner_text()
    assert "免征期限不超过5个月" in final.locator(".clause-text").first.inner_text()


def test_an_invented_amount_is_replaced_by_the_quoted_clause(page):
    send(page, "我们是大型企业，社保能减多少？")
    page.locator("#chat .answer.draft").last.wait_for()
    final = page.locator("#chat .answer:not(.draft)").last
    final.wait_for()
    text = final.inner_text()
    # The draft said 3000元; the check refused it, and the extractive answer quotes the clause.
    assert "3000元" not in text and "引用已核对" not in text
    assert "减半征收" in text and "第16条" in text
