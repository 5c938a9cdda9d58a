"""The library's front door: one object that answers and searches over the active
index version, used alike by the CLI, the app and the evaluation.

Publishing a new version only rewrites the ACTIVE pointer; :meth:`PolicyBot.current`
notices, loads the new version completely, then swaps one reference, so requests
in flight finish on the version they started with and none sees half of either.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import index as index_store
from . import lexical
from .answer import Answer, ExtractiveAnswerer
from .embeddings import VectorEmbeddings, load_embeddings
from .outside import OutsideTerms, OutsideTopics, read_contrasts, read_subjects, read_terms, read_topics
from .publish import build_version
from .retrieve import Hit, HybridSearch
from .settings import Settings, get_settings

log = logging.getLogger("bot.pipeline")


@dataclass
class Engine:
    """Everything needed to serve one index version."""

    version: index_store.Version
    search: HybridSearch
    answerer: ExtractiveAnswerer

    @property
    def name(self) -> str:
        return self.version.name


class PolicyBot:
    def __init__(self, settings: Settings | None = None, embedder: VectorEmbeddings | None = None,
                 cross_embedder: VectorEmbeddings | None = None):
        self.settings = settings or get_settings()
        self._embedder = embedder
        self._cross = cross_embedder
        self._engine: Engine | None = None
        self._failed: tuple[str | None, str] | None = None  # (version, why) that could not be loaded
        self._lock = threading.Lock()

    @property
    def index_dir(self) -> Path:
        return Path(self.settings.index_dir)

    @property
    def cross_embedder(self) -> VectorEmbeddings | None:
        if self._cross is None and self.settings.cross_embedder:
            with self._lock:
                if self._cross is None:
                    self._cross = load_embeddings(self.settings.cross_embedder)
        return self._cross

    @property
    def embedder(self) -> VectorEmbeddings:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    s = self.settings
                    self._embedder = load_embeddings(s.embedder, s.embedding_model, s.embedding_threads)
        return self._embedder

    def current(self) -> Engine:
        """The engine for the active version, reloading if ACTIVE has moved.

        If the newly active version cannot be loaded, the version already in memory
        keeps serving (and the failure is not retried on every request) until ACTIVE
        moves again."""
        active = index_store.active_name(self.index_dir)
        engine = self._engine
        if engine is not None and (engine.name == active or (self._failed and self._failed[0] == active)):
            return engine
        self.embedder  # loaded outside the lock below, which they take themselves
        self.cross_embedder
        with self._lock:
            engine = self._engine
            if engine is None or engine.name != active:
                try:
                    engine = self._load(active)
                except Exception as e:
                    if engine is None:
                        raise
                    self._failed = (active, " ".join(str(e).split()))
                    log.error("index version %s cannot be loaded, still serving %s: %s", active, engine.name,
                              self._failed[1])
                    return engine
                self._engine, self._failed = engine, None
        return engine

    def activate(self, version: str) -> None:
        """Make ``version`` active if this process can serve it (same embedder), and load it
        now rather than in the next resident's request."""
        engine = self._load(version)  # refuses a version built with another embedder, before ACTIVE moves
        with self._lock:
            index_store.activate(self.index_dir, version)
            self._engine, self._failed = engine, None

    def clear_query_caches(self) -> None:
        """Forget every model's cached query vectors (measurements that must pay for each embedding)."""
        for model in (self._embedder, self._cross):
            if model is not None:
                model.clear_cache()

    def _load(self, name: str | None) -> Engine:
        version = index_store.load(self.index_dir, name)
        expected = version.manifest.get("embedder")
        if expected and expected != self.embedder.name:
            raise index_store.IndexError_(
                f"index {version.name} was built with {expected}, but the settings select {self.embedder.name}: "
                f"rebuild it with `python -m bot index build`")
        cross = self.cross_embedder
        if cross is not None and version.manifest.get("cross_embedder") != cross.name:
            log.warning("index %s has no %s sentence vectors: cross-lingual ranking is off until it is rebuilt",
                        version.name, cross.name)
            cross = None
        s = self.settings
        prompts = Path(s.prompts_dir)
        search = HybridSearch(version, self.embedder, cross=cross,
                              synonyms=lexical.read_synonyms(prompts / s.synonyms_file))
        outside = OutsideTopics.build(read_topics(prompts / s.outside_topics_file), self.embedder,
                                      version.sentence_vectors, s.outside_cover,
                                      cache=self.index_dir / "outside-topics.json", cross=cross)
        terms = OutsideTerms.build(*read_terms(prompts / s.outside_terms_file),
                                   document="\n".join([*map(str, version.document.meta.values()),
                                                        *(f"{c.section} {c.title} {c.text}" for c in version.clauses)]))
        answerer = ExtractiveAnswerer(search, prompts_dir=s.prompts_dir, hotline=s.hotline,
                                      refuse_below=s.refuse_below, refuse_below_english=s.refuse_below_english,
                                      outside=outside,
                                      outside_margin=s.outside_margin, outside_margin_cross=s.outside_margin_cross,
                                      outside_terms=terms,
                                      contrasts=read_contrasts(prompts / s.contrasts_file),
                                      subjects=read_subjects(prompts / s.subjects_file))
        if s.answerer == "llm":
            # The generative answerer wraps the extractive one: same retrieval and
            # refusal, and its fallback whenever the model's answer fails the check.
            from .llm import LLMAnswerer

            answerer = LLMAnswerer(answerer, s)
        return Engine(version, search, answerer)

    # ------------------------------------------------------------ services
    def ask(self, question: str, history: list[dict] | None = None, **options) -> tuple[Answer, float]:
        """Answer and its latency in milliseconds."""
        answer, ms, _ = self.ask_with_engine(question, history, **options)
        return answer, ms

    def ask_with_engine(self, question: str, history: list[dict] | None = None,
                        **options) -> tuple[Answer, float, Engine]:
        """Like :meth:`ask`, plus the engine that answered: the app logs its version and
        shows its clauses for the citations, even if ACTIVE moves in the meantime."""
        started = time.perf_counter()
        engine = self.current()
        answer = engine.answerer.answer(question, history, **options)
        return answer, (time.perf_counter() - started) * 1000, engine

    def ask_stream(self, question: str, history: list[dict] | None = None,
                   **options) -> Iterator[str | tuple[Answer, float, Engine]]:
        """Draft pieces (``str``, not yet checked) while a generative answerer writes, then
        ``(answer, ms, engine)`` last. The extractive answerer has no draft: it yields the
        final item only. Only the final answer's text and citations are verified."""
        started = time.perf_counter()
        engine = self.current()
        answerer = engine.answerer
        if hasattr(answerer, "stream"):
            final = None
            for item in answerer.stream(question, history, **options):
                if isinstance(item, str):
                    yield item
                else:
                    final = item
        else:
            final = answerer.answer(question, history, **options)
        yield final, (time.perf_counter() - started) * 1000, engine

    def search(self, query: str, k: int = 10, section: str | None = None, **options) -> list[Hit]:
        return self.search_with_engine(query, k, section, **options)[0]

    def search_with_engine(self, query: str, k: int = 10, section: str | None = None,
                           **options) -> tuple[list[Hit], Engine]:
        """Like :meth:`search`, plus the engine that searched (its document metadata and
        version name belong with the hits)."""
        engine = self.current()
        hits, _ = engine.search.search(query, k, section=section, **options)
        return hits, engine

    def ensure_index(self, progress=None) -> str:
        """Build the index from the seed document if there is none yet; returns the active version."""
        active = index_store.active_name(self.index_dir)
        if active and (self.index_dir / active / "manifest.json").exists():
            return active
        return self.build(self.settings.seed_path, progress=progress)

    def build(self, source, *, allow_paragraphs: bool = False, activate: bool = True, progress=None) -> str:
        return build_version(self.settings, source, embedder=self.embedder, cross=self.cross_embedder,
                             activate=activate, allow_paragraphs=allow_paragraphs, progress=progress)
