"""Ranked clauses for a question: dense (FAISS) + BM25 over character bigrams + exact
clause lookup, fused, with sentence-level matches rolled up to their clause.

Why both: BM25 on bigrams nails the document's own terms ("社会保险费", "5G"), the
multilingual e5 model carries paraphrases and English questions. Why sentences: a
clause of 400 characters holds many facts, and one sentence matching well is
stronger evidence than the clause matching a little everywhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from . import lexical
from .clauses import Clause
from .embeddings import VectorEmbeddings
from .index import Unit, Version
from .text import cn_to_int, fold, is_mostly_latin, terms

MODES = ("hybrid", "bm25", "dense")
CHUNKINGS = ("clause", "fixed")

# Weights of the normalised channel scores; chosen on the dev set (README: evaluation).
WEIGHTS = {"bm25_clause": 0.15, "bm25_sentence": 0.15, "dense_clause": 0.3, "dense_sentence": 0.45,
           # the cross-lingual model's sentence cosines (hybrid mode only; see HybridSearch)
           "cross_sentence": 0.7}

# "这53条", "这份53条", "這個五十三條": a count of clauses after "this" names the whole
# document, not its last clause ("这一条", "这三条" are no such count).
THIS_COUNT = r"这个|这份|这部|这些|整个|全部|所有|一共|这|该|本|共"  # (folded text)
DOCUMENT_BY_COUNT = (rf"({THIS_COUNT})\s*"
                     r"([0-9]{2,}|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九]百[零〇一二三四五六七八九十]*)\s*条")
_DOCUMENT_BY_COUNT = re.compile(DOCUMENT_BY_COUNT)

_LOOKUP = [
    re.compile(r"第\s*([0-9零〇一二三四五六七八九十百两]+)\s*条"),
    # "16条" is a clause, but "这个53条意见" / "20条措施" names a whole document, and
    # "53条里有一条…" the clauses of one ("16条里说…" is clause 16).
    re.compile(r"(?<![0-9.])([0-9]{1,4})\s*条(?!\s*(?:意见|措施|政策|举措|规定|办法|新政|里有|里哪|中有|中哪|当中|之中))"),
    re.compile(r"\b(?:clause|article|item|no\.|#)\s*([0-9]{1,4})\b"),
]


def lookup_number(query: str) -> int | None:
    """"第十六条", "16条", "第16条", "clause 16", and a bare "16" → 16."""
    q = fold(query).strip()
    if re.fullmatch(r"[0-9]{1,4}", q):
        return int(q)
    q = _DOCUMENT_BY_COUNT.sub(" ", q)
    for rx in _LOOKUP:
        m = rx.search(q)
        if m:
            return cn_to_int(m.group(1))
    return None


def without_lookup(query: str) -> str:
    """The query with its clause references taken out: "第35条说亏损可以结转5年" → " 说亏损可以结转5年"."""
    q = fold(query)
    for rx in _LOOKUP:
        q = rx.sub(" ", q)
    return q


@dataclass
class Hit:
    position: int  # index into Version.clauses
    clause: Clause
    score: float
    channels: dict = field(default_factory=dict)
    # (sentence text, score) of this clause's best-matching sentences, best first
    sentences: list[tuple[str, float]] = field(default_factory=list)

    def brief(self) -> dict:
        c = self.clause
        return {"number": c.number, "label": c.label, "score": round(float(self.score), 4)}


@dataclass
class Evidence:
    """How strongly the document as a whole speaks to the question (for refusals)."""

    coverage: float       # share of the question's bigrams found in the best clause
    dense: float          # best cosine between the question and any sentence
    dense_z: float = 0.0  # how many standard deviations that cosine stands above the sentences'
    margin: float = 0.0   # fused score of the best clause minus the second's
    lookup: bool = False  # the question named a clause number that exists


class _Channel:
    """BM25 and dense search over one set of units (clauses, sentences or chunks)."""

    def __init__(self, owners: list[int], vectors, n_clauses: int, bm25=None):
        self.owners = np.asarray(owners, dtype=np.int64)
        self.n_clauses = n_clauses
        self.vectors = vectors
        self.bm25 = bm25  # None: a dense-only channel

    def bm25_scores(self, query_terms: list[str]) -> np.ndarray:
        if not query_terms:
            return np.zeros(len(self.owners), np.float32)
        return self.bm25.get_scores(query_terms)

    def dense_scores(self, qvec: np.ndarray, k: int) -> np.ndarray:
        """Cosine per unit for the top-k units; -1 elsewhere."""
        out = np.full(len(self.owners), -1.0, np.float32)
        k = min(k, self.vectors.ntotal)
        if k:
            sims, ids = self.vectors.search(qvec[None, :].astype(np.float32), k)
            ok = ids[0] >= 0
            out[ids[0][ok]] = sims[0][ok]
        return out

    def roll_up(self, unit_scores: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """Best unit score per clause."""
        out = np.full(self.n_clauses, fill, np.float32)
        np.maximum.at(out, self.owners, unit_scores)
        return out


def _max_norm(x: np.ndarray) -> np.ndarray:
    m = float(x.max()) if len(x) else 0.0
    return x / m if m > 0 else np.zeros_like(x)


def _dense_norm(x: np.ndarray) -> np.ndarray:
    """Cosines of a small model crowd into a narrow band (0.75–0.9 here); what matters
    is how far a clause stands above the typical one, so scale from median to max."""
    valid = x[x > -1]
    if not len(valid):
        return np.zeros_like(x)
    med, top = float(np.median(valid)), float(valid.max())
    if top - med < 1e-6:
        return np.zeros_like(x)
    return np.clip((x - med) / (top - med), 0.0, None) * (x > -1)


class HybridSearch:
    """The retrieval engine over one loaded index version."""

    def __init__(self, version: Version, embedder: VectorEmbeddings, cross: VectorEmbeddings | None = None,
                 synonyms: list[list[str]] | None = None):
        self.version = version
        self.embedder = embedder
        self.synonyms = synonyms or []
        clauses = version.clauses
        n = len(clauses)
        # BM25 as saved with the version; a version built before it was kept rebuilds it.
        bm25_clauses, bm25_sentences = version.bm25_clauses, version.bm25_sentences
        if bm25_clauses is None:
            bm25_clauses = lexical.build([lexical.clause_terms_text(c) for c in clauses])
        if bm25_sentences is None:
            bm25_sentences = lexical.build([u.text for u in version.sentences])
        self.clause_channel = _Channel(list(range(n)), version.clause_vectors, n, bm25=bm25_clauses)
        self.sentence_units = version.sentences
        self.sentence_channel = _Channel([u.clause for u in version.sentences], version.sentence_vectors, n,
                                         bm25=bm25_sentences)
        self._fixed_channel = None
        # English questions over Chinese text: e5-small's cross-lingual ranking is weak,
        # multilingual USE's strong; its sentence cosines join the hybrid ranking.
        self.cross = cross if cross is not None and version.cross_vectors is not None else None
        self.cross_channel = (_Channel([u.clause for u in version.sentences], version.cross_vectors, n)
                              if self.cross is not None else None)
        self._units_of: dict[int, list[int]] = {}
        for j, u in enumerate(version.sentences):
            self._units_of.setdefault(u.clause, []).append(j)
        self._by_number = {c.number: i for i, c in enumerate(clauses) if c.number is not None}

    @property
    def clauses(self) -> list[Clause]:
        return self.version.clauses

    @property
    def numbered_count(self) -> int:
        return len(self._by_number)

    def numbered(self, number: int | None) -> Clause | None:
        """The clause with this number, if the document has one."""
        i = self._by_number.get(number)
        return None if i is None else self.clauses[i]

    def fixed_channel(self) -> tuple[list[Unit], _Channel]:
        if self._fixed_channel is None:
            units, vectors = self.version.fixed_chunks()
            self._fixed_channel = (units, _Channel([u.clause for u in units], vectors, len(self.clauses),
                                                   bm25=lexical.build([u.text for u in units])))
        return self._fixed_channel

    def query_vector(self, pieces: list[str]) -> np.ndarray:
        """The dense query vector composed of a query's pieces (one piece: the query)."""
        return self.embedder.composed([fold(p) for p in pieces])

    def nearest_sentence(self, qvec: np.ndarray) -> float:
        """The best cosine between a query vector and any sentence of the document."""
        return float(self.sentence_channel.dense_scores(qvec, 1).max(initial=-1.0))

    def cross_vector(self, pieces: list[str]) -> np.ndarray | None:
        """The cross-lingual model's query vector, when the index carries its sentences."""
        return self.cross.composed([fold(p) for p in pieces]) if self.cross is not None else None

    def nearest_cross_sentence(self, cvec: np.ndarray) -> float:
        return float(self.cross_channel.dense_scores(cvec, 1).max(initial=-1.0))

    def query_terms(self, query: str) -> list[str]:
        """The query's lexical terms, with the official term of any residents' word it uses."""
        return terms(lexical.expand(query, self.synonyms))

    def search(self, query: str, k: int = 10, *, mode: str = "hybrid", chunking: str = "clause",
               section: str | None = None, pieces: list[str] | None = None) -> tuple[list[Hit], Evidence]:
        """Ranked clauses and the evidence behind them. ``pieces``, when given, are the
        parts the query is made of; the dense vectors are composed from them
        (``VectorEmbeddings.composed``), the lexical match reads the whole query."""
        if mode not in MODES:
            raise ValueError(f"retriever must be one of {MODES}")
        if chunking not in CHUNKINGS:
            raise ValueError(f"chunking must be one of {CHUNKINGS}")
        n = len(self.clauses)
        qterms = self.query_terms(query)
        if is_mostly_latin(query):
            # An English question shares no words with a Chinese document, only figures, and a
            # figure the asker gives about themselves ("we exported USD 6 million") matches
            # the document's unrelated "6个月". (Codes such as 9610 or 12345 are kept.)
            qterms = [t for t in qterms if not (t.isdigit() and len(t) < 4)]
        use_dense = mode in ("hybrid", "dense")
        use_bm25 = mode in ("hybrid", "bm25")
        pieces = pieces or [query]
        qvec = self.query_vector(pieces)
        # Deep enough that the sentence-score statistics behind refusals see a
        # representative sample, not only the best matches.
        depth = min(max(1000, k * 10), 5000)
        # Sentence scores are computed in every mode: they pick the sentences an
        # answer quotes and the evidence a refusal rests on, which the retriever
        # baselines must share for their comparison to be about ranking alone.
        sent_bm25 = self.sentence_channel.bm25_scores(qterms)
        sent_dense = self.sentence_channel.dense_scores(qvec, depth)

        channels: dict[str, np.ndarray] = {}
        if chunking == "fixed":
            units, chan = self.fixed_channel()
            if use_bm25:
                channels["bm25_clause"] = _max_norm(chan.roll_up(chan.bm25_scores(qterms)))
            if use_dense:
                channels["dense_clause"] = _dense_norm(chan.roll_up(chan.dense_scores(qvec, depth), fill=-1))
        else:
            if use_bm25:
                channels["bm25_clause"] = _max_norm(self.clause_channel.bm25_scores(qterms))
                channels["bm25_sentence"] = _max_norm(self.sentence_channel.roll_up(sent_bm25))
            if use_dense:
                channels["dense_clause"] = _dense_norm(self.clause_channel.dense_scores(qvec, depth))
                channels["dense_sentence"] = _dense_norm(self.sentence_channel.roll_up(sent_dense, fill=-1))
        fused = _fuse(channels, n)
        # The refusal evidence (margin) keeps its calibration: it is read off the
        # fusion without the cross-lingual channel, which only reorders.
        base = fused
        if mode == "hybrid" and chunking == "clause" and self.cross_channel is not None:
            cvec = self.cross_vector(pieces)
            channels["cross_sentence"] = _dense_norm(
                self.cross_channel.roll_up(self.cross_channel.dense_scores(cvec, depth), fill=-1))
            fused = _fuse(channels, n)

        number = lookup_number(query)
        looked_up = number in self._by_number
        if looked_up:
            # Naming a clause is the strongest signal there is: it goes first.
            i = self._by_number[number]
            base[i] = base.max() + 1.0
            if fused is not base:
                fused[i] = fused.max() + 1.0

        order = np.argsort(-fused, kind="stable")
        if section:
            # A whole section path, its top-level part, or any one heading on it.
            order = [i for i in order if self.clauses[i].section.startswith(section)
                     or section in self.clauses[i].section.split(" / ")]
        hits = []
        for i in list(order)[:k]:
            hits.append(Hit(int(i), self.clauses[i], float(fused[i]),
                            {name: float(s[i]) for name, s in channels.items()}))
        self._attach_sentences(hits, sent_bm25, sent_dense)
        evidence = self._evidence(hits, qterms, sent_dense, looked_up, base)
        return hits, evidence

    def _attach_sentences(self, hits: list[Hit], sent_bm25, sent_dense) -> None:
        """Score every sentence of the returned clauses, for answers and highlighting."""
        bm, dn = _max_norm(sent_bm25), _dense_norm(sent_dense)
        for hit in hits:
            prefix = hit.clause.title + "："
            for j in self._units_of.get(hit.position, []):
                unit = self.sentence_units[j]
                text = unit.text[len(prefix):] if unit.text.startswith(prefix) else unit.text
                hit.sentences.append((text, float(bm[j] + dn[j]) / 2))
            hit.sentences.sort(key=lambda s: -s[1])

    def _evidence(self, hits, qterms, sent_dense, looked_up, base: np.ndarray) -> Evidence:
        unique = list(dict.fromkeys(qterms))
        coverage = margin = 0.0
        if hits and unique:
            top_terms = set(terms(lexical.clause_terms_text(hits[0].clause)))
            coverage = sum(1 for t in unique if t in top_terms) / len(unique)
        if len(hits) > 1 and len(base) > 1:
            top2 = np.partition(base, len(base) - 2)[-2:]
            margin = float(top2[1] - top2[0])
        dense = dense_z = 0.0
        valid = sent_dense[sent_dense > -1]
        if len(valid) > 1:
            dense = float(valid.max())
            dense_z = float((dense - valid.mean()) / max(float(valid.std()), 1e-6))
        return Evidence(coverage=coverage, dense=dense, dense_z=dense_z, margin=margin, lookup=looked_up)


def _fuse(channels: dict[str, np.ndarray], n: int) -> np.ndarray:
    total_w = sum(WEIGHTS[name] for name in channels)
    fused = np.zeros(n, np.float32)
    for name, scores in channels.items():
        fused += WEIGHTS[name] / total_w * scores
    return fused


