"""Amounts a question claims the document states, checked against the cited clause.

"文件里说企业每新招一个人补贴5000元，我们能拿5万吧？" is answered from 第24条, which
says 1000元. Quoting the clause is the correction, but a resident skimming the quote
may keep the 5000 in mind; saying outright that the clause does not say 5000元 is
what a hotline operator would do. Only amounts in a sentence that attributes them to
the document or to hearsay ("文件里说", "听说", "明明写了", "my boss says") are
checked; "我月薪5000元" claims nothing about the document.

A claim can also be unfounded: "第25条是不是说个体户每户补5000块" names an amount that
no clause states, and the cited clause states no amount of that kind at all, so
there is nothing to correct it with. Such a question asks about a rule the document
does not have, and the answerer declines it rather than quote a clause beside it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .asks import PER_UNIT_ASKED, PER_UNIT_STATED
from .text import cn_to_int, fold, split_sentences

# A sentence that attributes something to the document or to hearsay ("朋友说…", "群里传…",
# "朋友跟我说…"; not "我跟同事说…", the asker's own telling, nor "老板说只发生活费", what the
# boss does), or asks to have it confirmed ("…能延到2021年底是吧").
_CONFIRM = r"对吧|是吧|对不对|没错吧|是不是真的|是真的吗|是这样吗"
# A guess at a figure put to be confirmed ("应该可以延到2021年底吧？") is a claim too; a guess
# about the asker ("应该算小微企业吧", "开业3年了应该能申请吧") is not.
_GUESS = r"应该[^，,。？?！!0-9]{0,12}[0-9][^，,。？?！!]{0,10}吧(?=\s*([？?。！!]|$))"
_ATTRIBUTION = re.compile(
    r"文件|政策|规定|第\s*[0-9一二三四五六七八九十百]+\s*条|听说|不是说|说是|写着|写了|写的|写在|明明|"
    rf"{_GUESS}|"
    r"(?<![跟和对给向没])(朋友|同事|同行|别人|有人|人家|邻居|群里|网上|亲戚|老乡)们?(都|也)?(跟我|和我|对我)?(说|讲|传)|"
    rf"({_CONFIRM})(?=\s*[吗呀啊呢]?\s*([？?。！!]|$))|"
    r"\b(says?|said|claims?|confirm|document|policy|heard|(clause|article)\s*\d+)\b", re.IGNORECASE)

_NUMBER = r"([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千]+)"
# ("这两块有没有倾斜" counts areas, not yuan.)
_AMOUNT = re.compile(r"(?<![这那哪])" + _NUMBER + r"\s*(亿元|万元|万块|万|块钱|块|元|个月|个多月|个工作日|工作日|年|天|%|％|"
                     r"(?:yuan|rmb|months?|years?|days?|percent)\b)", re.IGNORECASE)
_UNITS = {"亿元": ("元", 1e8), "万元": ("元", 1e4), "万块": ("元", 1e4), "万": ("元", 1e4), "块钱": ("元", 1),
          "块": ("元", 1), "元": ("元", 1), "yuan": ("元", 1), "rmb": ("元", 1),
          "个月": ("月", 1), "个多月": ("月", 1), "month": ("月", 1), "months": ("月", 1),
          "年": ("年", 1), "year": ("年", 1), "years": ("年", 1),
          "天": ("天", 1), "day": ("天", 1), "days": ("天", 1),
          # (a count of working days is not one of calendar days: "5个工作日" is no "5天")
          "个工作日": ("工作日", 1), "工作日": ("工作日", 1),
          "%": ("%", 1), "％": ("%", 1), "percent": ("%", 1)}


@dataclass(frozen=True)
class Amount:
    text: str     # as the question wrote it, for the reply
    value: float
    unit: str     # 元 | 月 | 年 | 天 | 工作日 | %


def amounts(text: str) -> list[Amount]:
    out = []
    for m in _AMOUNT.finditer(fold(text)):
        number, unit = m.group(1), m.group(2).lower()
        value = float(number) if number[0].isdigit() else cn_to_int(number)
        if value is None or unit not in _UNITS:
            continue
        kind, scale = _UNITS[unit]
        out.append(Amount(m.group(0).strip(), float(value) * scale, kind))
    return out


def attributes(sentence: str) -> bool:
    """Does the sentence attribute something to the document or to hearsay, or ask to
    have it confirmed?"""
    return bool(_ATTRIBUTION.search(fold(sentence)))   # (traditional 聽說、應該…吧 too)


# Chat and voice-input questions end their sentences with a space instead of a full stop
# ("我老婆怀孕七个月了 … 文件里有提到孕妇吗").
_SENTENCE_END = re.compile(r"[。！？!?；;]|(?<=[.])\s|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


# A confirmation tag standing alone ("…能免12个月 对吧", "…12个月。对吧？") asks about the
# sentence before it.
_TAG_ALONE = re.compile(rf"[\s。，,]+(?=({_CONFIRM})\s*[吗呀啊呢]?\s*[？?。！!]?\s*$)")


# A sentence that attributes what the one before it says ("…5个工作日内到账？第40条是这么写的吧？").
_POINTS_BACK = re.compile(r"(这么|这样|如此)(写|说|讲|规定)")


def claimed_amounts(question: str) -> list[Amount]:
    """Amounts in the sentences of the question that attribute them to the document or
    hearsay, or ask to have them confirmed."""
    found = []
    carried = False  # "文件里说 小微企业社保能免12个月 对吗": the words after a space still report it
    before: list[Amount] = []
    for sentence in _SENTENCE_END.split(_TAG_ALONE.sub("，", question)):
        said, attributed = amounts(sentence), attributes(sentence)
        if attributed or carried:
            found += said
        if attributed and not said and _POINTS_BACK.search(sentence):
            found += [a for a in before if a not in found]
        carried = attributed and not said
        before = said
    return found


def stated_amounts(texts) -> set[tuple[float, str]]:
    """(value, unit) of every amount the texts state."""
    return {(a.value, a.unit) for text in texts for a in amounts(text)}


def unsupported(question: str, clause_texts: list[str]) -> list[Amount]:
    """The claimed amounts that none of the cited clauses states (same value and unit)."""
    claimed = claimed_amounts(question)
    if not claimed:   # (most questions claim nothing: the clauses need not be read)
        return []
    stated = stated_amounts(clause_texts)
    seen, out = set(), []
    for a in claimed:
        if (a.value, a.unit) not in stated and (a.value, a.unit) not in seen:
            seen.add((a.value, a.unit))
            out.append(a)
    return out


# (the pieces of a question a per-unit word and its amount must share)
_CLAUSE_BREAK = re.compile(r"[，,。；;？?！!]")


def unfounded(wrong: list[Amount], clause_texts: list[str], document: set[tuple[float, str]],
              question: str = "") -> bool:
    """Are the claimed amounts the cited clauses do not state (``unsupported``) stated by
    no clause of the document (``document``: its ``stated_amounts``), while the cited
    clauses state no amount of their unit either? Then nothing in the document answers
    the claim. An amount the question claims per person, shop or firm ("听说消费券每人能领
    200块") is read against the clauses' per-unit sentences only: a total ("推出2000万元消费
    券") states no amount per person."""
    if not wrong:
        return False
    if any(PER_UNIT_ASKED.search(piece) for piece in _CLAUSE_BREAK.split(fold(question))
           if any(a.text in piece for a in wrong)):
        clause_texts = [s for t in clause_texts for s in split_sentences(t) if PER_UNIT_STATED.search(s)]
    units = {a.unit for text in clause_texts for a in amounts(text)}
    return not any(a.unit in units or (a.value, a.unit) in document for a in wrong)
