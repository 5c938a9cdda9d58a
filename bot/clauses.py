"""Policy text → clause records, document metadata and parse warnings.

Chinese policy documents number their units in a handful of styles ("16.", "1、",
"第十六条", "（一）"), and the same styles also appear as headings or as items
inside a clause. The parser first decides which style is the *clause* level (the
highest-ranked style whose numbers run in order without restarting), treats the
styles above it as section headings, and everything else as clause text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from .text import clean_spaces, cn_to_int, split_sentences

PARSER_NAME = "clauses-v1"

_CN = "零〇一二三四五六七八九十百千两"

# Detection runs on the NFKC form of a line, so full-width digits and brackets match too.
_STYLES = {
    # style: (regex capturing number and rest, is it allowed as the clause level)
    "article": re.compile(rf"^第([{_CN}\d]+)条\s*(.*)$"),
    "arabic": re.compile(r"^(\d{1,4})\s*[.、](?!\d)\s*(.*)$"),
    "paren": re.compile(rf"^\(([{_CN}]+)\)\s*(.*)$"),
    "cn": re.compile(rf"^([{_CN}]+)、\s*(.*)$"),
}
_CLAUSE_PRIORITY = ["article", "arabic", "paren", "cn"]
_CHAPTER = re.compile(rf"^第([{_CN}\d]+)([章编节])\s*(.*)$")

# Lines of a saved web page that belong to the page, not to the document.
_DEBRIS = [
    re.compile(r"^(首页|当前位置|您的位置|位置)\s*[>＞:：]"),
    re.compile(r"(大字体|小字体|扫码带走|分享到|【?打印】?$|关闭窗口|返回顶部|【关闭】)"),
    re.compile(r"^(打印|关闭|收藏|字号)\s*$"),
    re.compile(r"^责任编辑"),
    re.compile(r"^(编辑|审核|校对)[:：]"),
]
_DATE = re.compile(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SOURCE = re.compile(r"来源\s*[:：]\s*(\S+)")
_DOC_NAME = re.compile(r"《([^》]{4,120})》")
_CLOSING_START = re.compile(
    r"^(本(意见|办法|规定|条例|通知|细则|措施|方案|政策)|各(区县|地|部门|单位|级)|以上|此前|自.{0,10}起施行)"
)
_TITLE_MAX = 40


class ParseError(ValueError):
    """A source with no clause structure; str(e) is a one-line reason."""


@dataclass
class Clause:
    number: int | None
    label: str
    title: str
    section: str
    text: str
    role: str = "clause"  # clause | part | preamble | closing | paragraph

    @property
    def key(self) -> str:
        """Identity across versions: the number, or the role and label of an unnumbered part."""
        return str(self.number) if self.number is not None else f"{self.role}:{self.label}"

    def sentences(self) -> list[str]:
        return split_sentences(self.text)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Document:
    clauses: list[Clause]
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def by_number(self, number: int) -> Clause | None:
        return next((c for c in self.clauses if c.number == number), None)


@dataclass
class _Line:
    raw: str   # whitespace-normalised original
    norm: str  # NFKC form used for pattern matching


def _style_of(line: _Line) -> tuple[str, int, str] | None:
    for name, rx in _STYLES.items():
        m = rx.match(line.norm)
        if m:
            n = cn_to_int(m.group(1))
            if n is not None and n > 0:
                return name, n, m.group(2)
    return None


def _is_heading_text(rest: str) -> bool:
    """A heading is a short phrase, not a sentence."""
    return 0 < len(rest) <= 40 and not re.search(r"[。；;!！?？]", rest.rstrip("。"))


def _counts_up(nums: list[int]) -> bool:
    """A clause level counts up through the whole document; a style that keeps
    restarting is an item list inside clauses, not a level of structure."""
    restarts = sum(1 for a, b in zip(nums, nums[1:]) if b <= a)
    return len(nums) >= 2 and restarts <= max(1, len(nums) // 10)


def _choose_styles(lines: list[_Line]) -> tuple[str | None, set[str]]:
    """The clause style, and the styles that act as section headings above it."""
    seqs: dict[str, list[int]] = {s: [] for s in _STYLES}
    for line in lines:
        st = _style_of(line)
        if st:
            seqs[st[0]].append(st[1])
    style = next((s for s in _CLAUSE_PRIORITY if _counts_up(seqs[s])), None)
    # Articles (第X条) sit under chapters only; "（一）" inside them are items.
    above = {"arabic": ["cn", "paren"], "paren": ["cn"]}.get(style, [])
    return style, {s for s in above if s == "cn" or _counts_up(seqs[s])}


def _title_of(rest: str) -> str:
    first = re.split(r"[。；;]", rest, maxsplit=1)[0].strip()
    first = re.sub(r"^[【\[]([^】\]]+)[】\]]$", r"\1", first)
    if len(first) > _TITLE_MAX:
        first = first[: _TITLE_MAX - 1] + "…"
    return first


def _metadata(head: list[_Line], page_head: list[_Line], lead: list[_Line], tail: list[_Line]) -> dict:
    meta: dict = {}
    for line in page_head + tail:
        if "date" not in meta:
            m = _DATE.search(line.norm)
            if m:
                y, mo, d = (int(g) for g in m.groups())
                if 1 <= mo <= 12 and 1 <= d <= 31:
                    meta["date"] = f"{y:04d}-{mo:02d}-{d:02d}"
        if "source" not in meta:
            m = _SOURCE.search(line.raw)
            if m:
                meta["source"] = m.group(1)
    for line in head:
        if not _DATE.search(line.norm) and len(line.raw) <= 80 and not re.search(r"[。;；]$", line.raw):
            meta.setdefault("headline", line.raw)
    for line in lead:
        m = _DOC_NAME.search(line.raw)
        if m and re.search(r"(印发|出台|发布|制定|通过)", line.raw):
            meta["title"] = m.group(1)
            break
    if "title" not in meta and "headline" in meta:
        meta["title"] = meta["headline"]
    return meta


def _is_debris(line: _Line) -> bool:
    return any(rx.search(line.norm) for rx in _DEBRIS)


def parse(text: str, *, allow_paragraphs: bool = False) -> Document:
    """Parse a document's text. Raises ParseError when no clause numbering is found,
    unless ``allow_paragraphs`` asks for one record per paragraph instead."""
    lines: list[_Line] = []
    for raw in text.splitlines():
        raw = clean_spaces(raw)
        if raw:
            lines.append(_Line(raw, unicodedata.normalize("NFKC", raw)))
    body = [ln for ln in lines if not _is_debris(ln)]
    # The dateline of a web page is debris, yet it carries the issuing date and source.
    page_head = []
    for ln in lines:
        if _style_of(ln) or _CHAPTER.match(ln.norm):
            break
        page_head.append(ln)
    if not body:
        raise ParseError("文档没有正文 / the document has no text")

    style, heading_styles = _choose_styles(body)
    if style is None:
        if not allow_paragraphs:
            raise ParseError(
                "未识别到条款编号（如“1.”“第一条”“（一）”）/ no clause numbering found; "
                "allow paragraph chunking to index it anyway"
            )
        return _paragraphs(body)

    clauses: list[Clause] = []
    warnings: list[str] = []
    head: list[_Line] = []      # lines before any structure: headline, dateline
    preamble: list[_Line] = []
    sections: list[str] = []    # [level-1 heading, level-2 heading]
    current: Clause | None = None
    current_cont = 0
    continued: list[int] = []   # per clause, how many extra paragraphs it has
    part: Clause | None = None
    seen_structure = False

    def close_current():
        nonlocal current, current_cont
        if current is not None:
            continued.append(current_cont)
        current, current_cont = None, 0

    for line in body:
        chapter = _CHAPTER.match(line.norm)
        st = _style_of(line)
        if chapter:
            close_current()
            part = None
            seen_structure = True
            level = 1 if chapter.group(2) in "章编" else 2
            sections[level - 1:] = [line.raw]
            continue
        if st and st[0] in heading_styles and _is_heading_text(st[2]):
            close_current()
            part = None
            seen_structure = True
            level = 1 if st[0] == "cn" else 2
            if level == 2 and not sections:
                sections = [""]
            sections[level - 1:] = [line.raw]
            if level == 1:
                # The body under a top-level heading before its first clause is an
                # unnumbered part (e.g. 总体要求), indexed as its own record.
                part = Clause(None, st[2].rstrip("。:："), st[2].rstrip("。:："), line.raw, "", "part")
            continue
        if st and st[0] == style:
            close_current()
            part = None
            seen_structure = True
            number, rest = st[1], st[2]
            current = Clause(number, f"第{number}条", _title_of(rest), " / ".join(s for s in sections if s),
                             line.raw, "clause")
            clauses.append(current)
            continue
        if current is not None:
            current.text += "\n" + line.raw
            current_cont += 1
        elif part is not None:
            part.text = (part.text + "\n" + line.raw).strip()
            if part not in clauses:
                clauses.append(part)
        elif not seen_structure:
            (preamble if (preamble or not _looks_like_head(line)) else head).append(line)
    close_current()

    numbered = [c for c in clauses if c.role == "clause"]
    closing = _split_closing(numbered, continued)

    meta = _metadata(head, page_head, preamble[:2], closing or [])
    pre: list[Clause] = []
    if preamble:
        pre.append(Clause(None, "前言", _title_of(preamble[-1].raw), "", "\n".join(ln.raw for ln in preamble),
                          "preamble"))
    if closing:
        clauses.append(Clause(None, "结语", _title_of(closing[0].raw), "", "\n".join(ln.raw for ln in closing),
                              "closing"))
    warnings.extend(_numbering_warnings(numbered))
    for c in numbered:
        if not re.sub(r"^\S*?[.、)）条]\s*", "", c.text).strip():
            warnings.append(f"{c.label} 内容为空 / {c.label} is empty")
    return Document(pre + clauses, meta, warnings)


def _looks_like_head(line: _Line) -> bool:
    """Headline and dateline of a page come before the document body and are short."""
    return len(line.raw) <= 80 and not re.search(r"[。；;]", line.raw)


def _split_closing(numbered: list[Clause], continued: list[int]) -> list[_Line] | None:
    """Paragraphs after the last clause that belong to the document, not to that clause.

    When no other clause spans several paragraphs, a trailing paragraph is the
    document's closing; otherwise only one that reads like a closing formula is.
    """
    if not numbered or not continued:
        return None
    last = numbered[-1]
    paras = last.text.split("\n")
    if len(paras) < 2:
        return None
    others_multi = any(n > 0 for n in continued[:-1])
    cut = None
    for i in range(1, len(paras)):
        if not others_multi or _CLOSING_START.match(unicodedata.normalize("NFKC", paras[i])):
            cut = i
            break
    if cut is None:
        return None
    last.text = "\n".join(paras[:cut])
    return [_Line(p, unicodedata.normalize("NFKC", p)) for p in paras[cut:]]


def _numbering_warnings(numbered: list[Clause]) -> list[str]:
    out, seen = [], set()
    prev = 0
    for c in numbered:
        n = c.number
        if n in seen:
            out.append(f"编号重复：第{n}条 / duplicate clause number {n}")
        elif n > prev + 1:
            missing = f"{prev + 1}" if n == prev + 2 else f"{prev + 1}–{n - 1}"
            out.append(f"编号不连续：第{prev}条之后是第{n}条 / numbering gap: {missing} missing")
        seen.add(n)
        prev = max(prev, n)
    return out


def _paragraphs(body: list[_Line]) -> Document:
    """Fallback for unnumbered documents: one record per paragraph, labelled by position."""
    clauses = [
        Clause(None, f"第{i}段", _title_of(ln.raw), "", ln.raw, "paragraph") for i, ln in enumerate(body, 1)
    ]
    return Document(clauses, {}, ["未识别到条款编号，已按段落切分 / no clause numbering: split by paragraph"])


def sentences_of(clause: Clause) -> list[str]:
    return split_sentences(clause.text)
