"""Outside topics: questions nearer to a known outside topic than to the document are
refused, and a topic the document itself covers never counts against a question.
Real e5 embeddings, real FAISS, the real seed and a hand-written housing policy."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.index import build, load
from bot.outside import Clash, OutsideTerms, OutsideTopics, TermGroup, clash, read_contrasts, read_terms, read_topics
from bot.pipeline import PolicyBot
from bot.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "prompts" / "outside_topics.txt"

HOUSING = """济南市关于促进房地产市场平稳健康发展的若干措施
1.调整商品房限购政策。在本市购买商品房的，购房资格审核时不再要求提供社保缴纳证明，二套房限购范围缩小至历下区、市中区。
2.提高住房公积金贷款额度。住房公积金贷款最高额度由60万元提高到80万元。
3.加快老旧小区改造。2020年改造老旧小区200个，同步完善养老托育设施。
"""


def test_read_topics_skips_comments_blanks_and_repeats(tmp_path):
    f = tmp_path / "topics.txt"
    f.write_text("# 说明\n\n商品房限购\n  天气预报  \n商品房限购\n# 另一段\n", encoding="utf-8")
    assert read_topics(f) == ["商品房限购", "天气预报"]
    assert read_topics(tmp_path / "missing.txt") == []


def test_shipped_topics_against_the_seed(seed_index, embedder):
    """The shipped list is generic; against the seed only the topic the seed really
    names (新能源汽车 subsidies, clause 34) is set aside, the rest stay in force."""
    version = load(seed_index)
    topics = read_topics(TOPICS)
    outside = OutsideTopics.build(topics, embedder, version.sentence_vectors, cover=0.9)
    covered = [t for t in outside.topics if t.covered]
    assert [t.text for t in covered] == ["新能源汽车购车补贴"]
    assert "新能源汽车" in version.sentences[covered[0].nearest_unit].text
    assert len(outside) == len(topics) - 1 > 50


def test_a_topic_taken_from_the_document_is_set_aside(seed_index, embedder):
    version = load(seed_index)
    own = next(u.text for u in version.sentences if "社会保险" in u.text)
    outside = OutsideTopics.build(["天气预报", own], embedder, version.sentence_vectors, cover=0.9)
    covered = {t.text: t.covered for t in outside.topics}
    assert covered == {"天气预报": False, own: True}
    assert len(outside) == 1
    assert outside.nearest(embedder.query("明天下雨吗"))[1] == "天气预报"


@pytest.mark.parametrize("question, topic_word", [
    ("在济南买第二套房有没有限购？", "限购"),
    ("住房公积金贷款最多能贷多少？", "公积金"),
    ("疫情期间路边停车收费吗？", "停车"),
    ("我在农贸市场租的摊位，疫情期间摊位费能减免吗？", "摊位费"),
    ("济南现在让不让路边摆地摊？夜市摆摊要不要办证", "摆摊"),
])
def test_seed_refuses_questions_on_outside_topics(policy_bot, question, topic_word):
    a, _ = policy_bot.ask(question)
    assert a.refused and a.citations == []
    assert a.reason in ("outside_topic", "outside_term", "not_covered", "not_stated")
    if a.reason in ("outside_topic", "outside_term"):
        assert topic_word in a.text and "12345" in a.text


def test_seed_still_answers_questions_near_outside_topics(policy_bot):
    """Close to 失业金/社保 topics on the list, but answered by the document."""
    for question, clause in [("小微企业社保能免几个月？", 16), ("新招一个员工能拿多少补贴？", 24),
                             ("缓缴社保是自动的，还是要自己申请？", 16), ("店里二月新招了一个店员，签了合同交了社保，政府一个人给补多少钱？", 24)]:
        a, _ = policy_bot.ask(question)
        assert not a.refused, a.text
        assert a.citations[0]["number"] == clause


def test_a_housing_policy_answers_what_the_seed_refuses(tmp_path, embedder):
    """Same topic list, another document: the topics it covers are set aside, so its
    own questions are answered and cited."""
    src = tmp_path / "housing.txt"
    src.write_text(HOUSING, encoding="utf-8")
    build(tmp_path / "index", src, embedder)
    bot = PolicyBot(get_settings(index_dir=tmp_path / "index"), embedder=embedder)
    engine = bot.current()
    covered = [t.text for t in engine.answerer.outside.topics if t.covered]
    assert any("限购" in t for t in covered) and any("公积金" in t for t in covered)
    for question, clause in [("在济南买第二套房有没有限购？", 1), ("住房公积金贷款最多能贷多少？", 2)]:
        a, _ = bot.ask(question)
        assert not a.refused, a.text
        assert a.citations[0]["number"] == clause


def test_no_topic_file_turns_the_check_off(seed_index, embedder, tmp_path):
    bot = PolicyBot(get_settings(index_dir=seed_index, outside_topics_file="none.txt"), embedder=embedder)
    assert len(bot.current().answerer.outside) == 0
    a, _ = bot.ask("小微企业社保能免几个月？")
    assert not a.refused


def test_topic_vectors_are_cached_beside_the_index(seed_index, embedder, tmp_path, monkeypatch):
    """A reload reads the topic vectors back instead of embedding the list again; a new
    topic is embedded alone; another embedder's cache is not used."""
    version = load(seed_index)
    cache = tmp_path / "outside-topics.json"
    first = OutsideTopics.build(["天气预报", "驾照换证"], embedder, version.sentence_vectors, 0.9, cache=cache)
    assert cache.exists()

    embedded = []
    real = embedder.queries
    monkeypatch.setattr(embedder, "queries", lambda texts: embedded.extend(texts) or real(texts))
    again = OutsideTopics.build(["天气预报", "驾照换证", "护照办理"], embedder, version.sentence_vectors, 0.9,
                                cache=cache)
    assert embedded == ["护照办理"]
    assert [t.nearest for t in again.topics[:2]] == pytest.approx([t.nearest for t in first.topics])

    monkeypatch.setattr(embedder, "name", "another-model")
    embedded.clear()
    OutsideTopics.build(["天气预报"], embedder, version.sentence_vectors, 0.9, cache=cache)
    assert embedded == ["天气预报"]


def test_cross_lingual_topic_vectors_are_kept_and_cached_apart(seed_index, embedder, cross_embedder, tmp_path):
    version = load(seed_index)
    cache = tmp_path / "outside-topics.json"
    outside = OutsideTopics.build(["最低工资标准", "居留许可办理"], embedder, version.sentence_vectors, 0.9,
                                  cache=cache, cross=cross_embedder)
    assert outside.has_cross and (tmp_path / "outside-topics-cross.json").exists()
    wage = cross_embedder.query("What is the minimum monthly wage in Jinan?")
    permit = cross_embedder.query("How do I renew my residence permit?")
    assert outside.nearest_cross(wage) > 0.4 and outside.nearest_cross(permit) > 0.3
    plain = OutsideTopics.build(["最低工资标准"], embedder, version.sentence_vectors, 0.9, cache=cache)
    assert not plain.has_cross and plain.nearest_cross(wage) == 0.0


@pytest.mark.parametrize("question", [
    "What is the minimum monthly wage in Jinan right now?",
    "My train ticket to Qingdao was cancelled. How do I get my money back?",
    "I'm a foreign student in Jinan. How do I extend my residence permit?",
])
def test_english_questions_on_outside_topics_are_refused(policy_bot, question):
    a, _ = policy_bot.ask(question)
    assert a.refused and a.reason in ("outside_topic", "outside_term", "not_covered"), a.text


def test_an_english_question_e5_puts_near_a_topic_is_answered(policy_bot):
    """e5 puts this question 0.006 nearer the VAT-rate topic than the document; in USE's
    space the document's clauses on credit insurance and trade fairs are far nearer."""
    a, _ = policy_bot.ask("We're a Jinan exporter with about USD 6 million in annual exports. Two questions: will "
                          "the city fully cover our export credit insurance premiums, and if we exhibit at a trade "
                          "fair in a Belt and Road country, how much of the booth fee can be subsidized?")
    assert not a.refused, a.text
    assert {37, 38} & {c["number"] for c in a.citations}


def test_an_unreadable_cache_is_rebuilt(seed_index, embedder, tmp_path):
    version = load(seed_index)
    cache = tmp_path / "outside-topics.json"
    cache.write_text("{not json", encoding="utf-8")
    outside = OutsideTopics.build(["天气预报"], embedder, version.sentence_vectors, 0.9, cache=cache)
    assert len(outside) == 1 and "天气预报" in cache.read_text(encoding="utf-8")


# ---------------------------------------------------------------- named terms (OutsideTerms)

TERMS = ROOT / "prompts" / "outside_terms.txt"


def test_read_terms_groups_and_places(tmp_path):
    f = tmp_path / "terms.txt"
    f.write_text("# 说明\n房贷 按揭\n\n电费 电价 ~ 冷库 冷链\n[places]\n# 地名\n青岛 烟台\n济南\n青岛\n", encoding="utf-8")
    groups, places = read_terms(f)
    assert groups == [TermGroup(("房贷", "按揭")), TermGroup(("电费", "电价"), ("冷库", "冷链"))]
    assert places == ["青岛", "烟台", "济南"]
    assert read_terms(tmp_path / "missing.txt") == ([], [])


def test_a_year_after_every_year_the_document_names_is_outside():
    terms = OutsideTerms.build([], [], "2020-03-02 2020年2月起免征……推出2000万元消费券,2021年6月底前完成")
    assert terms.years == [2020, 2021]
    assert terms.thing_in("2022年还发不发消费券") == "2022年"
    assert terms.thing_in("Will there be vouchers in 2023?") == "2023年"
    assert terms.thing_in("2021年还能享受吗") is None        # the document names 2021
    assert terms.thing_in("我们2018年开的店能享受吗") is None  # describes the asker
    assert terms.thing_in("我2022年开的店能免社保吗") is None
    assert terms.thing_in("2023年3月成立的公司能享受吗") is None
    assert terms.thing_in("补贴2022元够不够") is None         # an amount, not a year
    assert terms.thing_in("文件上写着可以延期到2022年，对吧") is None  # a claim the clause corrects
    assert terms.thing_in("2022年还有这个政策吗") == "2022年"  # 政策 names the topic, not a claim
    assert terms.thing_in("政策上说补贴发到2022年底，对吗") is None  # …but 政策上说 is one
    assert terms.thing_in("扶贫小额信贷还款能延到2022年底是吧") is None  # asked to confirm: a claim
    assert terms.thing_in("2022年景区对不对外开放？") == "2022年"       # 对不对外 is no tag
    assert OutsideTerms.build([], [], "没有年份的文件").thing_in("2022年呢") is None


def test_an_english_place_counts_only_as_the_owner_of_a_policy():
    places = ["青岛=qingdao", "河南=henan", "香港=hong kong", "台湾=taiwan", "杭州=hangzhou", "北京=beijing"]
    terms = OutsideTerms.build([], places, "济南市 免征中小微企业社保 防止流入北京")
    assert terms.thing_in("does qingdao offer the same exemption as jinan?", places=False) == "Qingdao"
    assert terms.thing_in("what is qingdao's policy for small shops?", places=False) == "Qingdao"
    # where someone or something is from
    assert terms.thing_in("i'm stuck in my hometown in henan, will my bills be covered?") is None
    assert terms.thing_in("my hong kong partner brings capital, any reward?") is None
    assert terms.thing_in("my company in hong kong has a branch here. does it get the subsidy?") is None
    assert terms.thing_in("will hangzhou workers returning to jinan get a subsidy?") is None
    assert terms.thing_in("do taiwanese compatriots qualify?") is None
    # a place the document names is judged by its Chinese name, whatever the English says
    assert terms.thing_in("does beijing offer the same exemption?", places=False) is None


@pytest.mark.parametrize("question, named", [
    ("2022年济南还给小微企业免社保吗？今年还有没有这个政策？", "2022年"),   # the later part points back
    ("听说2021年济南又出了稳岗新政策，今年怎么申请？", "2021年"),       # a new policy is not the document
    ("Is there a new support policy for small firms in 2022?", "2022年"),
    ("听说扶贫小额信贷能延到2021年底，是真的吗？", None),               # a claim about the document's measure
])
def test_a_new_policy_in_a_later_year_is_outside_whoever_tells_of_it(question, named):
    from bot.answer import _parts_asking
    terms = OutsideTerms.build(*read_terms(TERMS), document="济南市 2020年3月2日 扶贫小额信贷 延期还款")
    assert terms.outside(question, _parts_asking(question)) == named


def test_a_later_year_that_sets_the_time_of_the_whole_question_dates_every_part():
    terms = OutsideTerms.build([], [], "2020-03-02 2020年2月起免征")
    assert terms.outside("2022年招人的话，还有那个吸纳就业补贴吗？", ["还有那个吸纳就业补贴吗"]) == "2022年"
    assert terms.outside("今年都2022了 济南还有类似的社保减免没", ["济南还有类似的社保减免没"]) == "2022年"
    assert terms.outside("要是到了2021年，社保还免吗？", ["社保还免吗"]) == "2021年"
    # a part telling what happened in a later year does not date the question
    for told in ["我们是2021年3月才注册的公司。社保能免吗？", "2021年我们公司成立。社保能免几个月？",
                 "我家2025年的房贷还没还完。个体户社保能缓吗？", "2021年亏了200万。亏损能结转几年？",
                 "每月社保交2025了。能缓缴吗？"]:
        assert terms.outside(told, [told.split("。")[1]]) is None, told
    # a year in one ask of two leaves the other answerable
    assert terms.outside("2022年还发消费券吗？社保缓缴最长几个月？",
                         ["2022年还发消费券吗", "社保缓缴最长几个月"]) is None


def test_english_words_are_matched_where_a_word_starts(tmp_path):
    f = tmp_path / "terms.txt"
    f.write_text("房租 rent*\n签证 residence_permit\n", encoding="utf-8")
    terms = OutsideTerms.build(*read_terms(f), document="推出消费券")
    assert terms.thing_in("Is there any rent reduction for shops?") == "房租"
    assert terms.thing_in("Is rental income taxed?") == "房租"                 # "*": from where a word starts
    assert terms.thing_in("What is the current subsidy?") is None        # "current" is no "rent"
    assert terms.thing_in("My residence permit expires soon") == "签证"


def test_a_group_the_document_mentions_is_set_aside():
    terms = OutsideTerms.build([TermGroup(("房贷", "按揭")), TermGroup(("电费", "电价"))], ["青岛", "济南"],
                               document="济南市：降低农业生产电价。")
    assert terms.absent == {"房贷": "房贷", "按揭": "房贷"}
    assert terms.away == ["青岛"] and terms.home == ["济南"] and terms.mentioned == ["电费"]
    assert terms.thing_in("我的按揭能晚点还吗") == "房贷"
    assert terms.thing_in("电费能减免吗") is None


def test_a_setting_is_read_after_either_tilde_and_matched_as_words_are(tmp_path):
    f = tmp_path / "terms.txt"
    f.write_text("电费 电价 ～ 冷库 cold_stor\n房贷 ~\n", encoding="utf-8")
    groups, _ = read_terms(f)
    assert groups == [TermGroup(("电费", "电价"), ("冷库", "cold stor")), TermGroup(("房贷",))]
    terms = OutsideTerms.build(groups, [], document="对冷链物流保鲜仓储设施(冷库),实行农业生产用电价格。")
    assert terms.thing_in("What electricity price applies to my cold storage warehouse?") is None
    assert terms.thing_in("商场电费能打折吗") == "电费"


def test_a_word_inside_a_longer_one_after_the_bang_is_not_named(tmp_path):
    f = tmp_path / "terms.txt"
    f.write_text("房租 租金 ! 房租给 房租出\n电费 ~ 冷库 ！ 电费单\n水费 ! 水费单 ~ 冷库\n", encoding="utf-8")
    groups, _ = read_terms(f)
    assert groups == [TermGroup(("房租", "租金"), (), ("房租给", "房租出")), TermGroup(("电费",), ("冷库",), ("电费单",)),
                      TermGroup(("水费",), ("冷库",), ("水费单",))]   # either marker may come first
    terms = OutsideTerms.build(groups, [], document="减征房产税。")
    assert terms.thing_in("我有间门面房租给人做生意，房产税能不能少交？") is None   # 门面房 租给人
    assert terms.thing_in("厂房租出去了，租户交不上租金，能减免吗") == "房租"       # 租金 still names it
    assert terms.thing_in("门面房租能不能减免？") == "房租"


def test_a_group_the_document_names_only_in_one_setting_counts_outside_it():
    group = TermGroup(("电费", "电价"), ("冷库", "冷链"))
    terms = OutsideTerms.build([group], [], document="对农村冷链物流保鲜仓储设施,实行农业生产用电价格。")
    assert terms.only_with == {"电费": ("冷库", "冷链")} and terms.mentioned == []
    assert terms.thing_in("开小超市的，电费有没有打折？") == "电费"
    assert terms.thing_in("冷库电费按啥价算") is None
    # the setting may sit in another part of the question
    assert terms.outside("我在村里建了个冷库。电费按啥价格算？", ["我在村里建了个冷库", "电费按啥价格算"]) is None
    # named outside the setting too, the group is set aside
    terms = OutsideTerms.build([group], [], document="实行农业生产用电价格。冷链企业…。商业电价降低5%。")
    assert terms.mentioned == ["电费"] and terms.thing_in("商业电费能打折吗") is None
    # never named at all, the group counts everywhere
    assert OutsideTerms.build([group], [], document="推出消费券").thing_in("冷库电费按啥算") == "电费"


def test_seed_names_nucleic_acid_tests_only_for_prisons_and_the_cdc(policy_bot):
    a, _ = policy_bot.ask("返岗的工人要不要先做核酸检测？费用谁出？")
    assert a.refused and a.reason == "outside_term" and "“核酸”" in a.text
    a, _ = policy_bot.ask("监狱防疫有啥要求？犯人要做核酸吗")
    assert not a.refused and a.citations[0]["number"] == 3, a.text


def test_a_tax_question_sharing_only_relief_verbs_with_a_topic_is_the_tax_clauses(policy_bot):
    # e5 puts 税费 next to 水费; the question shares only 减免/缓交 with the 水电气 topic
    a, _ = policy_bot.ask("税费方面这次都有啥减免或者缓交的政策？")
    assert not a.refused and a.citations[0]["number"] == 15, a.text


def test_a_place_named_in_passing_is_declined_as_another_places_policy_not_as_unmentioned(policy_bot):
    a, _ = policy_bot.ask("上海对奶茶店出台了哪些扶持措施？和济南比哪个力度大？")
    assert a.refused and a.reason == "outside_term" and "“上海”那边的政策" in a.text
    assert "没有提到" not in a.text     # the document does name 上海 (vegetables sent there)


def test_seed_names_trade_ins_only_for_cars(policy_bot):
    a, _ = policy_bot.ask("买冰箱洗衣机以旧换新有没有政府补贴？")
    assert a.refused and a.reason == "outside_term" and "开展汽车以旧换新" in a.text
    a, _ = policy_bot.ask("想把家里的老车换辆新能源的，有没有以旧换新补贴？")
    assert not a.refused and a.citations[0]["number"] == 34


def test_seed_names_electricity_only_for_cold_storage(policy_bot):
    a, _ = policy_bot.ask("一般工商业用电电价有没有阶段性下调？")
    assert a.refused and a.reason == "outside_term" and "“电费”" in a.text
    a, _ = policy_bot.ask("我在村里建了个果蔬保鲜冷库，电费按啥价格算？")
    assert not a.refused and a.citations[0]["number"] == 33 and "农业生产用电价格" in a.text


@pytest.mark.parametrize("question, named", [
    ("青岛那边的小微企业社保免几个月？", "青岛"),
    ("我老家青岛的，在这边开店能申请补贴吗", None),    # where the asker is from
    ("河南人在这里打工，返岗有补贴吗", None),
    ("从青岛回济南要隔离几天？", None),                 # names the document's own city
    ("在青岛出差，回济南后公司社保还能免吗？", None),
    ("青岛那边是不是也跟济南一样补1000？", "青岛"),     # ...but asks about the other one
    ("济南的政策我知道了，青岛的政策呢？", "青岛"),
    ("青岛的中小微企业社保减免跟济南一样吗？", "青岛"),  # 济南 only as the yardstick
    ("青岛的社保减免和济南的政策有啥区别", "青岛"),
    ("我的房贷还不上了能延期吗？企业贷款能延期吗？", None),  # one part the document may answer
    ("个人房贷能延期还款吗？会不会影响征信？", "房贷"),      # the short second part leans on the first
    ("青岛那边对小微企业有啥补贴？跟济南比哪边力度大？", "青岛"),  # a part that only compares
    ("青岛那边对小微企业有啥补贴？济南企业贷款能延期吗？", None),
    ("青岛市出口信保的门槛是多少？与济南有何不同？", "青岛"),     # 济南 only as the yardstick
    ("公司能申请缓缴住房公积金吗？最长缓缴多久，到哪里办理？", "住房公积金"),  # the detail asked follows on
    ("住房公积金缴存比例能降吗？能不能缓缴到年底呢？", "住房公积金"),   # a short modal part, its subject left out
    ("我的房贷能延期吗？能不能申请企业贷款贴息？", None),             # a modal part with a subject of its own
    ("How do Jinan's export measures compare with Qingdao's? Does Qingdao give more on credit insurance?",
     "Qingdao"),                                                  # the English part that only compares
    ("海运费涨得厉害，集装箱运费政府给不给出口企业补贴？", "海运费"),
    ("我的房贷能延期吗？企业贷款贴息比例是多少？", None),          # 比例 compares nothing
    ("今年上半年的教师资格证考试会不会推迟？", "考试"),
    ("哪个税能减免？这个税交不上能延期吗？", None),       # 个税 would be inside 这个税
    ("For example, can small businesses defer social insurance?", None),
    # what happened to a thing tells the asker's situation; the ask is elsewhere
    ("公司现在工资都快发不出来了，社保想先缓一缓，该怎么弄？", None),
    ("两台车的车贷也逾期了一个月，会不会被记成失信？", None),
    ("店里没客人 房租还得照交 市里对文化旅游这块都有啥扶持", None),
    ("疫情期间个人房贷照样要还吗？", "房贷"),                 # 照样 in a question still asks
    ("公司给我降薪了，家里困难能申请临时救助吗？", None),       # done to the asker, told with 了
    ("公司给员工降薪了吗？", "降薪"),                         # ...but asked with 了吗
    ("Is Qingdao also giving out consumption vouchers?", "Qingdao"),
    ("青岛给小微企业的贷款贴息是多少？想和济南的标准对比一下。", "青岛"),   # 济南 only as the yardstick
    ("铺子租出去了，租金收不上来，房产税能减免吗？", None),
    ("房租工资压得喘不过气，小店有啥扶持？", None),
    ("慢性病的处方药现在一次能开多久？", None),                  # 第6条's 处方用药量
    ("药店能不能在网上卖处方药？", "卖处方药"),
    ("网上能买到处方药吗？", "卖处方药"),
    ("能不能不交契税了？", "契税"),                              # 了 before a question mark asks
    ("公司降薪了怎么办？", "降薪"),
    ("房东能不能把房租给减一半？", "房租"),                      # 给 as the marker, not 租给
    # words inside other words, and words that describe the asker
    ("疫情信息发布能做到及时准确权威吗？", None),
    ("员工返岗复工，要不要开健康证明？", None),
    ("卖熟食的健康证过期了，能不能延期？", "健康证"),
    ("我有医师资格证，想报名去抗疫一线，有什么补助？", None),
    ("进口防疫物资要用外汇付款，购付汇手续能简化吗？", None),
    ("运送防疫物资的货车会不会被限行？", None),
    # words that sit inside other words or inside what the document covers
    ("小微企业贷款风险补偿金怎么申请？", None),
    ("我还是不明白事情该怎么申请稳岗返还", None),
    ("医疗废物的转运费谁来出？", None),
    ("个人房贷还不上，能申请延期还款吗？", "房贷"),
    # only the parts that ask count; a part that only tells explains the ask
    ("家里困难,水费能不能缓交?这几个月实在交不起了。", "水费"),
    ("店里每个月房租一万多。企业贷款能延期吗？", None),
    ("店里每个月房租一万多。", "房租"),                 # nothing else to go on
    ("店里每个月房租一万多。贷款能延期吗？", None),      # a short asking part is still the ask
    ("家里困难，水費可以緩繳嗎。這幾個月實在繳不起了", "水费"),  # traditional question words ask too
    ("店里房租一万多。水费缓交？", "水费"),             # a question mark alone asks
    ("复工前员工都要做核酸检测吗？费用是企业出还是政府出？", "核酸"),  # who pays follows on
    ("水费快交完了，企业贷款能延期吗？", None),          # about to run out: told
    ("家里困难，连水费都拖着，企业贷款能延期吗？", None),   # left unpaid: told
    ("小规模纳税人增值税是不是降到1%了？我们车行能享受吗？", "增值税"),   # whether the asker gets it
    ("退役的一次性经济补助发多少？疫情期间会不会晚发？", "退役金"),
    ("澳门投资者投400万美元做项目，能即时供地吗？", None),   # who invests, not Macao's policy
    ("我住公租房，现在去医院开药一次最多能开多久？", None),   # where the asker lives
    ("家里还背着车贷，能申请临时救助吗？", None),            # what the asker carries
    ("我开了一家卖康复辅具的小公司，贷款逾期会不会算失信？", None),   # what the business sells
    ("疫情期间还能申请公租房吗？", "公租房"),
    ("公司注册资本40500元，能享受补贴吗？", None),          # a figure, not 4050人员
    ("孩子的学费疫情期间能退吗？我们公司的社保能申请缓缴吗？", None),   # a part with its own subject
    ("我们公司有3项专利，能申请贷款贴息吗？", None),         # what the asker has
    ("我正在休产假，社保能缓缴吗？", None),
    ("公司违背了产假规定，能投诉吗？", "产假"),              # 违背了 carries nothing
    ("厂里发的防疫补贴要交个税吗？", "所得税"),
    ("新冠疫苗什么时候能打上？", "新冠疫苗"),
    ("营业执照过期了能延期吗？", "许可证"),
    ("营业执照变更能不能不跑大厅，在网上办？", None),     # the way of a procedure, 第19条's
    ("我们宠物医院亏损能往后结转几年？", None),            # what the asker runs
    ("我是在济南干活的育儿嫂，回不了济南，在老家看病能报销吗？", None),   # who the asker is
    ("我是想问请月嫂有没有补贴？", "月嫂"),                           # ...but asked about
    ("想贷款周转发工资，有什么渠道帮企业和银行对接？", None),           # what the loan is for
    ("就问个税上的事：亏损能往后结转几年？", None),                     # 问个 税上的事
    ("给员工买口罩消毒液，这些防疫开支政府能报销吗？", "防疫开支"),
    ("青岛对纺织企业出的扶持政策，跟济南这个比哪个力度大？", "青岛"),   # 济南 only as the yardstick
    ("杭州那边补贴很多，济南跟杭州比政策一样吗？杭州的具体怎么补？", "杭州"),
    ("我在抖音帮景区卖门票，消费券一共有多少钱的？", None),            # what the asker sells
    ("直播带货完全停了，我这种能申请临时救助吗？", None),               # what happened to it
    ("孩子学费还得交，失业金要去现场办吗？", None),
    ("为了凑留学费用，贷款延期还了，会不会被记成失信？", None),         # 留学费 is no 学费
    ("我的叉车证疫情期间过期了，能自动延期吗？", "叉车证"),
    # (a review's cases)
    ("房产税和城镇土地使用税这两个税今年能减免吗？", None),            # 两个税 is no 个税
    ("疫情期间哪个税可以缓缴？", None),
    ("公司在青岛，是不是在济南注册才能享受社保减免", None),           # 是不是 is no denial
    ("我是不是能延期还房贷？", "房贷"),                               # a question, not who the asker is
    ("我们是不是可以缓交物业费", "物业费"),
    ("我们员工轮休，社保能减免吗？", None),
    ("物业费停了吗？", "物业费"),                                     # 停了吗 asks
    ("Registered in 青岛, not 济南. 青岛的社保减免 is it the same?", "青岛"),   # 济南 denied
    ("公司不在济南，在青岛，社保能免吗？", "青岛"),
    ("买冰箱洗衣机以旧换新有没有补贴？", "以旧换新"),        # 汽车 only in the document
])
def test_which_questions_name_an_absent_thing(question, named):
    from bot.answer import _parts_asking
    terms = OutsideTerms.build(*read_terms(TERMS), document="济南市 山东省 企业贷款 延期还本付息")
    assert terms.outside(question, _parts_asking(question)) == named


@pytest.mark.parametrize("question, term", [
    ("疫情期间收入少了，个人住房贷款能申请延期还款吗？", "房贷"),
    ("发的临时性工作补助要不要交个人所得税？", "所得税"),
    ("网约车平台抽成太高了，政策有没有要求降低？", "抽成"),
    ("个体户的定额税疫情期间能减免吗？", "定额税"),
    ("店停业那段时间员工工资怎么发？必须发全额吗？", "工资"),
    ("旅行社的质量保证金能暂退多少？", "保证金"),
    ("柴油这么贵，跑运输的有没有燃油补贴？", "油价"),
    ("疫情属于不可抗力，解除租赁合同还要付违约金吗？", "违约金"),
    ("员工确诊了，商业保险公司的意外险能赔吗？", "意外险"),
    ("餐饮许可证疫情期间过期了，能延期换证吗？", "许可证"),
    ("听说青岛也出了政策，那边的中小企业社保能免多久？", "青岛"),
    ("疫情期间货车走高速，通行费免不免？", "通行费"),
    ("停工期间组织员工在线培训，能申请职业技能培训补贴吗？", "职业技能培训"),
    ("订单少了想裁掉一部分工人，经济补偿金怎么算？", "经济补偿"),
    # from the list of common hotline matters written ahead of the questions
    ("买二手房交的契税能不能少交点？", "契税"),
    ("我还在还国家助学贷款，疫情期间利息能不能免？", "助学贷款"),
    ("生意不好，能不能给员工降薪？有没有规定？", "降薪"),
    ("老旧小区改造加装电梯，政府每部补多少？", "老旧小区改造"),
    ("刚毕业想自己开店，一次性创业补贴能领多少？", "创业补贴"),
    # matters of the rounds after (maternity, disability aids, pollution control, tenders)
    ("疫情期间企业女职工的产假有没有延长？", "产假"),
    ("困难残疾人配助听器这些辅具，疫情期间有补贴吗？", "辅具"),
    ("VOC治理设备改造，政府补不补？", "挥发性有机物"),
    ("政府采购口罩，我们怎么参加投标？", "投标"),
    ("停课期间收的保教费，要不要退给家长？", "学费"),
    ("钢厂做超低排放改造，有没有专项补贴？", "超低排放"),
    ("疫情期间专利年费能不能缓交？", "专利"),
    ("花呗借呗疫情期间能不能晚点还？", "花呗"),
])
def test_seed_refuses_questions_about_things_it_never_mentions(policy_bot, question, term):
    a, _ = policy_bot.ask(question)
    assert a.refused and a.reason == "outside_term" and a.citations == []
    assert f"“{term}”" in a.text and "12345" in a.text


def test_seed_declines_a_later_year_but_corrects_a_claimed_one(policy_bot):
    a, _ = policy_bot.ask("2022年济南还发不发文旅消费券？")
    assert a.refused and a.reason == "outside_term" and "2022年" in a.text
    a, _ = policy_bot.ask("2021年济南还接着免企业社保吗 今年的政策跟去年一样不")
    assert a.refused and a.reason == "outside_term" and "2021年" in a.text
    a, _ = policy_bot.ask("文件上写着扶贫小额贷款可以延期到2021年6月底再还，对吧？")
    assert not a.refused and a.citations[0]["number"] == 29
    assert "2021年" in a.text.split("\n")[0]   # the premise note names the claimed year


def test_seed_answers_a_thing_named_where_the_document_names_it_and_quotes_where_otherwise(policy_bot):
    # 第15条 names 住房公积金 only as a burden eased: asked so, the clause answers.
    a, _ = policy_bot.ask("残保金、公积金这块有没有减负的说法？")
    assert not a.refused and a.citations[0]["number"] == 15, a.text
    # asked about anything else, the reply says where the document names it, not that it never does
    a, _ = policy_bot.ask("公司经营困难，住房公积金能缓缴吗？能缓几个月？")
    assert a.refused and a.reason == "outside_term" and a.citations == []
    assert "只在“加大稳岗返还,减轻残保金、住房公积金负担”" in a.text and "没有提到" not in a.text


def test_a_place_named_in_passing_is_not_the_documents_own():
    # 济南 is named most and 莱芜 as one of its districts: they are the document's own
    # place; 上海 only as where vegetables go.
    terms = OutsideTerms.build(*read_terms(TERMS), document=(
        "济南市：向湖北、上海运送蔬菜。区县(含济南高新区、莱芜高新区)。济南企业贷款延期。济南。"))
    assert terms.home == ["莱芜", "济南"] and terms.passing == ["上海", "湖北"]
    from bot.answer import _parts_asking

    def named(question):
        return terms.outside(question, _parts_asking(question))

    # asked about as the maker of its own policy, or compared with the document's place
    assert named("上海对奶茶店出台了哪些扶持措施？和济南比哪个力度大？") == "上海"
    assert named("上海那边的小微企业社保免几个月？") == "上海"
    # named in passing it asks nothing of its own, nor does it name the document's place
    assert named("从上海回来要隔离几天？") is None
    assert named("每天往上海那边运送蔬菜的企业有补贴吗？") is None      # where goods go
    assert named("在上海给员工发了口罩的企业能报销吗？") is None          # an act, not a policy
    assert named("上海给家政员工发了上岗补贴，济南这边呢？") == "上海"
    assert named("给湖北运送蔬菜的车有补贴吗？") is None
    assert named("上海的公司在济南开分店，社保能免吗？") is None
    assert named("莱芜那边的小矿山有啥保险要求？") is None


@pytest.mark.parametrize("question, clause", [
    ("我老家菏泽的，在济南开了个小饭馆，社保能免几个月？", 16),
    ("刚从北京回济南开了个小饭馆，小微企业社保能免几个月？", 16),
])
def test_seed_answers_questions_that_only_mention_another_place_in_passing(policy_bot, question, clause):
    a, _ = policy_bot.ask(question)
    assert not a.refused, a.text
    assert a.citations[0]["number"] == clause


@pytest.mark.parametrize("question", [
    "我们是一家物业公司，员工社保单位那部分能免吗？",
    "外地户口的员工在济南上班，企业招他能拿补贴吗？",
    "我开宠物店的，小微企业社保能免几个月？",
])
def test_words_describing_the_asker_are_not_outside_things(policy_bot, question):
    a, _ = policy_bot.ask(question)
    assert a.reason != "outside_term", a.text


# ---------------------------------------------------------------- contrasts


def test_read_contrasts_and_clash(tmp_path):
    f = tmp_path / "contrasts.txt"
    f.write_text("# 说明\n个人缴费 自己交 | 单位缴费 单位部分\n没有分隔符的行\n | 单位缴费\n医保 | 养老 | 社保\n",
                 encoding="utf-8")
    contrasts = read_contrasts(f)
    assert [(c.asked, c.stated, c.broader) for c in contrasts] == [
        (("个人缴费", "自己交"), ("单位缴费", "单位部分"), ()), (("医保",), ("养老",), ("社保",))]
    contrasts = contrasts[:1]
    employer = "免征中小微企业基本养老、失业、工伤保险单位缴费部分"
    assert clash(contrasts, "我自己交的那份养老保险能免吗", [employer]) == Clash("个人缴费", "单位缴费", False)
    # an employer asking about its staff's share: the clause's 单位缴费部分 answers it (no)
    assert clash(contrasts, "那员工自己交的那部分是不是也不用扣了", [employer]) == Clash("个人缴费", "单位缴费", True)
    assert clash(contrasts, "企业社保能免吗", [employer]) is None                    # nothing asked
    assert clash(contrasts, "我们企业自己交的社保部分能免吗", [employer]) is None       # an employer asking
    assert clash(contrasts, "单位缴费和自己交的都能免吗", [employer]) is None          # both sides asked
    assert clash(contrasts, "自己交的能免吗", [employer + "；个人缴费部分照常"]) is None  # the clause names both
    assert clash(contrasts, "自己交的能免吗", ["推出2000万元消费券"]) is None          # nor the counterpart
    assert read_contrasts(tmp_path / "missing.txt") == []


def test_only_the_staffs_share_of_contributions_is_answered_with_a_note():
    contrasts = read_contrasts(ROOT / "prompts" / "contrasts.txt")
    employer = "免征中小微企业基本养老、失业、工伤保险单位缴费部分"
    assert clash(contrasts, "员工的个人缴费部分也免吗", [employer]).corrects
    # a person's credit record is no share of the enterprise's
    credit = clash(contrasts, "员工个人征信受影响了怎么办", ["企业受疫情影响有延期还贷等失信行为的,不纳入失信"])
    assert credit is not None and not credit.corrects
    assert not clash(contrasts, "我是个体户，自己交的那份养老保险能免吗", [employer]).corrects
    assert clash(contrasts, "我以个人身份交养老保险，个人这部分能免吗", [employer]).asked == "个人缴费"


def test_a_clause_on_the_counterpart_is_left_out_beside_one_on_what_is_asked():
    from bot.outside import one_sided
    contrasts = read_contrasts(ROOT / "prompts" / "contrasts.txt")
    c15, c16 = "加大稳岗返还,减轻残保金、住房公积金负担。", "免征中小微企业基本养老、失业、工伤保险单位缴费部分"
    assert one_sided(contrasts, "稳岗返还按失业保险费的多少比例返？", [c16, c15]) == {0}
    # the question asks about the counterpart too
    assert one_sided(contrasts, "有稳岗返还吗？单位社保又能减多少？", [c15, c16]) == set()
    # no clause on what is asked: that is a clash, not a clause to leave out
    assert one_sided(contrasts, "稳岗返还按多少比例返？", [c16]) == set()
    # a clause naming what another contrast asks about is kept, and never every clause goes
    c6, c24 = "异地就医医保报销执行同等报销比例", "灵活就业社会保险补贴政策期满仍未实现稳定就业的,可延长失业保险"
    assert one_sided(contrasts, "异地就医医保报销比例一样吗？灵活就业人员的补贴能延长吗？", [c6, c24]) == set()
    assert one_sided(contrasts, "医保和稳岗返还都有什么优惠？", ["失业保险稳岗返还", "职工基本医疗保险单位缴费"]) == set()


def test_a_rate_of_the_refund_is_not_answered_with_the_contribution_relief(policy_bot):
    a, _ = policy_bot.ask("稳岗返还到底能返多少？按上年交的失业保险费的多少比例返？")
    assert a.refused and 16 not in [c["number"] for c in a.citations]


def test_shipped_contrasts_read():
    assert any("单位缴费" in c.stated for c in read_contrasts(ROOT / "prompts" / "contrasts.txt"))


@pytest.mark.parametrize("question", ["我是个体户，没雇人，自己交的那份养老保险今年能免吗？",
                                      "我按灵活就业人员交社保，能不能也免几个月？"])
def test_a_question_about_the_individuals_share_is_not_answered_with_the_employers(policy_bot, question):
    a, _ = policy_bot.ask(question)
    assert a.refused and a.reason == "not_stated" and a.citations == [], a.text
    assert "第16条" in a.text and "“单位缴费”" in a.text and "“个人缴费”" in a.text


def test_the_staffs_share_is_answered_with_the_employers_and_the_difference_named(policy_bot):
    a, _ = policy_bot.ask("中小微企业社保既然免了，职工个人缴的那部分是不是也不用代扣了？")
    assert not a.refused and a.citations[0]["number"] == 16, a.text
    assert a.text.startswith("注意：第16条") and "“单位缴费”" in a.text and "单位缴费部分" in a.text


def test_the_employers_share_is_still_answered(policy_bot):
    a, _ = policy_bot.ask("我们公司给员工交的社保，单位那部分能免吗？")
    assert not a.refused and a.citations[0]["number"] == 16, a.text


def test_a_persons_own_loan_is_not_answered_with_the_enterprise_measures(policy_bot):
    a, _ = policy_bot.ask("疫情期间收入少了，我的个人贷款还不上，会不会影响个人征信？")
    assert a.refused and a.citations == [], a.text
    a, _ = policy_bot.ask("企业受疫情影响贷款晚还了几天，会不会被记成失信？")
    assert not a.refused and a.citations[0]["number"] == 47, a.text


def test_a_question_quoting_a_clause_is_not_an_outside_topic(policy_bot):
    """e5 puts this nearer the 低保 topic than any sentence; it repeats 第48条's own words."""
    a, _ = policy_bot.ask("开矿山的问一下，安全生产责任保险是不是要求必须上了？")
    assert not a.refused and a.citations[0]["number"] == 48, a.text
    # shorter runs are common words
    for question in ("我失业了，领失业保险金一个月能领多少钱？", "住房公积金负担减轻了，能提取公积金吗",
                     "高校毕业生就业补贴怎么领"):
        a, _ = policy_bot.ask(question)
        assert a.refused, a.text


def test_the_counterpart_named_only_as_the_yardstick_is_not_asked_about():
    contrasts = read_contrasts(ROOT / "prompts" / "contrasts.txt")
    clause = "免征中小微企业基本养老、失业、工伤保险单位缴费部分"
    assert clash(contrasts, "职工医保能不能也跟养老保险一样免？", [clause]).asked == "医疗保险"
    assert clash(contrasts, "养老保险和医保分别能免多久？", [clause]) is None


def test_medical_insurance_is_not_answered_with_the_relief_on_the_other_insurances(policy_bot):
    """第16条 waives the pension, unemployment and work-injury insurances only."""
    a, _ = policy_bot.ask("公司给职工交的医保，单位部分疫情期间也能减半吗？")
    assert a.refused and a.reason == "not_stated" and a.citations == [], a.text
    assert "第16条" in a.text and "“医疗保险”" in a.text
    b, _ = policy_bot.ask("新冠患者的费用医保报销吗？")     # 第6条 speaks of 医保 itself
    assert not b.refused and b.citations[0]["number"] == 6
    c, _ = policy_bot.ask("养老保险和医保分别能减免多久？")  # asks about the pension too
    assert not c.refused and c.citations[0]["number"] == 16


def test_the_refund_for_keeping_staff_is_not_answered_with_the_contribution_relief(policy_bot):
    """稳岗返还 is named in 第15条 without a rate; 第16条's 减半 is the relief on contributions."""
    a, _ = policy_bot.ask("稳岗补贴按去年交的失业保险费返多少？")
    assert a.refused and a.citations == [], a.text
    assert "第16条" in a.text and "稳岗" in a.text
    b, _ = policy_bot.ask("文件对稳岗返还是怎么说的？")  # 第15条 names it
    assert not b.refused and b.citations[0]["number"] == 15, b.text


def test_an_outside_topic_phrased_as_a_question_takes_only_its_own_ask(policy_bot):
    """"失业金每月能领多少钱、能领几个月" is near every question on 失业金; asking how to
    apply is 第24条's, asking how much is the topic's."""
    for question in ("失业了，失业金能在网上申请吗？",
                     # the way asked in a part of its own, or as not going out
                     "公司倒闭我失业了，失业金怎么领？一定要去窗口吗？",
                     "老公失业了，家里有老人不方便出门，失业金怎么办？"):
        a, _ = policy_bot.ask(question)
        assert not a.refused and a.citations[0]["number"] == 24, (question, a.text)
    for question in ("失业金一个月能领多少钱？", "领失业金需要什么条件？", "失业金能领到什么时候？",
                     "失业金一个月能领多少？不方便出门能不能网上查？",
                     "小区封了不能出门，失业金今年涨没涨？"):       # staying in, but asking how much
        b, _ = policy_bot.ask(question)
        assert b.refused, (question, b.text)


def test_read_subjects_and_which_clause_lacks_its_subject(tmp_path):
    from bot.outside import read_subjects, subject_unnamed
    path = tmp_path / "subjects.txt"
    path.write_text("# comment\n强化贫困人口就业帮扶 | 贫 扶贫 车间\nno separator here\n\n", encoding="utf-8")
    subjects = read_subjects(path)
    assert [(s.title, s.words) for s in subjects] == [("强化贫困人口就业帮扶", ("贫", "扶贫", "车间"))]
    assert subject_unnamed(subjects, "强化贫困人口就业帮扶", "网格员一天补助多少钱")
    assert not subject_unnamed(subjects, "强化贫困人口就业帮扶", "扶貧車間有補助嗎")   # traditional, folded
    assert not subject_unnamed(subjects, "进一步稳定和促进就业", "网格员一天补助多少钱")  # no line for it


def test_the_poverty_clause_is_not_cited_first_for_another_groups_subsidy(policy_bot):
    """第28条's per-head 补助 is for poverty-alleviation workshops (prompts/subjects.txt)."""
    a, _ = policy_bot.ask("社区网格员参加防疫，一天补助多少钱？")
    assert not a.citations or a.citations[0]["number"] != 28, a.text
    assert a.retrieved[0]["number"] != 28
    b, _ = policy_bot.ask("村里的扶贫车间一直正常开工，补助怎么算、补几个月？")
    assert not b.refused and b.citations[0]["number"] == 28, b.text
    c, _ = policy_bot.ask("第28条讲的是什么")      # a lookup names the clause itself
    assert c.citations[0]["number"] == 28
