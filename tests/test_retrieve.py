"""bot.retrieve end to end: the real seed document, indexed with the real multilingual
e5 model (conftest's session fixtures), searched through HybridSearch, PolicyBot and
the langchain ClauseRetriever. No mocks."""
from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document as LCDocument

from bot.evaluate import CONFIGS, evaluate, load_gold
from bot.langchain_retriever import ClauseRetriever
from bot.retrieve import CHUNKINGS, MODES, lookup_number

DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"

SOCIAL_INSURANCE = "小微企业社保能免几个月？"


@pytest.fixture(scope="module")
def engine(policy_bot):
    return policy_bot.current()


@pytest.fixture(scope="module")
def search(engine):
    return engine.search


def numbers(hits) -> list:
    return [h.clause.number for h in hits]


# ---------------------------------------------------------------- exact clause lookup


@pytest.mark.parametrize("query, number", [
    ("第十六条", 16),
    ("16条", 16),
    ("第16条", 16),
    ("clause 16", 16),
    ("Clause 16", 16),
    ("第十六條", 16),        # traditional 條
    ("第１６条", 16),        # full-width digits
    ("第五十三条", 53),
    ("第一条", 1),
])
def test_exact_lookup_ranks_the_named_clause_first(search, query, number):
    hits, ev = search.search(query, 10)
    assert hits[0].clause.number == number
    assert hits[0].clause.label == f"第{number}条"
    assert ev.lookup is True
    # The lookup is a boost, not a replacement: the rest of the ranking is still there.
    assert len(hits) == 10
    assert hits[0].score > hits[1].score


@pytest.mark.parametrize("query, number", [
    ("第十六条", 16), ("16条", 16), ("第16条", 16), ("clause 16", 16), ("article 7", 7),
    ("第一百零五条", 105), ("第二十条", 20), ("小微企业社保能免几个月？", None), ("", None),
    # "53条" as a nickname of a whole document is no clause lookup
    ("这个53条意见什么时候开始执行？", None), ("济南出台的20条措施", None), ("53条里第五条讲什么", 5),
    ("听说53条里有一条专门说填表的", None), ("16条里说社保免几个月？", 16),
    ("这53条总的思路是啥？", None), ("這個53條是誰發的？", None), ("一共53条吗", None), ("看下53条", 53),
    ("这 53 条总的思路", None), ("这份53条是谁发的", None), ("该53条", None), ("这53条里第五条讲什么", 5),
    ("Is there really no 2021 deadline?", None), ("No. 16", 16),
])
def test_lookup_number(query, number):
    assert lookup_number(query) == number


@pytest.mark.parametrize("query", ["第99条", "第九十九条", "clause 999", "第0条"])
def test_lookup_of_a_missing_clause_does_not_crash(search, policy_bot, query):
    hits, ev = search.search(query, 10)
    assert ev.lookup is False
    assert 99 not in numbers(hits) and 999 not in numbers(hits)
    assert len(hits) == 10  # falls back to ordinary ranking
    assert policy_bot.search(query, 5)  # and through the front door too


# ---------------------------------------------------------------- scripts and languages


def test_traditional_question_ranks_like_its_simplified_twin(search):
    trad, _ = search.search("中小企業社保單位繳費可以免幾個月？", 10)
    simp, _ = search.search("中小企业社保单位缴费可以免几个月？", 10)
    assert trad[0].clause.number == 16
    assert simp[0].clause.number == 16
    assert numbers(trad[:5]) == numbers(simp[:5])


def test_english_question_finds_the_chinese_clause(search):
    hits, ev = search.search("How long can small businesses skip social insurance contributions?", 10)
    assert 16 in numbers(hits[:3])
    assert ev.lookup is False


@pytest.mark.parametrize("query, number", [
    (SOCIAL_INSURANCE, 16),
    ("高血压的药现在一次能开几个月的？", 6),
    ("今年公司亏惨了，亏损最长能结转几年？", 15),
])
def test_plain_questions_rank_their_clause_first(search, query, number):
    hits, _ = search.search(query, 10)
    assert hits[0].clause.number == number


# ---------------------------------------------------------------- result shape


def test_search_returns_k_hits_with_descending_scores_and_sentences(search):
    hits, ev = search.search(SOCIAL_INSURANCE, 10)
    assert len(hits) >= 10
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.position for h in hits}) == len(hits)  # no clause twice
    for h in hits:
        assert h.clause is search.clauses[h.position]
        assert h.sentences, f"{h.clause.label} has no sentence matches"
        sentence_scores = [s for _, s in h.sentences]
        assert sentence_scores == sorted(sentence_scores, reverse=True)
        for text, score in h.sentences:
            assert isinstance(text, str) and text
            assert text in h.clause.text  # document text, never the index's title-prefixed unit
        assert set(h.channels) == {"bm25_clause", "bm25_sentence", "dense_clause", "dense_sentence",
                                   "cross_sentence"}
    # The sentence that answers the question is the best match inside clause 16.
    assert "5个月" in hits[0].sentences[0][0] or "5个月" in hits[0].sentences[1][0]
    assert 0.0 <= ev.coverage <= 1.0 and ev.dense > 0 and ev.margin >= 0


def test_k_larger_than_the_document_returns_every_clause_once(search):
    hits, _ = search.search(SOCIAL_INSURANCE, 500)
    assert len(hits) == len(search.clauses)
    assert sorted(h.position for h in hits) == list(range(len(search.clauses)))


def test_brief_is_json_friendly(search):
    hits, _ = search.search(SOCIAL_INSURANCE, 3)
    b = hits[0].brief()
    assert b["number"] == 16 and b["label"] == "第16条"
    assert isinstance(b["score"], float)


# ---------------------------------------------------------------- section filter


def test_section_filter_returns_only_that_section(search):
    section = next(c.section for c in search.clauses if c.number == 16)
    hits, _ = search.search(SOCIAL_INSURANCE, 10, section=section)
    assert hits
    assert all(h.clause.section == section for h in hits)
    assert hits[0].clause.number == 16
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("section", ["二、精准做好疫情防控工作", "(三)切实保障和改善民生"])
def test_section_filter_by_heading_or_part_of_it(policy_bot, section):
    hits = policy_bot.search("补贴", 10, section=section)
    assert hits
    assert all(section in h.clause.section for h in hits)
    expected = sum(1 for c in policy_bot.current().version.clauses if section in c.section)
    assert len(hits) == min(10, expected)


def test_section_filter_with_no_such_section_returns_nothing(search):
    hits, ev = search.search(SOCIAL_INSURANCE, 10, section="第九十九章 不存在")
    assert hits == []
    assert ev.margin == 0.0


# ---------------------------------------------------------------- langchain retriever


def test_clause_retriever_returns_langchain_documents(search):
    retriever = ClauseRetriever(search=search, k=5)
    docs = retriever.invoke(SOCIAL_INSURANCE)
    assert len(docs) == 5
    assert all(isinstance(d, LCDocument) for d in docs)
    top = docs[0]
    assert top.metadata["number"] == 16
    assert top.metadata["label"] == "第16条"
    assert top.metadata["title"] == "阶段性减免企业社会保险费"
    assert top.page_content == search.clauses[search._by_number[16]].text
    for d in docs:
        assert {"number", "label", "title", "section", "score", "sentences"} <= set(d.metadata)
    assert [d.metadata["score"] for d in docs] == sorted((d.metadata["score"] for d in docs), reverse=True)


def test_clause_retriever_modes(search):
    for mode in MODES:
        docs = ClauseRetriever(search=search, k=3, mode=mode).invoke(SOCIAL_INSURANCE)
        assert docs[0].metadata["number"] == 16, mode


# ---------------------------------------------------------------- modes and chunking


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("mode", MODES)
def test_every_mode_and_chunking_runs(search, mode, chunking):
    hits, ev = search.search(SOCIAL_INSURANCE, 10, mode=mode, chunking=chunking)
    assert len(hits) == 10
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    expected = {"hybrid": {"bm25", "dense"}, "bm25": {"bm25"}, "dense": {"dense"}}[mode]
    if mode == "hybrid" and chunking == "clause":
        expected = expected | {"cross"}  # the cross-lingual sentence channel
    assert {name.split("_")[0] for name in hits[0].channels} == expected
    if chunking == "clause":
        assert hits[0].clause.number == 16
    # A lookup goes first whatever the mode.
    hits, ev = search.search("第十六条", 5, mode=mode, chunking=chunking)
    assert hits[0].clause.number == 16 and ev.lookup


def test_unknown_mode_or_chunking_is_a_value_error(search):
    with pytest.raises(ValueError):
        search.search(SOCIAL_INSURANCE, mode="sparse")
    with pytest.raises(ValueError):
        search.search(SOCIAL_INSURANCE, chunking="page")


@pytest.mark.parametrize("query", ["", "   ", "？？？", "!!!", "a", "😀" * 50, "社" * 900])
def test_degenerate_queries_do_not_crash(search, query):
    hits, _ = search.search(query, 5)
    assert len(hits) == 5


# ---------------------------------------------------------------- regression guard on the dev set
# Measured on this index (python -m bot eval tests/data/dev.jsonl --compare):
#   hit@1  hybrid 0.886  bm25 0.800  dense 0.886  fixed 0.171
#   hit@5  hybrid 1.000  bm25 0.914  dense 1.000  fixed 0.400
# The guards sit a little below those numbers.


@pytest.fixture(scope="module")
def dev_metrics(policy_bot) -> dict:
    gold = load_gold(DEV)
    return {name: evaluate(policy_bot, gold, **opts)["metrics"] for name, opts in CONFIGS.items()}


def test_dev_hybrid_hit_rates(dev_metrics):
    m = dev_metrics["hybrid"]
    assert m["hit@5"] >= 0.95, m
    assert m["hit@1"] >= 0.85, m
    assert m["mrr"] >= 0.90, m


@pytest.mark.parametrize("baseline", ["bm25", "dense", "fixed"])
def test_dev_hybrid_is_at_least_as_good_as_each_baseline(dev_metrics, baseline):
    assert dev_metrics["hybrid"]["hit@1"] >= dev_metrics[baseline]["hit@1"], dev_metrics
    assert dev_metrics["hybrid"]["hit@5"] >= dev_metrics[baseline]["hit@5"], dev_metrics


# ---------------------------------------------------------------- cross-lingual ranking

# Written for this test, not taken from the labelled sets.
ENGLISH = [
    ("How many months can a small business skip the employer part of social insurance?", 16),
    ("Is there a subsidy for each new worker we hire after reopening?", 24),
    ("Can a pharmaceutical company get a reward for a newly approved innovative drug?", 41),
    ("Will the city help exporters pay for export credit insurance?", 37),
]


@pytest.mark.parametrize("question, number", ENGLISH)
def test_english_questions_rank_the_clause_first(search, question, number):
    hits, _ = search.search(question, 5)
    assert "cross_sentence" in hits[0].channels
    assert hits[0].clause.number == number, numbers(hits)


def test_the_cross_channel_is_hybrid_only(search):
    """The baselines stay what they are named: dense is e5 alone, bm25 is BM25 alone."""
    for mode in ("dense", "bm25"):
        hits, _ = search.search(ENGLISH[0][0], 3, mode=mode)
        assert "cross_sentence" not in hits[0].channels


def test_without_cross_vectors_search_still_works(engine, embedder):
    from bot.retrieve import HybridSearch

    plain = HybridSearch(engine.version, embedder)
    hits, _ = plain.search(SOCIAL_INSURANCE, 3)
    assert hits[0].clause.number == 16 and "cross_sentence" not in hits[0].channels


@pytest.mark.parametrize("question, clause", [
    # 第13条's 哄抬物价 and 假劣防疫用品; without the synonyms 第7条 (mask supply) ranks first
    ("现在有人卖假口罩还坐地起价，政府管不管？", 13),
    # 第26条's 血液透析 and 第36条's 无接触配送, as held-out 8 and 10 asked (第6条 and 第34条 without)
    ("我媽要定期洗腎,疫情這段時間去醫院看病是不是得先預約?她洗腎這事有沒有保障?", 26),
    ("开社区超市的 大家都不出门 政府对线上卖菜送货上门这种有啥鼓励的方向", 36),
    # 第49条's 下沉企业一线, as held-out 11 asked (第19条's 派驻服务专员 without)
    ("听说市直机关派人下企业帮着复工复产 一共派了多少人", 49),
    # 第44条's 污染防治设施 for 环保 (第21条, on starting construction, without)
    ("化工厂停产一阵了，开工前环保方面有啥要求？", 44),
])
def test_a_colloquial_word_finds_the_clause_in_official_terms(policy_bot, question, clause):
    """prompts/synonyms.txt adds the official term to the lexical query."""
    assert policy_bot.search(question)[0].clause.number == clause
