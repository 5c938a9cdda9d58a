"""Build a new index version for publishing, re-embedding only the text that changed.

An amended policy usually changes a few clauses; embedding the whole document
again costs a minute of both cores. Vectors of texts that are byte-identical in
the active version (same embedder) are copied instead, so publishing a
correction takes seconds. Writing, naming and activation stay in :mod:`bot.index`.

Run by the admin app in a low-priority child process::

    python -m bot.publish --source FILE [--index-dir DIR] [--allow-paragraphs] [--no-reuse]

prints the new (inactive) version's manifest as one JSON line on stdout, progress
on stderr; exit status 2 with a one-line reason when the file cannot be used.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import index as store
from .embeddings import VectorEmbeddings, load_embeddings
from .settings import get_settings


class ReusingEmbeddings(VectorEmbeddings):
    """Wraps an embedder; document texts it has a vector for are not embedded again."""

    def __init__(self, inner: VectorEmbeddings, known: dict[str, np.ndarray]):
        super().__init__()
        self.inner, self.known = inner, known
        # Look like the model it wraps: the manifest records its name, retrieval may read its calibration.
        for attr in ("name", "dim", "cosine_centre"):
            if hasattr(inner, attr):
                setattr(self, attr, getattr(inner, attr))
        self.reused = self.embedded = 0

    def documents(self, texts: list[str], batch: int = 32) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.inner.documents(missing, batch)))
        self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.vstack([self.known[t] for t in texts]).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        return self.inner.query(text)


def known_vectors(index_dir, embedder_name: str) -> dict[str, np.ndarray]:
    """text -> vector for every clause, sentence and chunk of the active version, if it
    was built with the same embedder (vectors of another model are useless)."""
    try:
        version = store.load(index_dir)
    except store.IndexError_:
        return {}
    if version.manifest.get("embedder") != embedder_name:
        return {}
    units, fixed = version.fixed_chunks()
    known: dict[str, np.ndarray] = {}
    for texts, vectors in (([store.clause_passage(c) for c in version.clauses], version.clause_vectors),
                           ([u.text for u in version.sentences], version.sentence_vectors),
                           ([u.text for u in units], fixed)):
        if len(texts) != vectors.ntotal:
            continue  # not the layout this code expects; embed afresh rather than misalign
        matrix = vectors.reconstruct_n(0, vectors.ntotal)
        known.update(zip(texts, matrix))
    return known


def build_version(settings, source, *, allow_paragraphs: bool = False, reuse: bool = True, progress=None) -> str:
    """Parse, embed (reusing what it can) and write an inactive version; returns its name."""
    say = progress or (lambda msg: None)
    src, document = store.parse_source(source, allow_paragraphs=allow_paragraphs,
                                       max_bytes=settings.max_upload_mb * 1024 * 1024)
    say(f"parsed {len(document.clauses)} clauses")
    inner = load_embeddings(settings.embedder, settings.embedding_model, settings.embedding_threads)
    known = known_vectors(settings.index_dir, inner.name) if reuse else {}
    embedder = ReusingEmbeddings(inner, known)
    name = store.write_version(Path(settings.index_dir), document, src.meta, embedder,
                               hnsw_threshold=settings.hnsw_threshold, progress=say)
    say(f"reused {embedder.reused} vectors, embedded {embedder.embedded} new texts")
    return name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.publish", description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, required=True)
    ap.add_argument("--index-dir", type=Path)
    ap.add_argument("--allow-paragraphs", action="store_true")
    ap.add_argument("--no-reuse", action="store_true", help="embed every text again")
    args = ap.parse_args(argv)
    from .clauses import ParseError
    from .sources import SourceError

    settings = get_settings(index_dir=args.index_dir)
    try:
        name = build_version(settings, args.source, allow_paragraphs=args.allow_paragraphs,
                             reuse=not args.no_reuse, progress=lambda m: print(m, file=sys.stderr, flush=True))
    except (SourceError, ParseError, store.IndexError_, OSError, ValueError) as e:
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    manifest = json.loads((Path(settings.index_dir) / name / "manifest.json").read_text(encoding="utf-8"))
    print(json.dumps(manifest, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
