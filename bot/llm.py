"""Generative answers: retriever → prompt → chat model → checked answer.

The model only ever rewrites what the retrieved clauses say, and nothing it writes
reaches a resident unchecked: every clause it cites must be one it was given, every
number it states must stand in a clause it cites, and it must cite at least one.
Anything else — a failed check, an error, a timeout — gives the extractive answer
instead, and the reason is logged (logger ``bot.llm``). Refusals are decided
before the model is called, by the extractive answerer and its threshold, so an
out-of-scope or adversarial question never reaches the model at all.
"""
from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

from langchain_core.documents import Document as LCDocument
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from .answer import Answer, ExtractiveAnswerer, set_aside
from .langchain_retriever import ClauseRetriever
from .text import CN_DIGITS, clean_spaces, cn_to_int, fold, split_sentences

log = logging.getLogger("bot.llm")

PROVIDERS = ("openai", "llamacpp")
PLACEHOLDERS = ("doc_title", "doc_date", "refusal", "context", "history", "question")


class LLMConfigError(ValueError):
    """The generative answerer cannot be set up; str(e) is one line for the operator."""


@dataclass
class LLMAnswer(Answer):
    generated: bool = False              # True: the model's text, checked; False: the extractive answer
    fallback_reason: str | None = None   # why the model's answer was not used (None when it was, or on refusal)


# ---------------------------------------------------------------- the check

_CN_NUM = "零〇一二三四五六七八九十百千两"
_CITE_NUM = rf"[0-9{_CN_NUM}]+"
# "第16条", "第十六条", "第16、17条", "第16条和第17条" (folded text: 條 → 条, full-width → ASCII)
_CITATION = re.compile(rf"第\s*({_CITE_NUM}(?:\s*[、,和及与]\s*(?:第\s*)?{_CITE_NUM})*)\s*条"
                       r"|\b(?:clause|article)s?\s*(\d+)", re.IGNORECASE)
_MAGNITUDE = {"千": 1000, "万": 10_000, "亿": 100_000_000}
# Longest first; a unit fixes what a number means ("5个月" is not "5月", February).
_UNITS = ["个工作日", "工作日", "个小时", "小时", "个月", "周岁", "平方米", "公里", "人次", "%", "元", "年", "月",
          "日", "天", "周", "岁", "倍", "人", "户", "家", "次", "项", "个", "张", "台", "床", "吨", "亩"]
_SAME_UNIT = {"天": "日", "个小时": "小时", "个工作日": "工作日", "周岁": "岁"}
# Chinese numerals count only before a unit of measure: "一" alone is in 统一, 进一步, 一律…
_CN_UNITS = ["个工作日", "个小时", "小时", "个月", "周岁", "年", "月", "日", "天", "周", "岁", "倍", "元", "人", "户", "家"]
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)\s*([千万亿])?\s*(" + "|".join(map(re.escape, _UNITS)) + r"|[至到~～—-])?")
_RANGE_TO = "至到~～—-"
_CHINESE = re.compile(rf"([{_CN_NUM}]+)\s*([万亿])?\s*(" + "|".join(_CN_UNITS) + ")")
_PERCENT_CN = re.compile(rf"百分之([0-9.{_CN_NUM}]+)")

Fact = tuple[Decimal, str]  # (value, unit or "")


def _normalise(text: str) -> str:
    """Folded (full-width → ASCII, traditional → simplified) with thousands separators dropped."""
    return fold(re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text))


def facts(text: str, *, normalised: bool = False) -> set[Fact]:
    """Every number in ``text`` with its unit: "2000万元" → (20000000, 元), "五个月" → (5, 个月),
    "百分之八十" → (80, %), "2020年2月" → (2020, 年) and (2, 月)."""
    t = text if normalised else _normalise(text)
    out: set[Fact] = set()

    def add(value, magnitude, unit):
        if value is None:
            return
        unit = unit or ""
        out.add((Decimal(value) * _MAGNITUDE.get(magnitude or "", 1), _SAME_UNIT.get(unit, unit)))

    for m in _PERCENT_CN.finditer(t):
        try:
            add(Decimal(m.group(1)) if m.group(1)[0].isdigit() else _cn_value(m.group(1)), None, "%")
        except InvalidOperation:
            pass
    t = _PERCENT_CN.sub(" ", t)
    opened: list[tuple[str, str]] = []  # range starts waiting for the unit at the range's end
    for m in _ARABIC.finditer(t):
        value, magnitude, unit = m.groups()
        if unit and unit in _RANGE_TO:
            opened.append((value, magnitude))
            continue
        for v, mg in opened:  # "3至6个月" states 3个月 as well as 6个月
            add(v, mg or magnitude, unit)
        opened.clear()
        add(value, magnitude, unit)
    for v, mg in opened:
        add(v, mg, "")
    for m in _CHINESE.finditer(t):
        add(_cn_value(m.group(1)), m.group(2), m.group(3))
    return out


def _cn_value(token: str) -> int | None:
    """"十六" → 16, and digit by digit when there is no 十/百/千: "二〇二〇" → 2020."""
    if all(c in CN_DIGITS for c in token):
        return int("".join(str(CN_DIGITS[c]) for c in token))
    return cn_to_int(token)


def _supported(fact: Fact, known: set[Fact]) -> bool:
    value, unit = fact
    if not unit:
        return any(v == value for v, _ in known)
    return fact in known


def cited_tags(text: str, tags: set[str]) -> list[str]:
    """Clause tags the answer cites, in order: "第16条" for numbered clauses; the label
    (总体要求, 前言…) in brackets for unnumbered parts, when it is one of ``tags``."""
    t = fold(text)
    found: list[tuple[int, str]] = []
    for m in _CITATION.finditer(t):
        for n in re.split(r"[、,和及与第\s]+", m.group(1) or m.group(2)):
            if n and cn_to_int(n) is not None:
                found.append((m.start(), f"第{cn_to_int(n)}条"))
    for tag in tags:
        if not tag.startswith("第"):
            m = re.search(rf"[（(【\[「]\s*{re.escape(fold(tag))}\s*[）)】\]」]", t)
            if m:
                found.append((m.start(), tag))
    return list(dict.fromkeys(tag for _, tag in sorted(found)))


@dataclass
class Verdict:
    ok: bool
    reason: str | None = None  # empty | model_declined | no_citation | citation_not_in_context | unsupported_number
    detail: str = ""
    cited: list[str] | None = None
    facts: set[Fact] | None = None


def check(text: str, context: dict[str, str], refusal: str = "", labels: set[str] = frozenset()) -> Verdict:
    """Is ``text`` backed by ``context`` (tag → clause text)? See the module docstring.
    ``labels`` are the document's unnumbered parts (总体要求…), so citing one outside
    the context is caught too."""
    body = text.strip()
    if not body:
        return Verdict(False, "empty", "the model returned no text")
    if refusal and _squash(refusal) in _squash(body):
        return Verdict(False, "model_declined", "the model said the clauses do not answer the question")
    cited = cited_tags(body, set(context) | set(labels))
    if not cited:
        return Verdict(False, "no_citation", "the answer cites no clause")
    foreign = [c for c in cited if c not in context]
    if foreign:
        return Verdict(False, "citation_not_in_context",
                       f"cites {'、'.join(foreign)}; context was {'、'.join(context)}")
    # Citation markers are references, not facts: "第16条" must not count as the number 16.
    stated = facts(_CITATION.sub(" ", _normalise(body)), normalised=True)
    known = set().union(*(facts(context[c]) for c in cited))
    missing = sorted(f"{_show(v)}{u}" for v, u in stated if not _supported((v, u), known))
    if missing:
        return Verdict(False, "unsupported_number", f"{'、'.join(missing)} not in {'、'.join(cited)}")
    return Verdict(True, cited=cited, facts=stated)


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def _show(v: Decimal) -> str:
    return format(v.normalize(), "f")


# ---------------------------------------------------------------- prompts and models

def load_prompts(prompts_dir) -> tuple[ChatPromptTemplate, str]:
    """The chat prompt from ``system.txt`` + ``answer.txt``, and the refusal sentence from
    ``refusal.txt``. Plain files so an admin can reword them; placeholders stay in braces."""
    d = Path(prompts_dir)
    try:
        system, human, refusal = ((d / n).read_text(encoding="utf-8").strip()
                                  for n in ("system.txt", "answer.txt", "refusal.txt"))
    except FileNotFoundError as e:
        raise LLMConfigError(f"prompt file missing: {e.filename}") from None
    prompt = ChatPromptTemplate.from_messages([("system", system), ("human", human)])
    missing = {"context", "question"} - set(prompt.input_variables)
    if missing:
        raise LLMConfigError(f"{d / 'answer.txt'} must contain the placeholders "
                             + ", ".join("{" + m + "}" for m in sorted(missing)))
    unknown = set(prompt.input_variables) - set(PLACEHOLDERS)
    if unknown:
        raise LLMConfigError(f"unknown placeholders in {d}/system.txt or answer.txt: "
                             + ", ".join("{" + u + "}" for u in sorted(unknown)) + " (write {{ }} for a brace)")
    return prompt, refusal


def make_chat_model(settings):
    """The chat model the settings select. Configuration errors raise LLMConfigError
    (one line); runtime errors are left to the answerer, which falls back."""
    s = settings
    if s.llm_provider == "openai":
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr

        if not s.llm_model:
            raise LLMConfigError("set llm_model (POLICYBOT_LLM_MODEL) to the model name the server serves")
        key = s.llm_api_key or SecretStr(os.environ.get("OPENAI_API_KEY") or "not-needed")  # local servers take any
        # max_tokens goes in the body as is: langchain would rename it max_completion_tokens,
        # which older vLLM, Ollama and hosted Qwen/DeepSeek endpoints do not know.
        return ChatOpenAI(model=s.llm_model, base_url=s.llm_base_url or None, api_key=key,
                          timeout=s.llm_timeout_s, max_retries=0, temperature=s.llm_temperature,
                          extra_body={"max_tokens": s.llm_max_tokens}, use_responses_api=False)
    if s.llm_provider == "llamacpp":
        path = Path(s.llm_gguf_path) if s.llm_gguf_path else None
        if path is None or not path.is_file():
            raise LLMConfigError(f"llamacpp: GGUF model file not found: {path or '(llm_gguf_path is not set)'}")
        try:
            import llama_cpp  # noqa: F401  (ChatLlamaCpp imports it only when built)
        except ImportError:
            raise LLMConfigError("llamacpp provider needs llama-cpp-python: pip install llama-cpp-python") from None
        from langchain_community.chat_models import ChatLlamaCpp

        return ChatLlamaCpp(model_path=str(path), temperature=s.llm_temperature, max_tokens=s.llm_max_tokens,
                            n_ctx=4096, verbose=False)
    raise LLMConfigError(f"llm_provider must be one of {', '.join(PROVIDERS)}, not {s.llm_provider!r}")


def _redact_url(url: str | None) -> str:
    return re.sub(r"//[^/@]*@", "//", url) if url else "(default)"


# ---------------------------------------------------------------- the answerer

_DONE = object()
_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)


class LLMAnswerer:
    """Same interface as :class:`ExtractiveAnswerer`, plus :meth:`stream` for the chat page."""

    def __init__(self, extractive: ExtractiveAnswerer, settings, model=None):
        self.extractive = extractive
        self.search = extractive.search
        self.timeout = float(settings.llm_timeout_s)
        self.context_clauses = int(settings.llm_context_clauses)
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        self._secrets = [x for x in (key, os.environ.get("OPENAI_API_KEY", "")) if len(x) >= 4]
        self._labels = {c.label for c in self.search.clauses if c.number is None}
        self.prompt, self.refusal = load_prompts(settings.prompts_dir)
        self.model = model if model is not None else make_chat_model(settings)
        self.chain = self.prompt | self.model | StrOutputParser()
        # A local model is one process-wide object that must not run two generations at once,
        # including one left running after its caller timed out.
        self._serial = threading.Lock() if settings.llm_provider == "llamacpp" and model is None \
            else contextlib.nullcontext()
        if model is None:
            log.info("generative answers: provider=%s model=%s base_url=%s timeout=%gs", settings.llm_provider,
                     settings.llm_model or settings.llm_gguf_path, _redact_url(settings.llm_base_url), self.timeout)

    def __getattr__(self, name):
        # Anything else the extractive answerer offers (templates, hotline…), so this is a drop-in.
        if name == "extractive":
            raise AttributeError(name)
        return getattr(self.extractive, name)

    # ------------------------------------------------------------ public
    def answer(self, question, history: list[dict] | None = None, *, k: int = 10, mode: str = "hybrid",
               chunking: str = "clause") -> LLMAnswer:
        final = None
        for final in self._run(question, history, k=k, mode=mode, chunking=chunking, streaming=False):
            pass
        return final

    def stream(self, question, history: list[dict] | None = None, *, k: int = 10, mode: str = "hybrid",
               chunking: str = "clause") -> Iterator[str | LLMAnswer]:
        """Draft text pieces (``str``, unchecked) as the model writes them, then exactly one
        :class:`LLMAnswer` — whose ``text`` replaces the draft."""
        return self._run(question, history, k=k, mode=mode, chunking=chunking, streaming=True)

    # ------------------------------------------------------------ steps
    def _run(self, question, history, *, k, mode, chunking, streaming) -> Iterator[str | LLMAnswer]:
        ext = self.extractive.answer(question, history, k=k, mode=mode, chunking=chunking)
        if ext.refused:
            yield _wrap(ext)
            return
        docs = ClauseRetriever(search=self.search, k=max(1, min(k, self.context_clauses)), mode=mode,
                               chunking=chunking).invoke(ext.query or question)
        context = {_tag(d): f"{d.metadata['title']}\n{d.page_content}" for d in docs}
        # The model sees the question without the rule-changing instructions the
        # extractive answerer set aside (it is told to treat the question as data, too).
        text = clean_spaces(question)
        values = self._values(set_aside(text) or text, history, ext, docs)
        draft: list[str] = []
        try:
            for piece in self._generate(values, streaming):
                draft.append(piece)
                if streaming:
                    yield piece
        except Exception as e:  # noqa: BLE001 - whatever the model did, the resident gets an answer
            timeout = isinstance(e, TimeoutError) or "timeout" in type(e).__name__.lower()
            yield self._fallback(ext, "timeout" if timeout else "model_error",
                                 f"{type(e).__name__}: {self._scrub(str(e))[:300]}")
            return
        # Reasoning models (Qwen3, DeepSeek-R1) may put their thinking in the content; it is no answer.
        text = _THINK.sub("", "".join(draft)).strip()
        verdict = check(text, context, self.refusal, self._labels)
        if not verdict.ok:
            log.debug("rejected draft: %s", text)
            yield self._fallback(ext, verdict.reason, verdict.detail)
            return
        yield self._accepted(text, verdict, ext, {_tag(d): d for d in docs})

    def _values(self, question: str, history, ext: Answer, docs: list[LCDocument]) -> dict:
        doc = self.extractive._doc_values()
        previous = ""
        if ext.query and ext.query != question:  # a follow-up: the model needs what it follows
            turns = [t.get("content", "") for t in history or [] if t.get("role") == "user" and t.get("content")]
            if turns:
                previous = f"上一个问题：\n<previous_question>\n{_as_data(turns[-1])}\n</previous_question>\n\n"
        context = "\n\n".join(f"[{_tag(d)}] {d.metadata['title']}\n{d.page_content}" for d in docs)
        return {"doc_title": doc["doc_title"], "doc_date": doc["doc_date"], "refusal": self.refusal,
                "context": context, "history": previous, "question": _as_data(question)}

    def _generate(self, values: dict, streaming: bool) -> Iterator[str]:
        """The chain's output pieces, all within ``timeout`` seconds or TimeoutError.

        The call runs in a daemon thread so a hung socket or a slow local model cannot
        hold the resident past the deadline; the thread is told to stop and left behind.
        """
        out: queue.Queue = queue.Queue()
        stop = threading.Event()

        def work():
            try:
                with self._serial:
                    if stop.is_set():
                        return
                    pieces = self.chain.stream(values) if streaming else iter([self.chain.invoke(values)])
                    with contextlib.closing(pieces) if hasattr(pieces, "close") else contextlib.nullcontext():
                        for piece in pieces:
                            if stop.is_set():
                                return
                            out.put(piece)
                out.put(_DONE)
            except BaseException as e:  # noqa: BLE001 - handed to the waiting caller
                out.put(e)

        threading.Thread(target=work, name="bot.llm", daemon=True).start()
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    item = out.get(timeout=max(deadline - time.monotonic(), 0.0))
                except queue.Empty:
                    raise TimeoutError(f"no complete answer within {self.timeout:g} s") from None
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    def _accepted(self, text: str, verdict: Verdict, ext: Answer, by_tag: dict[str, LCDocument]) -> LLMAnswer:
        citations, quotes = [], []
        for tag in verdict.cited:
            d = by_tag[tag]
            citations.append({"number": d.metadata["number"], "label": d.metadata["label"],
                              "title": d.metadata["title"]})
            quotes.append({"label": d.metadata["label"], "sentences": _evidence(d, verdict.facts)})
        doc = self.extractive._doc_values()
        if doc["doc_date"][:4].isdigit():  # the same dated-policy note as the extractive answer, not generated
            text = f"{text}\n\n{self.extractive._fill(ext.language, 'dated', **doc)}"
        return _wrap(ext, text=text, citations=citations, quotes=quotes, generated=True)

    def _fallback(self, ext: Answer, reason: str, detail: str) -> LLMAnswer:
        log.warning("generative answer replaced by the extractive one: reason=%s detail=%s", reason, detail)
        return _wrap(ext, fallback_reason=reason)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _tag(d: LCDocument) -> str:
    n = d.metadata.get("number")
    return f"第{n}条" if n is not None else d.metadata["label"]


def _as_data(text: str) -> str:
    """The resident's words cannot close or open the delimiters around them."""
    return unicodedata.normalize("NFC", text).replace("<", "＜").replace(">", "＞")


def _evidence(d: LCDocument, stated: set[Fact]) -> list[str]:
    """The clause sentences holding the facts the answer states, else its best-matching one."""
    sentences = split_sentences(d.page_content)
    with_facts = [s for s in sentences if stated and any(_supported(f, facts(s)) for f in stated)]
    if with_facts:
        return with_facts
    best = d.metadata.get("sentences") or []
    return [best[0][0]] if best else sentences[:1]


def _wrap(ext: Answer, **changes) -> LLMAnswer:
    values = {f.name: getattr(ext, f.name) for f in fields(ext)}
    values.update(changes)
    return LLMAnswer(**values)
