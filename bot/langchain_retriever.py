"""langchain's face of the engine: :class:`ClauseRetriever`, a ``BaseRetriever`` over
:class:`bot.retrieve.HybridSearch`, one Document per clause.

Kept apart from ``retrieve`` because importing langchain's retriever machinery costs
~0.7 s, which every cold question paid although only the generative answerer (and
outside langchain code) uses it.
"""
from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .retrieve import Hit, HybridSearch


class ClauseRetriever(BaseRetriever):
    """langchain face of :class:`HybridSearch`: one Document per clause, best first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search: HybridSearch
    k: int = 10
    mode: str = "hybrid"
    chunking: str = "clause"

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                ) -> list[LCDocument]:
        hits, _ = self.search.search(query, self.k, mode=self.mode, chunking=self.chunking)
        return [hit_to_document(h) for h in hits]


def hit_to_document(h: Hit) -> LCDocument:
    c = h.clause
    return LCDocument(page_content=c.text, metadata={
        "number": c.number, "label": c.label, "title": c.title, "section": c.section, "role": c.role,
        "score": h.score, "sentences": h.sentences,
    })
