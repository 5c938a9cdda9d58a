"""Policy text → clause records, document metadata and parse warnings.

Chinese policy documents number their units in a handful of styles ("16.", "1、",
"第十六条", "（一）"), and the same styles also appear as headings or as items
inside a clause. The parser first decides which style is the *clause* level (the
highest-ranked style whose numbers run in order through the document and are not
just one list inside another style's clause), treats the styles above it (and
第X章/节 chapters) as section headings, and everything else as clause text.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import takewhile
from dataclasses import asdict, dataclass, field

from .text import clean_spaces, cn_to_int, split_sentences

PARSER_NAME = "clauses-v2"

_CN = "零〇一二三四五六七八九十百千两"

# Detection runs on the NFKC form of a line, so full-width digits and brackets match too.
_STYLES = {
    "article": re.compile(rf"^第([{_CN}\d]+)条\s*(.*)$"),
    # (?!\d): "2.5亿元…" at the start of a paragraph is an amount, not clause 2.
    "arabic": re.compile(r"^(\d{1,4})\s*[.、](?!\d)\s*(.*)$"),
    "paren": re.compile(rf"^\(([{_CN}]+)\)\s*(.*)$"),
    "cn": re.compile(rf"^([{_CN}]+)、\s*(.*)$"),
}
_CLAUSE_PRIORITY = ["article", "arabic", "paren", "cn"]
# Numbered styles that may head groups of clauses of a given style. Articles (第X条)
# are grouped by chapters only, so a "（一）" or "一、" inside an article is an item.
_HEADINGS_OF = {"arabic": ["cn", "paren"], "paren": ["cn"]}
_CHAPTER = re.compile(rf"^第([{_CN}\d]+)(部分|[编章节])\s*(.*)$")
# Nesting depth of each kind of heading, outermost first: a heading replaces the
# current heading at its depth and every deeper one.
_DEPTH = {"部分": 0, "编": 0, "章": 1, "节": 2, "cn": 3, "paren": 4}

# Lines of a saved web page that belong to the page, not to the document.
_DEBRIS = [
    re.compile(r"^(首页|当前位置|您的位置|位置)\s*[>＞:：]"),
    # Only the bracketed 【打印】 anywhere: a heading may well end in "3D打印".
    re.compile(r"(大字体|小字体|扫码带走|分享到|【打印】|关闭窗口|返回顶部|【关闭】)"),
    re.compile(r"^(打印|关闭|收藏|字号)\s*$"),
    re.compile(r"^责任编辑"),
    re.compile(r"^(编辑|审核|校对)[:：]"),
]
_DATE = re.compile(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_LINE = re.compile(r"^\(?\s*(19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*\)?$")
# A preceding space keeps "资金来源：…" in a sentence from passing for the page's source.
_SOURCE = re.compile(r"(?:^|\s)来源\s*[:：]\s*(\S+)")
# The document's own name is the one the lead says was issued: "印发《…》", not any 《…》 cited.
_DOC_NAME = re.compile(r"(?:印发|出台|发布|制定|通过)了?《([^》]{4,120})》")
_DOC_NO = re.compile(r"[〔\[(（]\s*\d{4}\s*[〕\])）]\s*\d+\s*号")
_CLOSING_START = re.compile(
    r"^(本(意见|办法|规定|条例|通知|细则|措施|方案|政策)|各(区县|地|部门|单位|级)|以上|此前|自.{0,10}起施行)"
)
_SENTENCE_END = re.compile(r"[。!?][)\]”」』]*$")
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
class _Numbered:
    style: str
    number: int
    rest: str  # what follows the number, in the source's own characters


class _Line:
    """A whitespace-normalised source line. Patterns run on its NFKC form (so "１６．"
    and "（一）" match like "16." and "(一)"), but titles are cut from the raw text,
    so they keep the document's own full-width punctuation."""

    def __init__(self, raw: str):
        self.raw = raw
        pieces = [unicodedata.normalize("NFKC", c) for c in raw]
        self.norm = "".join(pieces)
        self._raw_at = [i for i, p in enumerate(pieces) for _ in p] + [len(raw)]
        self.num = self._numbered()

    def _numbered(self) -> _Numbered | None:
        for name, rx in _STYLES.items():
            m = rx.match(self.norm)
            if m:
                n = cn_to_int(m.group(1))
                if n is not None and n > 0:
                    return _Numbered(name, n, self.raw[self._raw_at[m.start(2)]:])
        return None

    def raw_from(self, norm_pos: int) -> str:
        return self.raw[self._raw_at[norm_pos]:]


def _is_heading_text(rest: str) -> bool:
    """A heading is a short phrase, not a sentence."""
    return 0 < len(rest) <= 40 and not re.search(r"[。；;!！?？]", rest.rstrip("。"))


def _counts_up(nums: list[int]) -> bool:
    """A clause level counts up through the whole document. A style that starts again
    at 1 is an item list repeated inside clauses; a stray duplicate or slip in the
    order is tolerated (and reported as a warning)."""
    steps = list(zip(nums, nums[1:]))
    if not steps or any(b == 1 and a > 1 for a, b in steps):
        return False
    return sum(1 for a, b in steps if b <= a) <= max(1, len(nums) // 10)


def _inside_one(positions: list[int], of: list[int]) -> bool:
    """All these lines fall within a single unit of the style at ``of`` (after its first
    line, before its next): they are items of one clause, not a level of structure."""
    units = {bisect_right(of, p) for p in positions}
    return len(units) == 1 and 0 not in units


def _choose_styles(lines: list[_Line]) -> tuple[str | None, set[str]]:
    """The clause style, and the styles that act as section headings above it."""
    pos: dict[str, list[int]] = {s: [] for s in _STYLES}
    nums: dict[str, list[int]] = {s: [] for s in _STYLES}
    for i, line in enumerate(lines):
        if line.num:
            pos[line.num.style].append(i)
            nums[line.num.style].append(line.num.number)
    counting = [s for s in _CLAUSE_PRIORITY if _counts_up(nums[s])]

    def item_list(s: str) -> bool:
        # e.g. "1. 2. 3." inside "（三）" of a document numbered （一）…（十）
        return any(len(pos[t]) > len(pos[s]) and _inside_one(pos[s], pos[t]) for t in counting if t != s)

    # 第X条 is never an item of something else.
    style = next((s for s in counting if s == "article" or not item_list(s)), None)
    if style is None:
        return None, set()
    # "一、" headings may be few or restart; "（一）" headings must count up.
    above = {
        s for s in _HEADINGS_OF.get(style, [])
        if (s == "cn" or s in counting) and not _inside_one(pos[s], pos[style])
    }
    return style, above


def _heading(line: _Line, heading_styles: set[str]) -> tuple[int, str] | None:
    """(depth, label) when the line is a section heading."""
    m = _CHAPTER.match(line.norm)
    if m:
        return _DEPTH[m.group(2)], line.raw_from(m.start(3)) or line.raw
    num = line.num
    if num and num.style in heading_styles and _is_heading_text(num.rest):
        return _DEPTH[num.style], num.rest.rstrip("。:：")
    return None


def _title_of(rest: str) -> str:
    first = re.split(r"[。；;]", rest, maxsplit=1)[0].strip()
    first = re.sub(r"^[【\[]([^】\]]+)[】\]]$", r"\1", first)
    if len(first) > _TITLE_MAX:
        first = first[: _TITLE_MAX - 1] + "…"
    return first


def _looks_like_head(line: _Line) -> bool:
    """Headline, dateline and issuing lines come before the body and are short, not sentences."""
    return len(line.raw) <= 80 and not re.search(r"[。；;]", line.raw)


def _metadata(head: list[_Line], page_head: list[_Line], lead: list[_Line], tail: list[_Line]) -> dict:
    meta: dict = {}
    # Only short lines: a date inside a sentence ("自2020年2月起") is not the issuing date.
    for line in [ln for ln in page_head + tail if _looks_like_head(ln)]:
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
        if not _DATE.search(line.norm) and not _DOC_NO.search(line.norm):
            meta.setdefault("headline", line.raw)
    for line in lead:
        m = _DOC_NAME.search(line.raw)
        if m:
            meta["title"] = m.group(1)
            break
    if "title" not in meta and "headline" in meta:
        meta["title"] = meta["headline"]
    return meta


def _is_debris(line: _Line) -> bool:
    return any(rx.search(line.norm) for rx in _DEBRIS)


def _section(sections: dict[int, str]) -> str:
    return " / ".join(sections[d] for d in sorted(sections))


def parse(text: str, *, allow_paragraphs: bool = False) -> Document:
    """Parse a document's text. Raises ParseError when no clause numbering is found,
    unless ``allow_paragraphs`` asks for one record per paragraph instead."""
    lines = [_Line(raw) for raw in map(clean_spaces, (text or "").splitlines()) if raw]
    body = [ln for ln in lines if not _is_debris(ln)]
    if not body:
        raise ParseError("文档没有正文 / the document has no text")
    # The dateline of a web page is debris, yet it carries the issuing date and source.
    page_head = []
    for ln in lines:
        if ln.num or _CHAPTER.match(ln.norm):
            break
        page_head.append(ln)

    style, heading_styles = _choose_styles(body)
    if style is None:
        if not allow_paragraphs:
            raise ParseError(
                "未识别到条款编号（如“1.”“第一条”“（一）”）/ no clause numbering found; "
                "allow paragraph chunking to index it anyway"
            )
        lead = list(takewhile(_looks_like_head, lines))
        return _paragraphs(body, _metadata([ln for ln in lead if ln in body], lead, body[:2], []))

    records: list[Clause] = []
    head: list[_Line] = []      # lines before any structure: headline, dateline, issuing line
    preamble: list[_Line] = []
    sections: dict[int, str] = {}
    current: Clause | None = None  # the record body lines belong to: a clause, or a heading's part
    bare: list[Clause] = []     # clauses whose number line has no text of its own

    for line in body:
        heading = _heading(line, heading_styles)
        if heading:
            depth, label = heading
            sections = {d: h for d, h in sections.items() if d < depth}
            sections[depth] = line.raw
            # Text under a heading before its first clause (e.g. 总体要求) is an
            # unnumbered part, indexed as its own record once it has text.
            current = Clause(None, label, label, _section(sections), "", "part")
            continue
        if line.num and line.num.style == style:
            number, rest = line.num.number, line.num.rest
            current = Clause(number, f"第{number}条", _title_of(rest), _section(sections), line.raw)
            records.append(current)
            if not rest:
                bare.append(current)
            continue
        if current is None:
            (preamble if (preamble or not _looks_like_head(line)) else head).append(line)
        elif current.role == "part" and not current.text:
            current.text = line.raw
            records.append(current)
        else:
            current.text += "\n" + line.raw
            # "第五条" alone on its line (common in .docx): the title is in the next paragraph.
            current.title = current.title or _title_of(line.raw)

    numbered = [c for c in records if c.role == "clause"]
    closing = _split_closing(numbered) if records and records[-1].role == "clause" else []

    meta = _metadata(head, page_head, preamble[:2], closing)
    pre: list[Clause] = []
    if preamble:
        pre.append(Clause(None, "前言", _title_of(preamble[-1].raw), "", "\n".join(ln.raw for ln in preamble),
                          "preamble"))
    if closing:
        records.append(Clause(None, "结语", _title_of(closing[0].raw), "", "\n".join(ln.raw for ln in closing),
                              "closing"))
    warnings = _numbering_warnings(numbered)
    warnings += [f"{c.label} 内容为空 / {c.label} is empty" for c in bare if "\n" not in c.text]
    return Document(pre + records, meta, warnings)


def _signoff_start(paras: list[_Line]) -> int:
    """Where a trailing sign-off starts: a date alone on the last line, with the issuer's
    short lines above it; len(paras) when there is none."""
    n = len(paras)
    if n < 2 or not _DATE_LINE.match(paras[-1].norm):
        return n
    i = n - 1
    while i > 1 and len(paras[i - 1].raw) <= 30 and not paras[i - 1].num \
            and not re.search(r"[。;,:]", paras[i - 1].norm):
        i -= 1
    return i


def _split_closing(numbered: list[Clause]) -> list[_Line]:
    """Paragraphs at the end of the last clause that belong to the document, not to it.

    A sign-off (issuer, date) and a closing formula ("本意见自印发之日起施行") always do;
    when no other clause spans several paragraphs, any trailing paragraph does. Numbered
    items, and paragraphs that go on from an unfinished one ("专项资金：", "…补贴，"),
    stay with the clause.
    """
    last = numbered[-1]
    paras = [_Line(p) for p in last.text.split("\n")]
    others_multi = any("\n" in c.text for c in numbered[:-1])
    cut = _signoff_start(paras)
    # A number alone on its line ("第五条") has its text in the next paragraph, which stays.
    first = 1 if paras[0].num and paras[0].num.rest else 2
    for i in range(first, cut):
        if paras[i].num or not _SENTENCE_END.search(paras[i - 1].norm):
            continue
        if not others_multi or _CLOSING_START.match(paras[i].norm):
            cut = i
            break
    last.text = "\n".join(p.raw for p in paras[:cut])
    return paras[cut:]


def _numbering_warnings(numbered: list[Clause]) -> list[str]:
    out, seen = [], set()
    prev = 0
    for c in numbered:
        n = c.number
        if n in seen:
            out.append(f"编号重复：第{n}条 / duplicate clause number {n}")
        elif n > prev + 1:
            missing = f"{prev + 1}" if n == prev + 2 else f"{prev + 1}–{n - 1}"
            where = f"第{prev}条之后是第{n}条" if prev else f"从第{n}条开始"
            out.append(f"编号不连续：{where} / numbering gap: {missing} missing")
        seen.add(n)
        prev = max(prev, n)
    return out


def _paragraphs(body: list[_Line], meta: dict) -> Document:
    """Fallback for unnumbered documents: one record per paragraph, labelled by position."""
    clauses = [
        Clause(None, f"第{i}段", _title_of(ln.raw), "", ln.raw, "paragraph") for i, ln in enumerate(body, 1)
    ]
    return Document(clauses, meta, ["未识别到条款编号，已按段落切分 / no clause numbering: split by paragraph"])

