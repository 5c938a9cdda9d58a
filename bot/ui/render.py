"""HTML for the pages. Every piece of user or document text passes through :func:`esc`;
nothing here decides what to answer or find, it only lays out what the library returned."""
from __future__ import annotations

import re
from html import escape

from ..clauses import Clause

# Delegated, so it also works for buttons rendered later by any component.
HEAD = """
<script>
(function () {
  // Search-as-you-type may re-render the results just after a click, replacing the
  // button that was clicked, so a copied citation's buttons keep their mark until it expires.
  var LABEL = '复制引用', DONE = '已复制 ✓', until = {};
  // (Outside the moments after a copy it returns at once: the observer also sees every
  // streamed chat token.)
  function refresh() {
    var now = Date.now(), marked = Object.keys(until);
    if (!marked.length) return;
    document.querySelectorAll('.copy-cite').forEach(function (b) {
      var t = until[b.getAttribute('data-cite')];
      var want = t && now < t ? DONE : LABEL;
      if (b.textContent !== want) b.textContent = want;
    });
    marked.forEach(function (k) { if (until[k] <= now) delete until[k]; });
  }
  new MutationObserver(refresh).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('.copy-cite') : null;
    if (!b) return;
    e.preventDefault();
    var text = b.getAttribute('data-cite') || '';
    function done() { until[text] = Date.now() + 1500; refresh(); setTimeout(refresh, 1600); }
    function fallback() {
      var t = document.createElement('textarea');
      t.value = text; t.style.position = 'fixed'; t.style.opacity = '0';
      document.body.appendChild(t); t.select();
      try { document.execCommand('copy'); done(); } finally { t.remove(); }
    }
    // The clipboard API needs a secure context (https or localhost); behind a
    // plain-http proxy the hidden-textarea fallback still copies.
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });
})();
</script>
"""

CSS = """
.gradio-container { max-width: 920px !important; margin: auto; }
.welcome { font-size: 15px; line-height: 1.6; padding: 4px 2px; }
.answer p { margin: 0 0 .5em 0; }
.answer.refused { color: var(--body-text-color); }
.answer .call { display: inline-block; margin-top: .3em; padding: .2em .8em; border-radius: 999px;
  background: var(--color-accent-soft); text-decoration: none; font-weight: 600; }
.answer.draft { opacity: .75; }
.answer .checking, .answer .verified { font-size: .85em; color: var(--body-text-color-subdued); margin: 0 0 .3em; }
.chips { display: flex; flex-direction: column; gap: .3em; margin-top: .5em; }
details.cite > summary { display: inline-block; cursor: pointer; padding: .15em .7em; border-radius: 999px;
  border: 1px solid var(--border-color-accent); background: var(--color-accent-soft); font-size: .92em;
  list-style: none; }
details.cite > summary::-webkit-details-marker { display: none; }
details.cite[open] > summary { font-weight: 600; }
.clause-text { white-space: pre-wrap; margin: .4em 0; padding: .5em .7em; border-left: 3px solid
  var(--border-color-accent); background: var(--background-fill-secondary); line-height: 1.7; }
.hit { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .8em; margin: .5em 0; }
.hit .head { display: flex; gap: .5em; align-items: baseline; flex-wrap: wrap; }
.hit .label { font-weight: 700; }
.hit .section { color: var(--body-text-color-subdued); font-size: .88em; }
.hit mark { background: #ffe58a; color: inherit; padding: 0 .1em; }
.copy-cite { margin-left: auto; padding: .15em .7em; border-radius: 6px; border: 1px solid var(--border-color-accent);
  background: var(--button-secondary-background-fill); cursor: pointer; font-size: .88em; }
.toc details { margin: .2em 0; }
.toc .part { margin-top: .8em; font-weight: 700; }
.diff { margin: .3em 0 .6em; padding: .4em .6em; background: var(--background-fill-secondary); line-height: 1.7; }
.diff del { background: #ffd7d5; color: #82071e; }
.diff ins { background: #ccffd8; color: #055d20; text-decoration: none; font-weight: 600; }
.error { color: #b00020; font-weight: 600; }
.empty { color: var(--body-text-color-subdued); padding: .5em 0; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  .welcome { font-size: 14px; }
}
"""


def esc(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(p).replace(chr(10), '<br>')}</p>" for p in str(text).split("\n\n") if p.strip())


def doc_name(meta: dict) -> str:
    title = meta.get("title") or "本政策"
    return f"《{title}》" + (f"（{meta['date']}）" if meta.get("date") else "")


def welcome(meta: dict, hotline: str) -> str:
    return (f'<div class="welcome">您好！我根据{esc(doc_name(meta))}回答政策问题，并注明依据的条款，'
            f'点击条款可查看原文。文件没有规定的事项，请拨打 <b>{esc(hotline)}</b> 市民热线。</div>')


def highlight(text: str, sentences: list[str]) -> str:
    """The clause text, escaped, with the given sentences wrapped in <mark>."""
    spans = []
    for s in sentences:
        s = s.strip()
        start = text.find(s) if s else -1
        if start >= 0:
            spans.append((start, start + len(s)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(esc(text[pos:start]) + f"<mark>{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def citation_text(meta: dict, clause: Clause) -> str:
    """What a hotline agent reads out: 依据《…》第16条：<the clause>. The whole clause, not
    just the highlighted sentences: a quote cut short can drop the condition that matters."""
    title = meta.get("title") or "本政策"
    # "16.阶段性减免…" would be read out as "第16条：16.…"
    body = re.sub(r"^\s*\d+\s*[.、．]\s*", "", clause.text)
    return f"依据《{title}》{clause.label}：{body}"


def chip(clause: Clause) -> str:
    """A citation chip: the label and title; opening it shows the clause's full text."""
    return (f'<details class="cite"><summary>{esc(clause.label)} · {esc(clause.title)}</summary>'
            f'<div class="clause-text">{esc(clause.text)}</div></details>')


def answer(answer, clauses: dict[str, Clause], hotline: str) -> str:
    """One bot message: the answer text, the citation chips, and a call link when refused."""
    parts = [paragraphs(answer.text)]
    if answer.refused:
        parts.append(f'<a class="call" href="tel:{esc(hotline)}">拨打 {esc(hotline)} 咨询</a>')
    if getattr(answer, "generated", False):
        parts.append('<p class="verified">✓ 引用已核对：所述内容均出自下列条款</p>')
    chips = [chip(clauses[c["label"]]) for c in answer.citations if c.get("label") in clauses]
    if chips:
        parts.append('<div class="chips">' + "".join(chips) + "</div>")
    return f'<div class="answer{" refused" if answer.refused else ""}">{"".join(parts)}</div>'


def draft(text: str) -> str:
    """A generative answer while it is being written: plain text, marked as not yet checked,
    with no citations (they are shown only once the whole answer has passed the check)."""
    return f'<div class="answer draft"><p class="checking">正在生成，引用核对中…</p>{paragraphs(text)}</div>'


def question(text: str) -> str:
    return f'<div class="question">{esc(text)}</div>'


def matched(hit, limit: int = 3, floor: float = 0.0) -> list[str]:
    """The hit's sentences worth highlighting: its best, and those close to it, if they
    clear ``floor`` (so a weak hit far down the list does not light up everywhere)."""
    scored = [(s, sc) for s, sc in hit.sentences if sc > 0]
    if not scored or scored[0][1] < floor:
        return []
    best = scored[0][1]
    return [s for s, sc in scored[:limit] if sc >= 0.6 * best]


def clause_card(meta: dict, clause: Clause, marks: list[str] | None = None) -> str:
    cite = citation_text(meta, clause)
    return (f'<div class="hit"><div class="head"><span class="label">{esc(clause.label)}</span>'
            f'<span class="title">{esc(clause.title)}</span>'
            f'<button class="copy-cite" type="button" data-cite="{esc(cite)}">复制引用</button></div>'
            f'<div class="section">{esc(clause.section)}</div>'
            f'<div class="clause-text">{highlight(clause.text, marks or [])}</div></div>')


def hits(meta: dict, results: list, query: str) -> str:
    if not query.strip():
        return '<div class="empty">输入关键词或条款号（如“社保”“16”“第十六条”）即可查找。</div>'
    if not results:
        return f'<div class="empty">没有找到与“{esc(query)}”相关的条款。</div>'
    top = max((sc for h in results for _, sc in h.sentences[:1]), default=0.0)
    # data-query says which keystroke these results answer (searches run as one types).
    return (f'<div class="hits" data-query="{esc(query)}">'
            + "".join(clause_card(meta, h.clause, matched(h, floor=0.5 * top)) for h in results) + "</div>")


def toc(meta: dict, clauses: list[Clause]) -> str:
    """Every clause, grouped by its section, each opening to its full text."""
    out, section = ['<div class="toc">'], None
    for c in clauses:
        if c.section != section:
            section = c.section
            out.append(f'<div class="part">{esc(section or doc_name(meta))}</div>')
        cite = citation_text(meta, c)
        out.append(f'<details><summary>{esc(c.label)} {esc(c.title)}</summary>'
                   f'<div class="clause-text">{esc(c.text)}</div>'
                   f'<button class="copy-cite" type="button" data-cite="{esc(cite)}">复制引用</button></details>')
    out.append("</div>")
    return "".join(out)
