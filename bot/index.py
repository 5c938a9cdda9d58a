"""Versioned clause indexes on disk.

Layout::

    index/ACTIVE                 name of the active version (switched with os.replace)
    index/<version>/manifest.json
    index/<version>/clauses.json document metadata, warnings and clause records
    index/<version>/faiss.index  one vector per clause
    index/<version>/sentences.faiss + sentences.json   one vector per sentence
    index/<version>/sentences-cross.faiss              the sentences by the cross-lingual model (optional)
    index/<version>/bm25-clauses/, bm25-sentences/     BM25 over bigrams (bm25s: .npy without pickle + JSON)
    index/<version>/fixed.faiss + fixed.json           fixed-size chunk baseline

A version is written into a temporary directory and renamed into place, so a
failed or refused build never leaves a half version, and never touches ACTIVE.
Loading reads JSON and FAISS files only: nothing is unpickled.
"""
from __future__ import annotations

import bisect
import datetime as dt
import difflib
import functools
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bm25s
import faiss
import numpy as np

from .clauses import PARSER_NAME, Clause, Document, parse
from .embeddings import VectorEmbeddings
from . import lexical
from .text import split_sentences

POINTER = "ACTIVE"
CROSS_FILE = "sentences-cross.faiss"
FIXED_SIZE, FIXED_OVERLAP = 750, 150


class IndexError_(RuntimeError):
    """No usable index (none built, or a named version that does not exist)."""


@dataclass
class Unit:
    """A searchable piece of a clause: a sentence or a fixed-size chunk."""

    clause: int  # position in Version.clauses
    text: str


@dataclass
class Version:
    name: str
    path: Path
    manifest: dict
    document: Document
    clause_vectors: faiss.Index
    sentences: list[Unit]
    sentence_vectors: faiss.Index
    # The same sentences embedded by the cross-lingual model (manifest "cross_embedder"), if built with one.
    cross_vectors: faiss.Index | None = None
    # BM25 of the clauses and of the sentences, as built with the version (None: rebuild at load)
    bm25_clauses: bm25s.BM25 | None = None
    bm25_sentences: bm25s.BM25 | None = None
    _fixed: tuple[list[Unit], faiss.Index] | None = None

    @property
    def clauses(self) -> list[Clause]:
        return self.document.clauses

    @functools.cached_property
    def by_label(self) -> dict[str, Clause]:
        """Clauses by label, built once per loaded version (citations name clauses by label)."""
        return {c.label: c for c in self.clauses}

    def fixed_chunks(self) -> tuple[list[Unit], faiss.Index]:
        if self._fixed is None:
            units = [Unit(**u) for u in _read_json(self.path / "fixed.json")]
            self._fixed = (units, faiss.read_index(str(self.path / "fixed.faiss")))
        return self._fixed


# ---------------------------------------------------------------- building

def parse_source(path, *, allow_paragraphs: bool = False, max_bytes: int | None = None):
    """Read and parse a file into (Source, Document); raises SourceError or ParseError
    with a one-line reason."""
    # Imported here: the file readers pull in docx/pdf/html libraries that answering never needs.
    from .sources import read_source

    source = read_source(path, max_bytes)
    document = parse(source.text, allow_paragraphs=allow_paragraphs)
    if "title" not in document.meta and source.meta.get("title"):
        document.meta["title"] = source.meta["title"]
    document.meta.setdefault("title", Path(source.meta["filename"]).stem)
    return source, document


def clause_passage(c: Clause) -> str:
    """What the embedder sees for a whole clause: its place in the document and its text."""
    return "\n".join(p for p in (c.section, c.text) if p)


def sentence_units(clauses: list[Clause]) -> list[Unit]:
    """Sentences of every clause, each prefixed with its clause title.

    A long clause carries many facts; a sentence alone ("减征期限不超过3个月") loses
    what it is about, so the title travels with it.
    """
    units = []
    for i, c in enumerate(clauses):
        for s in split_sentences(c.text):
            units.append(Unit(i, s if s.startswith(c.title[:8]) or s.lstrip("0123456789.、 ").startswith(c.title)
                              else f"{c.title}：{s}"))
    return units


def fixed_units(clauses: list[Clause]) -> list[Unit]:
    """The fixed-size baseline: 750-character windows with 150 overlap over the whole
    text, each mapped to the clause it starts in."""
    starts, pieces, offset = [], [], 0
    for c in clauses:
        starts.append(offset)
        pieces.append(c.text + "\n")
        offset += len(pieces[-1])
    text = "".join(pieces)
    units, pos = [], 0
    while pos < len(text):
        owner = bisect.bisect_right(starts, pos) - 1
        units.append(Unit(owner, text[pos:pos + FIXED_SIZE]))
        if pos + FIXED_SIZE >= len(text):
            break
        pos += FIXED_SIZE - FIXED_OVERLAP
    return units


def make_faiss(vectors: np.ndarray, hnsw_threshold: int = 200_000) -> faiss.Index:
    """Exact inner-product search up to ``hnsw_threshold`` vectors, HNSW above:
    exact search over 100k × 384 floats still takes only a few milliseconds."""
    dim = vectors.shape[1]
    if len(vectors) >= hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 64
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_version(index_dir: Path, document: Document, source_meta: dict, embedder: VectorEmbeddings,
                  *, hnsw_threshold: int = 200_000, progress=None, cross: VectorEmbeddings | None = None) -> str:
    """Embed a parsed document and write it as a new (inactive) version; returns its name."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda msg: None)
    clauses = document.clauses
    sentences = sentence_units(clauses)
    fixed = fixed_units(clauses)
    started = dt.datetime.now(dt.timezone.utc)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=index_dir))
    try:
        say(f"embedding {len(clauses)} clauses")
        clause_vecs = embedder.documents([clause_passage(c) for c in clauses])
        say(f"embedding {len(sentences)} sentences")
        sentence_vecs = embedder.documents([u.text for u in sentences])
        say(f"embedding {len(fixed)} fixed-size chunks")
        fixed_vecs = embedder.documents([u.text for u in fixed])
        lexical.save(lexical.build([lexical.clause_terms_text(c) for c in clauses]), tmp / lexical.CLAUSES_DIR)
        lexical.save(lexical.build([u.text for u in sentences]), tmp / lexical.SENTENCES_DIR)
        if cross is not None:
            say(f"embedding {len(sentences)} sentences for cross-lingual search")
            cross_vecs = cross.documents([u.text for u in sentences])
            faiss.write_index(make_faiss(cross_vecs, hnsw_threshold), str(tmp / CROSS_FILE))
        clause_index = make_faiss(clause_vecs, hnsw_threshold)
        faiss.write_index(clause_index, str(tmp / "faiss.index"))
        faiss.write_index(make_faiss(sentence_vecs, hnsw_threshold), str(tmp / "sentences.faiss"))
        faiss.write_index(make_faiss(fixed_vecs, hnsw_threshold), str(tmp / "fixed.faiss"))
        _write_json(tmp / "sentences.json", [u.__dict__ for u in sentences])
        _write_json(tmp / "fixed.json", [u.__dict__ for u in fixed])
        _write_json(tmp / "clauses.json", {"meta": document.meta, "warnings": document.warnings,
                                           "clauses": [c.to_dict() for c in clauses]})
        name = started.strftime("v%Y%m%d-%H%M%S-") + source_meta.get("sha256", "0" * 8)[:8]
        manifest = {
            "version": name,
            # Microseconds: list order (and so rollback) must follow build order even for
            # builds that start within the same second.
            "created_at": started.isoformat(timespec="microseconds"),
            "source": {k: source_meta.get(k) for k in ("filename", "format", "encoding", "sha256", "bytes")},
            "document": document.meta,
            "parser": PARSER_NAME,
            "embedder": embedder.name,
            "cross_embedder": cross.name if cross is not None else None,
            "dimension": int(clause_vecs.shape[1]),
            "clause_count": len(clauses),
            "sentence_count": len(sentences),
            "warnings": document.warnings,
            "faiss": type(clause_index).__name__,
        }
        final = index_dir / name
        suffix = 1
        while final.exists():
            final = index_dir / f"{name}-{suffix}"
            suffix += 1
        manifest["version"] = final.name
        _write_json(tmp / "manifest.json", manifest)
        os.rename(tmp, final)
        return final.name
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build(index_dir, source_path, embedder: VectorEmbeddings, *, allow_paragraphs: bool = False,
          activate_it: bool = True, hnsw_threshold: int = 200_000, progress=None, reuse: bool = True,
          max_bytes: int | None = None, cross: VectorEmbeddings | None = None) -> str:
    """Parse, embed, write and (by default) activate. Any failure leaves ACTIVE as it was.

    With ``reuse``, texts that are byte-identical in the active version (same embedder)
    keep their vectors: an amended policy usually changes a few clauses, and embedding
    the whole document again costs a minute of both cores."""
    say = progress or (lambda msg: None)
    source, document = parse_source(source_path, allow_paragraphs=allow_paragraphs, max_bytes=max_bytes)
    say(f"parsed {len(document.clauses)} clauses")
    if reuse:
        active = _active_vectors_only(index_dir)  # read once for both models
        embedder = ReusingEmbeddings(embedder, _known(active, embedder.name))
        if cross is not None:
            cross = ReusingEmbeddings(cross, _known(active, cross.name, cross=True))
    name = write_version(Path(index_dir), document, source.meta, embedder, hnsw_threshold=hnsw_threshold,
                         progress=say, cross=cross)
    if reuse:
        say(f"reused {embedder.reused} vectors, embedded {embedder.embedded} new texts")
        if cross is not None:
            say(f"cross-lingual: reused {cross.reused} vectors, embedded {cross.embedded} new texts")
    if activate_it:
        activate(index_dir, name)
    return name


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


def known_vectors(index_dir, embedder_name: str, *, cross: bool = False) -> dict[str, np.ndarray]:
    """text -> vector for every clause, sentence and chunk of the active version, if it
    was built with the same embedder (vectors of another model are useless); with
    ``cross``, its sentences' vectors from the cross-lingual model."""
    return _known(_active_vectors_only(index_dir), embedder_name, cross=cross)


def _active_vectors_only(index_dir) -> Version | None:
    """The active version without its BM25 (reuse needs only texts and vectors), or None."""
    try:
        return load(index_dir, bm25=False)
    except IndexError_:
        return None


def _known(version: Version | None, embedder_name: str, *, cross: bool = False) -> dict[str, np.ndarray]:
    if version is None:
        return {}
    if cross:
        if version.cross_vectors is None or version.manifest.get("cross_embedder") != embedder_name:
            return {}
        pairs = [([u.text for u in version.sentences], version.cross_vectors)]
    elif version.manifest.get("embedder") != embedder_name:
        return {}
    else:
        units, fixed = version.fixed_chunks()
        pairs = [([clause_passage(c) for c in version.clauses], version.clause_vectors),
                 ([u.text for u in version.sentences], version.sentence_vectors),
                 ([u.text for u in units], fixed)]
    known: dict[str, np.ndarray] = {}
    for texts, vectors in pairs:
        if len(texts) != vectors.ntotal:
            continue  # not the layout this code expects; embed afresh rather than misalign
        matrix = vectors.reconstruct_n(0, vectors.ntotal)
        known.update(zip(texts, matrix))
    return known



# ---------------------------------------------------------------- versions

def list_versions(index_dir) -> list[dict]:
    """Manifests of all versions, oldest first, with an ``active`` flag."""
    index_dir = Path(index_dir)
    current = active_name(index_dir)
    out = []
    if index_dir.is_dir():
        for p in sorted(index_dir.iterdir()):
            if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").exists():
                m = _read_json(p / "manifest.json")
                m["active"] = p.name == current
                out.append(m)
    out.sort(key=lambda m: (m.get("created_at", ""), m["version"]))
    return out


def active_name(index_dir) -> str | None:
    try:
        return (Path(index_dir) / POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def activate(index_dir, version: str) -> None:
    """Point ACTIVE at ``version`` atomically (readers see the old or the new name, never half)."""
    index_dir = Path(index_dir)
    if not (index_dir / version / "manifest.json").exists():
        raise IndexError_(f"no such index version: {version}")
    tmp = index_dir / f".{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / POINTER)


def previous_name(index_dir) -> str | None:
    """The version that was built before the active one: the natural rollback target."""
    versions = [m["version"] for m in list_versions(index_dir)]
    current = active_name(index_dir)
    if current not in versions:
        return None
    i = versions.index(current)
    return versions[i - 1] if i > 0 else None


def load(index_dir, version: str | None = None, *, bm25: bool = True) -> Version:
    index_dir = Path(index_dir)
    name = version or active_name(index_dir)
    if not name:
        raise IndexError_(f"no active index in {index_dir}: run `python -m bot index build`")
    path = index_dir / name
    if not (path / "manifest.json").exists():
        raise IndexError_(f"index version {name} not found in {index_dir}")
    return Version(
        name=name,
        path=path,
        manifest=_read_json(path / "manifest.json"),
        document=read_document(path),
        clause_vectors=faiss.read_index(str(path / "faiss.index")),
        sentences=[Unit(**u) for u in _read_json(path / "sentences.json")],
        sentence_vectors=faiss.read_index(str(path / "sentences.faiss")),
        cross_vectors=faiss.read_index(str(path / CROSS_FILE)) if (path / CROSS_FILE).exists() else None,
        bm25_clauses=lexical.load(path / lexical.CLAUSES_DIR) if bm25 else None,
        bm25_sentences=lexical.load(path / lexical.SENTENCES_DIR) if bm25 else None,
    )


def read_document(path: Path) -> Document:
    data = _read_json(Path(path) / "clauses.json")
    return Document([Clause(**c) for c in data["clauses"]], data.get("meta", {}), data.get("warnings", []))


# ---------------------------------------------------------------- diff

def diff_documents(old: Document, new: Document) -> dict:
    """Clause-level changes from ``old`` to ``new``, matched by clause identity."""
    a = {c.key: c for c in old.clauses}
    b = {c.key: c for c in new.clauses}
    changed = []
    for key in a.keys() & b.keys():
        if a[key].text != b[key].text or a[key].title != b[key].title:
            changed.append({
                "key": key, "label": b[key].label, "title": b[key].title,
                "diff": "\n".join(difflib.unified_diff(a[key].text.splitlines(), b[key].text.splitlines(),
                                                       "old", "new", lineterm="", n=0)),
                "old": a[key].text, "new": b[key].text,
            })
    order = {c.key: i for i, c in enumerate(new.clauses)}
    old_order = {c.key: i for i, c in enumerate(old.clauses)}
    return {
        "added": [_brief(b[k]) for k in sorted(b.keys() - a.keys(), key=order.get)],
        "removed": [_brief(a[k]) for k in sorted(a.keys() - b.keys(), key=old_order.get)],
        "changed": sorted(changed, key=lambda d: order[d["key"]]),
    }


def diff_versions(index_dir, old: str, new: str) -> dict:
    index_dir = Path(index_dir)
    for v in (old, new):
        if not (index_dir / v / "clauses.json").exists():
            raise IndexError_(f"no such index version: {v}")
    return diff_documents(read_document(index_dir / old), read_document(index_dir / new))


def _brief(c: Clause) -> dict:
    return {"key": c.key, "label": c.label, "title": c.title}


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
