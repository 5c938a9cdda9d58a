"""Chinese text normalisation shared by the parser, the retriever and the answerer.

Matching happens on a *folded* copy of the text (NFKC, simplified characters,
lower case); what users see is always the document's original text.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

# NBSP, ideographic space, zero-width characters and friends all become one space:
# documents pasted from web pages and Word carry every kind.
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?%?")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def clean_spaces(text: str) -> str:
    """Collapse every kind of whitespace run to one ASCII space and strip the ends."""
    return _SPACES.sub(" ", text).strip()


@functools.lru_cache(maxsize=2)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


def has_traditional(text: str) -> bool:
    return to_simplified(text) != text


def fold(text: str) -> str:
    """The matching form: NFKC (full-width → half-width), simplified, lower case, and a
    phone's curly apostrophe as a straight one ("employer’s share")."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower().replace("’", "'")


@functools.lru_cache(maxsize=4096)
def _english_word(word: str) -> re.Pattern:
    end = "" if word.endswith("*") else r"(?:s|es)?(?![a-z])"
    return re.compile(r"(?<![a-z])" + re.escape(word.rstrip("*")) + end)


def mentions(word: str, folded: str) -> bool:
    """Does the folded text name the word? A Chinese word anywhere; an English one as a
    whole word, plural too ("loan" names "loans", "expo" not "export"), or, written with a
    final "*", from where a word starts ("rent*" names "rental", not "current")."""
    if word.isascii():
        return _english_word(word).search(folded) is not None
    return word in folded


def is_mostly_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return sum(1 for c in letters if c.isascii()) / len(letters) > 0.6


def cn_to_int(token: str) -> int | None:
    """'十六' → 16, '一百零五' → 105, '16' / '１６' → 16; None when it is not a number."""
    token = unicodedata.normalize("NFKC", token.strip())
    if token.isdigit():
        return int(token)
    if not token or any(c not in CN_DIGITS and c not in CN_UNITS for c in token):
        return None
    total, digit = 0, None
    for c in token:
        if c in CN_DIGITS:
            digit = CN_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * CN_UNITS[c]
            digit = None
    return total + (digit or 0)


def split_sentences(text: str) -> list[str]:
    """Split on Chinese sentence ends, keeping the punctuation with its sentence."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text)) if s]


def terms(text: str) -> list[str]:
    """BM25 terms: character bigrams of each CJK run plus whole Latin words and numbers.

    Bigrams need no dictionary and match how Chinese compounds are written;
    single characters are added for one-character runs so they are not lost.
    """
    folded = fold(text)
    out: list[str] = []
    run: list[str] = []

    def flush():
        if len(run) == 1:
            out.append(run[0])
        out.extend(a + b for a, b in zip(run, run[1:]))
        run.clear()

    i = 0
    while i < len(folded):
        c = folded[i]
        if _CJK.match(c):
            run.append(c)
            i += 1
            continue
        flush()
        m = _LATIN_WORD.match(folded, i)
        if m:
            out.append(m.group())
            i = m.end()
        else:
            i += 1
    flush()
    return out


def list_lines(path: Path) -> list[str]:
    """The entries of an admin-edited list: stripped lines without blanks and ``#``
    comments. No file, no entries."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
