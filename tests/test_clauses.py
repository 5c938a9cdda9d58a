"""bot.clauses: policy text → clause records, document metadata and warnings.

The seed locks down what already works; the hand-written samples below are the other
shapes admins upload (articles under chapters, "1、", "（一）" as the clause level,
full-width text, .docx paragraphs, a title line, web-page debris).
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.clauses import PARSER_NAME, Clause, Document, ParseError, parse
from bot.text import clean_spaces

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = (ROOT / "seeds" / "jinan-2020-53-measures.txt").read_text(encoding="utf-8")
DEBRIS = ["首页 >", "打印", "大字体", "小字体", "扫码带走", "责任编辑"]


@pytest.fixture(scope="module")
def seed() -> Document:
    return parse(SEED_TEXT)


def numbers(doc: Document) -> list[int]:
    return [c.number for c in doc.clauses if c.role == "clause"]


def clause(doc: Document, number: int) -> Clause:
    found = [c for c in doc.clauses if c.number == number]
    assert len(found) == 1, f"clause {number}: {found}"
    return found[0]


def refused(text: str, **kw) -> str:
    with pytest.raises(ParseError) as info:
        parse(text, **kw)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


# ---------------------------------------------------------------- the seed


def test_seed_records_in_order(seed):
    assert len(seed.clauses) == 56
    assert numbers(seed) == list(range(1, 54))
    roles = [c.role for c in seed.clauses]
    assert roles == ["preamble", "part"] + ["clause"] * 53 + ["closing"]
    assert seed.warnings == []
    assert PARSER_NAME


@pytest.mark.parametrize("number, title", [
    (1, "坚决服从服务全国“一盘棋”"),
    (14, "用足用好财政金融支持政策"),
    (16, "阶段性减免企业社会保险费"),
    (34, "有序恢复实物和服务消费"),
    (53, "加强能力建设"),
])
def test_seed_titles(seed, number, title):
    c = clause(seed, number)
    assert c.title == title
    assert c.label == f"第{number}条"
    assert c.key == str(number)


@pytest.mark.parametrize("number, section", [
    (1, "二、精准做好疫情防控工作"),
    (13, "二、精准做好疫情防控工作"),
    (14, "三、着力推进经济社会高质量发展 / (一)加强宏观经济运行调节"),
    (16, "三、着力推进经济社会高质量发展 / (一)加强宏观经济运行调节"),
    (19, "三、着力推进经济社会高质量发展 / (二)多措并举推进企业复工达产和重点项目开工建设"),
    (48, "三、着力推进经济社会高质量发展 / (十)牢牢守住重大风险防控底线"),
    (49, "四、确保各项任务落实落地"),
    (53, "四、确保各项任务落实落地"),
])
def test_seed_sections(seed, number, section):
    assert clause(seed, number).section == section


def test_seed_every_clause_sits_under_a_section(seed):
    sections = {c.section for c in seed.clauses if c.role == "clause"}
    assert all(s.startswith(("二、", "三、", "四、")) for s in sections)
    assert sum(1 for s in sections if "(" in s) == 10  # subsections (一)…(十)


def test_seed_unnumbered_parts(seed):
    pre, part, close = seed.clauses[0], seed.clauses[1], seed.clauses[-1]
    assert (pre.role, pre.label, pre.number, pre.key) == ("preamble", "前言", None, "preamble:前言")
    assert pre.text.startswith("鲁网3月2日讯") and "提出如下意见" in pre.text
    assert (part.role, part.label, part.section) == ("part", "总体要求", "一、总体要求")
    assert part.key == "part:总体要求"
    assert part.text.startswith("以习近平新时代中国特色社会主义思想为指导")
    assert (close.role, close.label, close.key) == ("closing", "结语", "closing:结语")
    assert close.text.startswith("各区县和市直有关部门要结合实际")
    assert close.text.endswith("以本意见为准。")


def test_seed_clause_53_does_not_swallow_the_closing(seed):
    c53 = clause(seed, 53)
    assert "\n" not in c53.text
    assert "各区县和市直有关部门" not in c53.text
    assert c53.text.endswith("驾驭复杂局面的能力。")


def test_seed_no_record_contains_page_debris(seed):
    for c in seed.clauses:
        for junk in DEBRIS:
            assert junk not in c.text, (c.label, junk)
            assert junk not in c.title, (c.label, junk)


def test_seed_metadata(seed):
    assert seed.meta["date"] == "2020-03-02"
    assert seed.meta["source"] == "鲁网"
    assert seed.meta["headline"] == "济南出台53条意见推进疫情防控和经济社会发展"
    assert seed.meta["title"] == (
        "关于贯彻落实习近平总书记重要讲话精神统筹推进新冠肺炎疫情防控和经济社会发展工作的实施意见"
    )


def test_seed_text_is_the_source_line_whitespace_normalised(seed):
    source_lines = [clean_spaces(ln) for ln in SEED_TEXT.splitlines() if ln.strip()]
    by_number = {int(m.group(1)): ln for ln in source_lines if (m := re.match(r"(\d+)\.", ln))}
    for c in seed.clauses:
        if c.role == "clause":
            assert c.text == by_number[c.number]
        else:
            assert all(p in source_lines for p in c.text.split("\n")), c.label
        assert c.text == c.text.strip() and "  " not in c.text and "\u00a0" not in c.text


def test_seed_to_dict_has_contract_fields(seed):
    d = clause(seed, 16).to_dict()
    assert {"number", "label", "title", "section", "text", "role"} <= d.keys()
    assert d["number"] == 16 and d["text"].startswith("16.阶段性减免企业社会保险费。")


# ---------------------------------------------------------------- articles under chapters

ARTICLES = """济南市就业创业促进办法
（2020年3月2日济南市人民政府令第268号公布）
第一章　总则
第一条　为了促进就业创业，保障劳动者合法权益，根据《中华人民共和国就业促进法》等法律法规，结合本市实际，制定本办法。
第二条　本办法适用于本市行政区域内促进就业创业的活动。
第三条　市人力资源社会保障部门负责全市就业创业促进工作。区县人力资源社会保障部门负责本行政区域内的就业创业促进工作。
第二章　就业服务
第四条　公共就业服务机构应当免费提供下列服务：
（一）就业政策法规咨询；
（二）职业供求信息、市场工资指导价位信息和职业培训信息发布；
（三）职业指导和职业介绍；
（四）对就业困难人员实施就业援助。
公共就业服务机构不得从事经营性活动。
第五条　用人单位招用人员，不得以民族、性别、宗教信仰等为由拒绝录用或者提高录用标准。
第六条　市、区县人民政府应当建立就业困难人员援助制度，通过公益性岗位安置等办法，优先扶持和重点帮助就业困难人员。
第三章　创业扶持
第七条　市、区县人民政府应当设立创业扶持资金，用于创业培训、创业担保贷款贴息和创业孵化基地建设。
第八条　符合下列条件之一的人员，可以申请创业担保贷款：
（一）城镇登记失业人员；
（二）毕业五年内的高校毕业生；
（三）返乡创业农民工。
前款规定人员申请的创业担保贷款，个人最高额度为20万元，贷款期限最长不超过3年。
第九条　对首次创办小微企业并正常经营1年以上的，给予1.2万元一次性创业补贴。
第十条　鼓励高校、科研院所和企业建设创业孵化基地，对被认定为市级创业孵化基地的，给予一次性奖补。
第四章　附则
第十一条　本办法自2020年4月1日起施行。
"""

ARTICLES_LATE = """第三章　法律责任
第二十一条　违反本条例第十二条规定的，由市场监管部门责令改正。
第二十二条　违反本条例第十五条规定的，由城市管理部门责令限期改正，处一千元以上五千元以下罚款。
第二十三条　国家机关工作人员在促进工作中滥用职权、玩忽职守、徇私舞弊的，依法给予处分。
第九章　附则
第一百零三条　本条例下列用语的含义：
（一）小微企业，是指符合国家规定的小型企业、微型企业；
（二）个体工商户，是指依法登记从事工商业经营的自然人。
第一百零四条　区县人民政府可以根据本条例制定实施细则。
第一百零五条　本条例自2021年1月1日起施行。
"""


def test_articles_numbers_and_chapters():
    doc = parse(ARTICLES)
    assert numbers(doc) == list(range(1, 12))
    assert [c.role for c in doc.clauses] == ["clause"] * 11  # no preamble, no closing
    assert doc.warnings == []
    assert clause(doc, 1).section == "第一章 总则"
    assert clause(doc, 4).section == "第二章 就业服务"
    assert clause(doc, 8).section == "第三章 创业扶持"
    assert clause(doc, 11).section == "第四章 附则"
    assert clause(doc, 11).label == "第11条"
    assert clause(doc, 11).text == "第十一条 本办法自2020年4月1日起施行。"
    assert clause(doc, 2).title == "本办法适用于本市行政区域内促进就业创业的活动"


def test_article_items_and_paragraphs_stay_inside_the_article():
    doc = parse(ARTICLES)
    c4, c8 = clause(doc, 4), clause(doc, 8)
    assert c4.text.split("\n") == [
        "第四条 公共就业服务机构应当免费提供下列服务：",
        "（一）就业政策法规咨询；",
        "（二）职业供求信息、市场工资指导价位信息和职业培训信息发布；",
        "（三）职业指导和职业介绍；",
        "（四）对就业困难人员实施就业援助。",
        "公共就业服务机构不得从事经营性活动。",
    ]
    assert c8.text.endswith("（三）返乡创业农民工。\n前款规定人员申请的创业担保贷款，个人最高额度为20万元，贷款期限最长不超过3年。")
    # items are neither clauses nor headings
    assert clause(doc, 5).section == "第二章 就业服务"
    assert not any(c.section.endswith(("咨询；", "人员；")) or c.label.startswith("（") for c in doc.clauses)


def test_large_chinese_article_numbers():
    doc = parse(ARTICLES_LATE)
    assert numbers(doc) == [21, 22, 23, 103, 104, 105]
    assert clause(doc, 23).section == "第三章 法律责任"
    assert clause(doc, 105).section == "第九章 附则"
    assert clause(doc, 105).title == "本条例自2021年1月1日起施行"
    # items inside the last-but-two article; the last article is not a closing paragraph
    assert clause(doc, 103).text.count("\n") == 2
    assert not any(c.role == "closing" for c in doc.clauses)
    # an excerpt does not start at 1; that is reported, not hidden
    assert any("1–20" in w for w in doc.warnings)
    assert any("24–102" in w for w in doc.warnings)


def test_items_in_the_last_article_are_not_a_closing():
    doc = parse("第一条 为了规范管理，制定本办法。\n第二条 本办法适用于本市。\n"
                "第三条 申请补贴应当提交下列材料：\n（一）申请表；\n（二）营业执照复印件。\n")
    assert [c.role for c in doc.clauses] == ["clause"] * 3
    assert clause(doc, 3).text.endswith("（二）营业执照复印件。")


def test_article_number_alone_on_its_line():
    doc = parse("第一条\n为了规范管理，制定本办法。\n第二条\n本办法自发布之日起施行。\n")
    assert numbers(doc) == [1, 2]
    assert clause(doc, 1).title == "为了规范管理，制定本办法"
    assert clause(doc, 2).text == "第二条\n本办法自发布之日起施行。"
    assert doc.warnings == []


# ---------------------------------------------------------------- "1、" numbering

ONE_DUN = """关于支持个体工商户纾困发展的若干措施
各区县人民政府，市政府各部门：
为帮助个体工商户应对疫情影响、恢复正常经营，制定如下措施。
一、减轻经营负担
1、减免房租。承租国有房屋的个体工商户，免收3个月房租。
2、降低用能成本。个体工商户用电、用气按原价格的95%结算。
2.5亿元纾困资金由市财政统筹安排，按季度拨付至各区县。
二、加大金融支持
3、增加信贷投放。鼓励银行机构对个体工商户发放信用贷款，贷款利率不高于4.35%。
4、延期还本付息。对受疫情影响暂时经营困难的个体工商户，贷款本金和利息可延期至2020年6月30日。
本措施自印发之日起施行，有效期至2020年12月31日。
"""


def test_dun_numbering():
    doc = parse(ONE_DUN)
    assert numbers(doc) == [1, 2, 3, 4]
    assert doc.warnings == []
    assert [c.title for c in doc.clauses if c.number] == ["减免房租", "降低用能成本", "增加信贷投放", "延期还本付息"]
    assert clause(doc, 2).section == "一、减轻经营负担"
    assert clause(doc, 3).section == "二、加大金融支持"
    assert doc.clauses[0].role == "preamble" and doc.clauses[0].text.startswith("为帮助个体工商户")
    assert doc.clauses[-1].role == "closing" and doc.clauses[-1].text.startswith("本措施自印发之日起施行")
    assert doc.meta["title"] == "关于支持个体工商户纾困发展的若干措施"


def test_decimal_at_line_start_is_not_a_clause_number():
    doc = parse(ONE_DUN)
    assert clause(doc, 2).text.endswith("\n2.5亿元纾困资金由市财政统筹安排，按季度拨付至各区县。")
    doc = parse("1.减免房租。免收3个月房租。\n2.降低用能成本。用电按95%结算。\n"
                "3.设立纾困资金。市财政安排专项资金：\n2.5亿元用于房租补贴，\n1.5亿元用于贷款贴息。\n")
    assert numbers(doc) == [1, 2, 3]
    assert doc.warnings == []
    assert clause(doc, 3).text.count("\n") == 2


def test_restarting_numbers_are_items_of_the_level_above():
    # "1、" starting again under each "一、" is an item list; the headings carry the structure,
    # so clause numbers stay unique.
    doc = parse("一、减轻经营负担\n1、减免房租。免收3个月房租。\n2、降低用能成本。用电按95%结算。\n"
                "二、加大金融支持\n1、增加信贷投放。鼓励发放信用贷款。\n2、延期还本付息。可延期至6月30日。\n")
    assert numbers(doc) == [1, 2]
    assert [c.title for c in doc.clauses] == ["减轻经营负担", "加大金融支持"]
    assert clause(doc, 2).text.endswith("2、延期还本付息。可延期至6月30日。")


def test_short_paren_items_inside_a_clause_are_not_headings():
    doc = parse("1.简化开办手续。企业开办时间压缩至1个工作日。\n"
                "2.放宽登记条件。申请人提交下列材料即可办理：\n（一）营业执照\n（二）法定代表人身份证明\n（三）经营场所证明\n"
                "3.推行电子证照。全面推广电子营业执照应用。\n")
    assert numbers(doc) == [1, 2, 3]
    assert clause(doc, 2).text.count("\n") == 3
    assert clause(doc, 3).section == ""
    assert not any(c.role == "part" for c in doc.clauses)


# ---------------------------------------------------------------- "（一）" as the clause level

PAREN = """济南市人民政府关于进一步稳定和扩大就业的实施意见
2020年3月2日
为深入贯彻落实党中央、国务院关于稳就业的决策部署，现就进一步稳定和扩大就业提出如下意见。
一、总体要求
（一）指导思想。以习近平新时代中国特色社会主义思想为指导，坚持就业优先战略。
（二）主要目标。2020年全市城镇新增就业12万人以上，城镇登记失业率控制在3.5%以内。
二、重点任务
（三）支持企业稳定岗位。具体包括：
1.对不裁员或少裁员的参保企业，返还其上年度实际缴纳失业保险费的50%。
2.对受疫情影响暂时困难的企业，返还标准提高到6个月的企业及其职工应缴纳社会保险费的50%。
（四）拓宽高校毕业生就业渠道。扩大国有企业招聘规模，增加基层服务项目招募数量。
三、保障措施
（五）加强组织领导。各区县要把稳就业摆在突出位置，建立健全工作协调机制。
（六）强化督导考核。将稳就业工作纳入高质量发展综合绩效考核。
"""


def test_paren_clauses_under_cn_headings():
    doc = parse(PAREN)
    assert numbers(doc) == [1, 2, 3, 4, 5, 6]
    assert doc.warnings == []
    assert [c.section for c in doc.clauses if c.number in (1, 3, 6)] == ["一、总体要求", "二、重点任务", "三、保障措施"]
    assert clause(doc, 2).title == "主要目标"
    assert clause(doc, 2).label == "第2条"
    # the "1. 2." list inside （三） is part of it, not a clause level of its own
    assert clause(doc, 3).text.split("\n")[1].startswith("1.对不裁员")
    assert clause(doc, 3).text.count("\n") == 2
    assert [c.role for c in doc.clauses] == ["preamble"] + ["clause"] * 6


def test_title_line_and_issuing_date():
    doc = parse(PAREN)
    assert doc.meta["title"] == "济南市人民政府关于进一步稳定和扩大就业的实施意见"
    assert doc.meta["date"] == "2020-03-02"
    assert not any("实施意见" in c.text and c.role != "preamble" for c in doc.clauses)
    doc = parse(ARTICLES)
    assert doc.meta["title"] == "济南市就业创业促进办法"
    assert doc.meta["date"] == "2020-03-02"


def test_dates_inside_sentences_are_not_the_issuing_date():
    doc = parse("关于稳定就业的若干措施\n自2020年2月1日起，对参保企业实行以下措施。\n"
                "1.返还失业保险费。按50%返还。\n2.发放补贴。每人500元。\n")
    assert doc.meta["title"] == "关于稳定就业的若干措施"
    assert "date" not in doc.meta


def test_sign_off_after_the_last_clause():
    doc = parse("1.减免房租。免收3个月房租。\n2.降低用能成本。用电、用气按原价格的95%结算。\n"
                "济南市人民政府办公厅\n2020年3月2日\n")
    assert clause(doc, 2).text == "2.降低用能成本。用电、用气按原价格的95%结算。"
    assert doc.clauses[-1].role == "closing"
    assert doc.clauses[-1].text == "济南市人民政府办公厅\n2020年3月2日"
    assert doc.meta["date"] == "2020-03-02"


# ---------------------------------------------------------------- full-width, NBSP, U+3000, .docx

FULLWIDTH = (
    "\u3000\u3000三、着力推进经济社会高质量发展\n"
    "\u3000\u3000（一）加强宏观经济运行调节\n"
    "\u3000\u3000１４．用足用好财政金融支持政策。充分发挥人民银行专项再贷款作用，支持企业复工复产。\n"
    "\u00a0\u00a0１５．加大减税降费力度。因疫情影响遭受重大损失，纳税人缴纳城镇土地使用税确有困难的，可申请减免。\n"
    "\u3000\u3000１６．阶段性减免企业社会保险费。2020年2月起，免征中小微企业基本养老、失业、工伤保险单位缴费部分，"
    "\u3000免征期限不超过５个月。\n"
    "\u3000\u3000（二）多措并举推进企业复工达产\n"
    "\u3000\u3000１７．切实提高开工复工率。\u00a0围绕提高企业开工复工率，实行重点企业“一对一”服务。\n"
)


def test_full_width_digits_and_odd_spaces():
    doc = parse(FULLWIDTH)
    assert numbers(doc) == [14, 15, 16, 17]
    c16 = clause(doc, 16)
    assert c16.title == "阶段性减免企业社会保险费"
    assert c16.section == "三、着力推进经济社会高质量发展 / （一）加强宏观经济运行调节"
    assert clause(doc, 17).section == "三、着力推进经济社会高质量发展 / （二）多措并举推进企业复工达产"
    # text keeps the source's characters, with every whitespace run as one ASCII space
    assert c16.text == ("１６．阶段性减免企业社会保险费。2020年2月起，免征中小微企业基本养老、失业、工伤保险单位缴费部分，"
                        " 免征期限不超过５个月。")
    assert clause(doc, 17).text == "１７．切实提高开工复工率。 围绕提高企业开工复工率，实行重点企业“一对一”服务。"
    for c in doc.clauses:
        assert "\u3000" not in c.text and "\u00a0" not in c.text and c.text == c.text.strip()
    assert doc.warnings == ["编号不连续：从第14条开始 / numbering gap: 1–13 missing"]


def test_full_width_titles_keep_their_punctuation():
    doc = parse("１、申请条件（试行）：年满１８周岁。\n２、办理流程。网上申请。\n")
    assert clause(doc, 1).title == "申请条件（试行）：年满１８周岁"


def test_docx_paragraphs_without_indentation():
    docx = pytest.importorskip("docx")
    from bot.sources import read_bytes

    d = docx.Document()
    for para in ARTICLES.strip().split("\n"):
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    text = read_bytes(buf.getvalue(), "办法.docx").text
    doc = parse(text)
    assert numbers(doc) == list(range(1, 12))
    assert clause(doc, 8).text.count("\n") == 4
    assert doc.meta["title"] == "济南市就业创业促进办法"


def test_web_page_debris_in_another_document():
    doc = parse("首页 > 政务公开 > 政策文件\n关于支持个体工商户发展的若干措施\n"
                "2020-03-02 10:00 来源：济南日报 【打印】 【关闭】\n"
                "1.减免房租。免收3个月房租。\n2.支持3D打印\n3.降低用能成本。用电按95%结算。\n责任编辑：张三\n")
    assert numbers(doc) == [1, 2, 3]
    assert clause(doc, 2).text == "2.支持3D打印"  # a clause ending in 打印 is not debris
    assert doc.meta == {"date": "2020-03-02", "source": "济南日报",
                        "headline": "关于支持个体工商户发展的若干措施", "title": "关于支持个体工商户发展的若干措施"}
    assert not any("责任编辑" in c.text or "首页" in c.text for c in doc.clauses)


# ---------------------------------------------------------------- warnings


def test_warning_for_a_numbering_gap():
    doc = parse("1.减免房租。免收3个月房租。\n2.降低用能成本。用电按95%结算。\n"
                "4.增加信贷投放。贷款利率不高于4.35%。\n5.延期还本付息。可延期至6月30日。\n")
    assert numbers(doc) == [1, 2, 4, 5]
    assert doc.warnings == ["编号不连续：第2条之后是第4条 / numbering gap: 3 missing"]


def test_warning_for_a_duplicate_number():
    doc = parse("1.减免房租。免收3个月房租。\n2.降低用能成本。用电按95%结算。\n"
                "2.增加信贷投放。贷款利率不高于4.35%。\n3.延期还本付息。可延期至6月30日。\n")
    assert numbers(doc) == [1, 2, 2, 3]
    assert doc.warnings == ["编号重复：第2条 / duplicate clause number 2"]


def test_warning_for_empty_clauses():
    doc = parse("1.减免房租。免收3个月房租。\n２．\n3.增加信贷投放。贷款利率不高于4.35%。\n4.\n")
    assert numbers(doc) == [1, 2, 3, 4]
    assert doc.warnings == ["第2条 内容为空 / 第2条 is empty", "第4条 内容为空 / 第4条 is empty"]
    doc = parse("第一条 为了规范管理，制定本办法。\n第二条\n第三条 本办法自发布之日起施行。\n")
    assert doc.warnings == ["第2条 内容为空 / 第2条 is empty"]


# ---------------------------------------------------------------- refusals and paragraph fallback

PLAIN = """关于做好春节期间安全生产工作的通知
春节将至，各单位要高度重视安全生产工作，切实落实安全生产责任。
要加强对重点行业领域的隐患排查，确保人民群众过一个安全祥和的节日。
"""


def test_no_structure_is_refused():
    message = refused(PLAIN)
    assert "no clause numbering" in message
    refused("1.只有一条。没有别的编号。\n")  # one number is not a structure


@pytest.mark.parametrize("text", ["", "   \n\n", "\u3000\u00a0\n\t\n", "首页 > 政务公开\n打印\n责任编辑：张三\n"])
def test_empty_text_is_refused(text):
    assert "no text" in refused(text)
    assert "no text" in refused(text, allow_paragraphs=True)


def test_paragraph_fallback_when_allowed():
    doc = parse(PLAIN, allow_paragraphs=True)
    assert [c.role for c in doc.clauses] == ["paragraph"] * 3
    assert [c.label for c in doc.clauses] == ["第1段", "第2段", "第3段"]
    assert all(c.number is None for c in doc.clauses)
    assert len({c.key for c in doc.clauses}) == 3
    assert doc.clauses[1].text == "春节将至，各单位要高度重视安全生产工作，切实落实安全生产责任。"
    assert doc.meta["title"] == "关于做好春节期间安全生产工作的通知"
    assert doc.warnings and "paragraph" in doc.warnings[0]


def test_numbered_text_ignores_allow_paragraphs():
    assert numbers(parse(ONE_DUN, allow_paragraphs=True)) == [1, 2, 3, 4]


def test_keys_are_unique_in_every_sample(seed):
    for doc in [seed] + [parse(t) for t in (ARTICLES, ARTICLES_LATE, ONE_DUN, PAREN, FULLWIDTH)]:
        keys = [c.key for c in doc.clauses]
        assert len(keys) == len(set(keys))
