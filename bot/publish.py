"""Build a new, inactive index version for the admin's publish, in its own process.

The build is :func:`bot.index.build` (which re-embeds only text that changed since
the active version); this module only gives it a command line, so the admin app can
run it in a low-priority child process and residents keep their latency.

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

from . import index as store
from .embeddings import load_embeddings
from .settings import get_settings


def build_version(settings, source, *, embedder=None, cross=None, activate: bool = False,
                  allow_paragraphs: bool = False, reuse: bool = True, progress=None) -> str:
    """Parse, embed (reusing what it can) and write a version; returns its name.

    The one build path for the CLI, the library and the admin's publish: the models
    are the caller's when it has them loaded, else loaded from the settings."""
    if embedder is None:
        embedder = load_embeddings(settings.embedder, settings.embedding_model, settings.embedding_threads)
    if cross is None and settings.cross_embedder:
        cross = load_embeddings(settings.cross_embedder)
    return store.build(settings.index_dir, source, embedder, allow_paragraphs=allow_paragraphs, activate_it=activate,
                       hnsw_threshold=settings.hnsw_threshold, progress=progress, reuse=reuse,
                       max_bytes=settings.max_upload_bytes, cross=cross)


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
