"""PolicyBot: switching versions safely, activation checks, streaming, bounded history."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from bot import index as store
from bot.answer import MAX_QUESTION, search_query
from bot.pipeline import PolicyBot
from bot.settings import ROOT, get_settings

QUESTION = "小微企业社保能免几个月？"


@pytest.fixture
def bot(index_copy, embedder):
    return PolicyBot(get_settings(index_dir=index_copy), embedder=embedder)


def _clone_version(index_dir, name: str, new: str):
    shutil.copytree(index_dir / name, index_dir / new)
    manifest = json.loads((index_dir / new / "manifest.json").read_text(encoding="utf-8"))
    manifest["version"] = new
    return manifest


def _write_manifest(index_dir, name, manifest):
    (index_dir / name / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_a_version_that_cannot_load_leaves_the_old_one_serving(bot, index_copy):
    good = store.active_name(index_copy)
    answer, _ = bot.ask(QUESTION)
    assert answer.citations[0]["number"] == 16
    manifest = _clone_version(index_copy, good, "v-broken")
    _write_manifest(index_copy, "v-broken", manifest)
    (index_copy / "v-broken" / "faiss.index").write_bytes(b"not a faiss index")
    store.activate(index_copy, "v-broken")  # e.g. a version damaged on disk after it was checked

    for _ in range(3):  # every request keeps answering, from the version in memory
        answer, _, engine = bot.ask_with_engine(QUESTION)
        assert engine.name == good and answer.citations[0]["number"] == 16

    store.activate(index_copy, good)
    assert bot.current().name == good


def test_activate_refuses_a_version_built_with_another_embedder(bot, index_copy):
    good = store.active_name(index_copy)
    manifest = _clone_version(index_copy, good, "v-other-model")
    manifest["embedder"] = "sentence-transformers/some-other-model"
    _write_manifest(index_copy, "v-other-model", manifest)
    with pytest.raises(store.IndexError_, match="built with sentence-transformers/some-other-model"):
        bot.activate("v-other-model")
    assert store.active_name(index_copy) == good

    run = subprocess.run([sys.executable, "-m", "bot", "--index-dir", str(index_copy), "index", "activate",
                          "v-other-model"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.startswith("error:") and len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    assert store.active_name(index_copy) == good


def test_activate_loads_the_version_it_switches_to(bot, index_copy):
    good = store.active_name(index_copy)
    _write_manifest(index_copy, "v-copy", _clone_version(index_copy, good, "v-copy"))
    bot.activate("v-copy")
    assert store.active_name(index_copy) == "v-copy"
    assert bot._engine is not None and bot._engine.name == "v-copy"  # loaded now, not at the next question


def test_ask_stream_with_the_extractive_answerer_yields_only_the_final_answer(policy_bot):
    items = list(policy_bot.ask_stream(QUESTION))
    assert len(items) == 1
    answer, ms, engine = items[0]
    assert answer.citations[0]["number"] == 16 and "5个月" in answer.text
    assert ms > 0 and engine.name == policy_bot.current().name


def test_history_from_a_client_is_bounded():
    history = [{"role": "user", "content": "社保" * 500_000}, {"role": "assistant", "content": "…"}]
    query = search_query("那大企业呢？", history)
    assert query.startswith("那大企业呢？")
    assert len(query) <= len("那大企业呢？") + 1 + MAX_QUESTION


@pytest.mark.parametrize("history", [[{"role": "user", "content": None}], [{"role": "user"}], ["text"], [42]])
def test_malformed_history_turns_are_ignored(history):
    assert search_query("那大企业呢？", history) == "那大企业呢？"


@pytest.mark.parametrize("query", ["16", " 16 ", "１６"])
def test_a_bare_number_looks_up_that_clause(policy_bot, query):
    hits, engine = policy_bot.search_with_engine(query, 5)
    assert hits[0].clause.number == 16
    assert engine.name == policy_bot.current().name
