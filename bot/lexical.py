"""BM25 over character bigrams, built once per index version and kept with it.

Rebuilding BM25 from the JSON texts at every load cost 9 s at 10k clauses and 222 s at
100k; a version now carries its two BM25 indexes (clauses, sentences) as bm25s writes
them: .npy arrays read with ``allow_pickle=False`` and JSON. A version built before
this loads by rebuilding, as it always did.
"""
from __future__ import annotations

import re
from pathlib import Path

import bm25s

from .clauses import Clause
from .text import fold, list_lines, mentions, terms

CLAUSES_DIR, SENTENCES_DIR = "bm25-clauses", "bm25-sentences"


def clause_terms_text(c: Clause) -> str:
    """What BM25 reads of a whole clause: its title and its text."""
    return f"{c.title}\n{c.text}"


def build(texts: list[str]) -> bm25s.BM25:
    bm25 = bm25s.BM25()
    bm25.index([terms(t) or [""] for t in texts], show_progress=False)
    return bm25


def save(bm25: bm25s.BM25, directory: Path) -> None:
    bm25.save(str(directory), allow_pickle=False, show_progress=False)


def load(directory: Path) -> bm25s.BM25 | None:
    """The saved index, or None when the version has none (built before they were kept)."""
    if not (Path(directory) / "params.index.json").exists():
        return None
    return bm25s.BM25.load(str(directory), allow_pickle=False, show_progress=False)


# ------------------------------------------------------------------ synonyms
# A resident says "坐地起价" and "假口罩"; a policy says "哄抬物价" and "假劣防疫用品".
# Character bigrams share nothing there, and e5-small misses the paraphrase too: three
# blind question sets asked about price gouging and fake masks and got the clause on
# mask supply. A synonym list (``prompts/synonyms.txt``) adds the official term to the
# lexical query when the question says a colloquial one; the dense query is untouched.


def read_synonyms(path: Path) -> list[list[str]]:
    """One group a line: the official term first, then words residents use for it (an
    English phrase with ``_`` for its spaces, ``*`` after a stem)."""
    return [[fold(w).replace("_", " ") for w in line.split()] for line in list_lines(path) if len(line.split()) > 1]


def expand(query: str, synonyms: list[list[str]]) -> str:
    """The query with the official term of every group it names colloquially appended."""
    folded = fold(query)
    # (English words are not looked for in a query without a Latin letter: this runs for
    # every search, and the glossary holds some 150 of them.)
    latin = re.search(r"[a-z]", folded) is not None
    extra = [g[0] for g in synonyms if g[0] not in folded
             and any(mentions(w, folded) for w in g[1:] if latin or not w.isascii())]
    return f"{query} {' '.join(extra)}" if extra else query
