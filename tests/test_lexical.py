"""bot.lexical: the synonym list that adds official terms to the lexical query."""
from __future__ import annotations

from pathlib import Path

from bot.lexical import expand, read_synonyms
from bot.text import terms

ROOT = Path(__file__).resolve().parent.parent


def test_read_synonyms_skips_comments_and_single_words(tmp_path):
    f = tmp_path / "synonyms.txt"
    f.write_text("# 说明\n哄抬物价 坐地起价 涨价\n孤零零\n\n假劣 假貨\n", encoding="utf-8")
    assert read_synonyms(f) == [["哄抬物价", "坐地起价", "涨价"], ["假劣", "假货"]]   # folded to simplified
    assert read_synonyms(tmp_path / "missing.txt") == []


def test_expand_adds_the_official_term_of_a_colloquial_word():
    groups = [["哄抬物价", "坐地起价", "涨价"], ["假劣", "假货"]]
    assert expand("有人卖假货还坐地起价", groups) == "有人卖假货还坐地起价 哄抬物价 假劣"
    assert expand("打击哄抬物价的有哪些规定", groups) == "打击哄抬物价的有哪些规定"      # already official
    assert expand("小微企业社保能免几个月", groups) == "小微企业社保能免几个月"
    assert "哄抬" in terms(expand("坐地起價", groups))                                  # traditional too


def test_shipped_synonyms_read():
    assert any(g[0] == "哄抬物价" for g in read_synonyms(ROOT / "prompts" / "synonyms.txt"))


def test_shipped_feedback_synonyms_are_phrases_not_bare_words_inside_others():
    groups = read_synonyms(ROOT / "prompts" / "synonyms.txt")
    assert "沟通反馈" in expand("多久能有回复", groups)
    # 返回复工 and 收回应收 hold 回复 and 回应 without asking for a reply
    assert "沟通反馈" not in expand("外地员工返回复工要隔离吗", groups)
    assert "沟通反馈" not in expand("企业收回应收账款困难怎么办", groups)


def test_shipped_english_glossary_matches_whole_words_and_stems():
    groups = read_synonyms(ROOT / "prompts" / "synonyms.txt")
    assert "社会保险" in expand("How long is the SME social insurance exemption?", groups)
    assert "中小微企业" in expand("How long is the SME social insurance exemption?", groups)
    assert "缓缴" in expand("Is a deferral of payments possible?", groups)      # defer* is a stem
    assert "展会" in expand("trade fairs and expos", groups)                    # plural
    # whole words only: "expo" is not "export", "sme" is not "smell"
    assert "展会" not in expand("Our export credit insurance premium", groups)
    assert "中小微企业" not in expand("The smell of disinfectant", groups)
    # common words that would add a misleading term are not in the glossary
    assert "担保" not in expand("Is the vegetable supply guaranteed?", groups)
    assert "通关" not in expand("Do workers need a health clearance to return?", groups)
    assert "单位缴费" in expand("Is the employer’s share waived?", groups)    # a phone's apostrophe
