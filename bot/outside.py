"""Topics residents ask the hotline about that the loaded document does not cover.

A small embedding model scores every question against *some* sentence of a
policy document fairly high: "济南现在买房还限购吗" lands near a clause on relief
for families in hardship, because both are about housing money. Cosine alone
cannot tell "close topic" from "answered". What helps is a contrast: if the
question sits nearer to a known outside topic ("商品房限购和购房资格") than to
anything the document says, the document most likely does not answer it.

The topics are a plain list (``prompts/outside_topics.txt``) an admin can edit.
A topic that the loaded document itself speaks to is set aside automatically,
so one list serves any document; ``python -m bot topics`` shows which.
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from .claims import attributes
from .embeddings import VectorEmbeddings
from .text import fold, list_lines, mentions, split_sentences

log = logging.getLogger("bot.outside")


def read_topics(path: Path) -> list[str]:
    """One topic per line."""
    return list(dict.fromkeys(list_lines(path)))


@dataclass
class Topic:
    text: str
    nearest: float       # best cosine between the topic and any sentence of the document
    nearest_unit: int    # which sentence unit that is
    covered: bool        # the document speaks to it, so it never counts against a question


class OutsideTopics:
    def __init__(self, topics: list[Topic], vectors: np.ndarray, cross_vectors: np.ndarray | None = None):
        self.topics = topics
        active = [i for i, t in enumerate(topics) if not t.covered]
        self._texts = [topics[i].text for i in active]
        self._vectors = vectors[active]
        self._cross = cross_vectors[active] if cross_vectors is not None else None

    @classmethod
    def build(cls, texts: list[str], embedder: VectorEmbeddings, sentences: faiss.Index,
              cover: float, cache: Path | None = None, cross: VectorEmbeddings | None = None) -> OutsideTopics:
        """Embed the topics as questions (they stand for questions) and set aside those
        the document covers: some sentence scores ``cover`` or more against the topic.
        With ``cross``, the cross-lingual model's topic vectors are kept too, for the
        contrast on English questions (``nearest_cross``).

        ``cache`` is a JSON file of topic vectors kept beside the index versions: each
        (re)load of a version would otherwise embed the whole list again, about a
        second of every cold start and every publish."""
        if not texts:
            return cls([], np.zeros((0, embedder.dim), np.float32))
        vectors = _cached_queries([fold(t) for t in texts], embedder, cache)
        if sentences.ntotal:
            sims, ids = sentences.search(vectors, 1)
            best, where = sims[:, 0], ids[:, 0]
        else:
            best, where = np.zeros(len(texts)), np.full(len(texts), -1)
        topics = [Topic(t, float(b), int(w), bool(b >= cover)) for t, b, w in zip(texts, best, where)]
        cross_vectors = None
        if cross is not None:
            cross_vectors = _cached_queries([fold(t) for t in texts], cross,
                                            cache.with_name(f"{cache.stem}-cross{cache.suffix}") if cache else None)
        return cls(topics, vectors, cross_vectors)

    def __len__(self) -> int:
        return len(self._texts)

    def nearest(self, qvec: np.ndarray) -> tuple[float, str | None]:
        """The outside topic closest to a question vector, and its cosine."""
        if not len(self._texts):
            return 0.0, None
        sims = self._vectors @ qvec
        i = int(np.argmax(sims))
        return float(sims[i]), self._texts[i]

    @property
    def has_cross(self) -> bool:
        return self._cross is not None

    def nearest_cross(self, qvec: np.ndarray) -> float:
        """The best cosine between a cross-lingual question vector and the outside topics."""
        if self._cross is None or not len(self._texts):
            return 0.0
        return float((self._cross @ qvec).max())


def _cached_queries(texts: list[str], embedder: VectorEmbeddings, cache: Path | None) -> np.ndarray:
    known: dict[str, list[float]] = {}
    if cache is not None:
        try:
            data = json.loads(Path(cache).read_text(encoding="utf-8"))
            if data.get("embedder") == embedder.name:
                known = data.get("vectors", {})
        except (OSError, ValueError, AttributeError):
            pass  # no cache yet, or an unreadable one: embed afresh
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        known.update(zip(missing, embedder.queries(missing).tolist()))
        if cache is not None:
            _write_cache(Path(cache), {"embedder": embedder.name,
                                       "vectors": {t: known[t] for t in dict.fromkeys(texts)}})
    return np.asarray([known[t] for t in texts], dtype=np.float32)


def _write_cache(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".outside-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError as e:  # a read-only index directory costs a second per load, nothing more
        log.warning("outside topics: cannot write %s: %s", path, e)


# ------------------------------------------------------------------ named terms
# The embedding contrast above misses a question on a close topic that names a thing
# the document never mentions: "个人的房贷可以延期还款吗" sits nearest to a sentence on
# deferring enterprise loans. A word is sharper evidence there: a document that never
# says 房贷 (nor 住房贷款, 按揭) cannot answer a question about it.

# A year as a document writes it ("2020年", "2020-03-02"), not an amount ("2000万元");
# in a question also a bare year ("in 2022").
_DOCUMENT_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|-|/)")
_QUESTION_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*年|\b(?!\s*(?:万|元|亿|块|个|人|家|yuan|usd|rmb|%)))", re.I)
# A part that sets the time of the whole question, supposing a later year or saying it is
# one now ("2022年招人的话，…", "要是到了2022年，…", "今年都2022了，…"), as opposed to a part
# telling what happened then ("我们是2021年3月才注册的公司。", "2021年亏了200万。").
_DATES_THE_QUESTION = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?[^，,。；;？?！!]{0,12}的话"
                                 r"|(?:要是|如果|假如|假设)[^，,。；;？?！!]{0,6}?((?:19|20)\d{2})\s*年"
                                 r"|(?:今年|现在|如今|眼下|已经|到了)\s*(?:都|已经|是|就)?\s*((?:19|20)\d{2})\s*[年了]")
# A new policy ("听说2021年济南又出了社保减免新政策", "a new policy in 2022") is not the
# document, whoever tells of it: its year counts.
_NEW_POLICY = re.compile(r"新政策|新的政策|新出台|又出了|又出台|新措施|\bnew\s+(\w+\s+){0,3}(polic|measure|rule)", re.I)
# A year followed by what the asker did then describes the asker ("我2021年开的店").
_YEAR_OF_THE_ASKER = re.compile(r"^\s*年?\s*(\d{1,2}\s*月)?\s*(开|成立|注册|买|贷|借|入职|毕业|出生|生|办|签|盖|建|租|来|回)")

_PLACE_AS_ORIGIN_BEFORE = re.compile(r"(老家|户口|户籍|来自|籍贯|祖籍)\s*$")
_PLACE_ASKED_ABOUT_AFTER = re.compile(r"^\s*(那边|那里|那儿|那块|当地|也|的政策|的补贴|的规定|的措施|的标准|的具体|市的"
                                      r"|(市|省)?(对|给|为)[^，,。？?]{1,14}(出台|推出|发布|制定|是怎么规定|有什么规定"
                                      r"|(出的|出了|发的|发了)[^，,。？?]{0,6}(政策|措施|规定|补贴)))")
# Sending goods to a place the document names in passing ("往北京那边运送蔬菜") asks nothing about it.
_MOTION_BEFORE = re.compile(r"(往|向|去|到|运|回|从|发往|运往)\s*$")
# A place the document names as one of its districts ("莱芜高新区") is its own.
_DISTRICT = r"(高新区|开发区|新区|[区县])"
_PLACE_AS_ORIGIN_AFTER = re.compile(r"^\s*(人|籍|户口|户籍|老家|口音|投资者|投资人|商人|客商|同胞|居民|企业家)")
# An English place is asked about only as the subject or owner of a policy ("Does Qingdao
# offer the same…", "qingdao's rent relief"); "my hometown in Henan", "Hangzhou workers",
# "my company in Hong Kong has a branch" and "Guangdong's factory" tell where someone is from.
_EN_PLACE_ASKED = (r"\b(does|do|did|will|would)\s+{place}\s+(also\s+)?(offer|have|give|provide)\b"
                   r"|\b(is|are|was)\s+{place}\s+(also\s+)?(offering|giving|handing|providing|issuing)\b"
                   r"|\b{place}'s\s+(\w+\s+)?(polic|rule|plan|relief|subsid|measure|support|exemption|program)")
# A part that only compares ("跟济南比哪边力度大", "今年的政策跟去年一样不") asks about
# whatever the other part names.
# ("比例", "比较重" compare nothing.)
_LIKE_OR_UNLIKE = r"(比(?![例较重率如])|相比|对比|一样|一致|相同|不同|区别|差别|差不多)"
_COMPARES = re.compile(rf"(跟|和|与|同).{{0,8}}{_LIKE_OR_UNLIKE}|哪边|哪个(城市|地方)(好|强|多|大)|"
                       r"比(?![例较重率如]).{0,6}(多|少|高|低|大|小|好|强)|\bcompare|\bversus\b|\bsame as\b")

# A later part that opens with the detail it asks, naming no subject of its own ("…能缓缴
# 住房公积金吗？最长缓缴多久，到哪里办理？"), asks about the part before it.
# So does one that points back to it ("2022年还免社保吗？今年还有没有这个政策"), a short
# one that opens with a modal, its subject left out ("…住房公积金…？能缓缴到什么时候？",
# "…一次性经济补助发多少？疫情期间会不会晚发？"),
# one asking who pays for it ("复工前员工要做核酸检测吗？费用是企业出还是政府出？"), and one
# asking whether the asker gets it ("小规模纳税人增值税是不是降到1%了？我们车行能享受吗？").
_MODALS = "能|可以|能不能|可不可以|是否"
_FOLLOWS_ON = re.compile(r"^(最长|最多|最高|最低|多久|多长时间|多少|几个?|到哪|去哪|在哪|哪里|怎么|咋|具体|标准|期限"
                         r"|今年|那今年|这个政策|这政策"
                         r"|(那|这)?(个|笔|些)?(费用|钱)(是|由|谁|该|要|得)|谁(来)?(出|付|掏|承担|买单)"
                         rf"|(那)?(我们|咱们|咱|我|俺们|俺)[^\s，,。？?的]{{0,4}}?(也)?({_MODALS})(享受|申请|适用|用|办|领|拿|算)[^\s，,。？?]{{0,3}}$"
                         rf"|(疫情期间|疫情下|现在|目前|眼下|那)?({_MODALS}|会不会|要不要)[^\s，,。？?]{{0,7}}$)")

# A place named as the yardstick of a comparison ("跟济南一样吗", "和济南比") is not the
# place asked about.
_HOME_COMPARED = re.compile(r"(跟|和|与|同)\s*[\u4e00-\u9fff]{2,3}?(市|这边|这里|这个|这份)?的?\s*(政策|措施|规定|标准)?\s*"
                            rf"(不|有(什么|啥|何)?)?{_LIKE_OR_UNLIKE}"
                            # ("济南跟杭州比政策一样吗": the yardstick first)
                            rf"|[\u4e00-\u9fff]{{2,3}}(?=(跟|和|与|同)\s*[\u4e00-\u9fff]{{2,3}}\s*{_LIKE_OR_UNLIKE})")
# Nor is a place denied ("registered in 青岛, not 济南", "公司不在济南"; "是不是在济南" asks).
_HOME_DENIED = re.compile(r"(\bnot|(?<!是)不是|(?<!是)不在|并非|而非)\s*(in\s+|在)?\s*$", re.I)


@dataclass(frozen=True)
class TermGroup:
    """Synonyms for one thing, and the words of the only setting a document may name it
    in ("电价" only for "冷库、冷链"): a question naming the thing outside that setting
    asks about something the document does not cover."""
    words: tuple[str, ...]
    only_with: tuple[str, ...] = ()
    # Chinese has no spaces, so a word may sit across two others: "门面房租给人" is 门面房
    # 租给人, not 房租. These longer words are read around.
    not_in: tuple[str, ...] = ()


def read_terms(path: Path) -> tuple[list[TermGroup], list[str]]:
    """Term groups (synonyms on one line, then optionally ``~`` and the words of the only
    setting, then optionally ``!`` and the longer words they do not count inside) and,
    after a ``[places]`` line, place names."""
    groups: list[TermGroup] = []
    places: list[str] = []
    in_places = False
    for line in list_lines(path):
        if line == "[places]":
            in_places = True
            continue
        # fold: full-width ～ and ！ are ~ and ! too; either may come first
        parts = {"": "", "~": "", "!": ""}
        marker = ""
        for piece in re.split(r"([~!])", fold(line)):
            if piece in ("~", "!"):
                marker = piece
            else:
                parts[marker] += " " + piece
        words, setting, not_in = ([w.replace("_", " ") for w in parts[m].split()] for m in ("", "~", "!"))
        if in_places:
            places.extend(words + setting)
        elif words:
            groups.append(TermGroup(tuple(words), tuple(setting), tuple(not_in)))
    return groups, list(dict.fromkeys(places))


# What the asker says happened to a thing ("工资都快发不出来了", "车贷也逾期了一个月", "房租还得
# 照交", "租金收不上来", "房租工资压得喘不过气", "产假快休完了", "电费都拖着") tells
# their situation, and what the asker's business sells ("卖康复辅具的小公司") who they are; the
# question asks about something else ("社保想先缓一缓", "会不会被记成失信", "房产税能减免吗").
# ("房贷还不上，能延期吗" still asks about the mortgage.) A thing done to the asker, told
# with 了 ending a clause ("公司给我降薪了，…"), is what happened too; "降薪了怎么办",
# "能不能不交契税了？" ask about it.
_TOLD_AFTER = re.compile(r"^了\s*[，,。；;！!]|^\S{0,2}的小?(公司|店|门店|企业|厂|铺子)"
                         r"|^\S{0,3}?(快\S{0,2}完了|都快|快要|发不出|发不起|交不[上起出]|付不[起出]|收不[上回到]|压得"
                         r"|降了|少了|没了|涨了|断了|逾期了|拖欠了|欠了|欠着|拖着"
                         r"|(照交|照付|照样|还得交|还要交)(?![^，,。]*(吗|么|不|没|\?))|(完全|全都|都|全)?停了(?![^，,。]*(吗|么|\?)))")


def _without(text: str, words: tuple[str, ...]) -> str:
    for w in words:
        text = text.replace(w, " ")
    return text


# What the asker carries or pays off tells their situation too ("家里还背着车贷房贷", "省下来的钱
# 拿去还车贷"), and what a loan is for ("想贷款周转发工资").
_TOLD_BEFORE = re.compile(r"(背着|(?<!违)背了|拿去还|用来还|拿来还)\S{0,2}$|(想贷款|借钱|周转)\S?$")
# So does what the asker says they are or sell, the word ending the clause ("我是在济南干活的育儿嫂，…",
# "我们是宠物医院，…", "我在抖音帮景区卖门票，…"); "我是想问房租能不能减", "我是不是能延期还房贷"
# still ask.
_WHO_BEFORE = re.compile(r"(我|俺|我们|俺们|咱们|本人|我家|我们家)(是|就是|在[^，,。；;？?！!\s]{0,8}?(卖|做|干|开))"
                         r"(?!不是|想|来|要|问|说|咨询|了解|打听)"
                         r"((?!不是|能|可以|会|要|想|问|吗|么)[^，,。；;？?！!\s]){0,10}$")
_CLAUSE_ENDS = re.compile(r"^\s*([，,。；;！!]|$)")


def _asked_about(word: str, text: str) -> bool:
    """Does the (folded) text name the word other than to tell what happened to it?"""
    if not mentions(word, text):
        return False
    return word.isascii() or any(
        not _TOLD_AFTER.search(text[m.end():]) and not _TOLD_BEFORE.search(text[:m.start()])
        and not (_WHO_BEFORE.search(text[:m.start()]) and _CLAUSE_ENDS.match(text[m.end():]))
        for m in re.finditer(re.escape(word), text))


@dataclass
class OutsideTerms:
    """Words a question may name that the document never mentions."""

    absent: dict[str, str]   # each word of a group the document never mentions → the group's first word
    away: list[str]          # places the document never mentions
    home: list[str]          # the document's own place: a question naming it asks about the document's place
    mentioned: list[str] = field(default_factory=list)  # groups the document mentions (first words): set aside
    years: list[int] = field(default_factory=list)      # the years the document names
    # groups the document names only in their setting (first word → the setting's words):
    # a question naming the setting too may be answered
    only_with: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # where the document names such a group: its first sentence doing so, for the reply
    setting_sentence: dict[str, str] = field(default_factory=dict)
    # English names of the places the document never mentions (its Chinese name decides),
    # each with the pattern of its being asked about
    away_english: dict[str, re.Pattern] = field(default_factory=dict)
    # longer words a group's words do not count inside (first word → those words)
    not_in: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # places the document names in passing ("向湖北、北京、上海运送蔬菜"): naming one asks
    # nothing of the document's place, and asks about that place's own policy only as
    # another place's is asked about in a question naming the document's ("上海对奶茶店
    # 出台了哪些扶持措施", "上海那边")
    passing: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, groups: list[TermGroup], places: list[str], document: str) -> OutsideTerms:
        text = fold(document)
        sentences = split_sentences(text)
        absent: dict[str, str] = {}
        mentioned: list[str] = []
        in_setting: dict[str, tuple[str, ...]] = {}
        setting_sentence: dict[str, str] = {}
        for g in groups:
            named = [w for w in g.words if mentions(w, text)]
            # A group named only in its setting ("实行农业生产用电价格" in a sentence on 冷链)
            # still counts against questions outside that setting; named anywhere else, it
            # is set aside. (Only the sentences naming it are read for the setting.)
            naming = [s for s in sentences if any(mentions(w, s) for w in named)]
            if named and g.only_with and all(any(mentions(w, s) for w in g.only_with) for s in naming):
                in_setting[g.words[0]] = g.only_with
                setting_sentence[g.words[0]] = min(naming, key=len).rstrip("。；;，, ")
            elif named:
                mentioned.append(g.words[0])
                continue
            absent.update((w, g.words[0]) for w in g.words)
        years = sorted({int(y) for y in _DOCUMENT_YEAR.findall(text)})
        # A place may carry its English name ("青岛=qingdao"); the Chinese one is what a
        # Chinese document names.
        names = [p.partition("=") for p in places]
        chinese = list(dict.fromkeys(zh for zh, _, _ in names))
        # The document's own place is the one it names most, with those it names as its
        # districts ("莱芜高新区"); the rest it names in passing.
        counts = {zh: text.count(zh) for zh in chinese if zh in text}
        home = [zh for zh, n in counts.items()
                if n == max(counts.values()) or re.search(re.escape(zh) + _DISTRICT, text)]
        return cls(absent, [zh for zh in chinese if zh not in text], home,
                   mentioned, years, in_setting, setting_sentence,
                   {en: re.compile(_EN_PLACE_ASKED.format(place=re.escape(en)))
                    for zh, _, en in names if en and zh not in text},
                   {g.words[0]: g.not_in for g in groups if g.not_in and g.words[0] not in mentioned},
                   [zh for zh in counts if zh not in home])

    def later_year(self, piece: str) -> str | None:
        """A year after every year the document names ("2022年还发不发消费券"): a 2020
        policy says nothing about it. Earlier years are left alone: "2018年开的店"
        describes the asker, and so does a later one followed by what the asker did then
        ("我2021年开的店"); and a year the question attributes to the document
        ("文件上写着可以延期到2021年6月底，对吧？") is a claim the cited clause corrects."""
        # "政策" names the topic as often as it attributes ("2022年还有这个政策吗"); "政策上说…"
        # still attributes.
        if not self.years or (attributes(re.sub(r"政策(?![上里中说写规])", "", piece))
                              and not _NEW_POLICY.search(piece)):
            return None
        for m in _QUESTION_YEAR.finditer(piece):
            if self._is_later(m.group(1)) and not _YEAR_OF_THE_ASKER.search(piece[m.end():]):
                return f"{m.group(1)}年"
        return None

    def dated(self, question: str) -> str | None:
        """A later year the question is set in as a whole ("2022年招人的话，还有那个补贴吗",
        "今年都2022了 还有社保减免没"): every part asks about that year, though only one names it."""
        for m in _DATES_THE_QUESTION.finditer(fold(question)):
            year = next(g for g in m.groups() if g)
            if self._is_later(year):
                return f"{year}年"
        return None

    def _is_later(self, year: str) -> bool:
        """Is the year after every year the document names (and not a figure far beyond)?"""
        y = int(year)
        return bool(self.years) and self.years[-1] < y <= self.years[-1] + 50 and y not in self.years

    def thing_in(self, piece: str, places: bool = True, question: str = "") -> str | None:
        """The absent thing or place a piece of a question names, if any. Without
        ``places`` (the question names the document's own place too: "从青岛回济南…"),
        another place counts only where the words after it ask about it ("青岛那边",
        "青岛也有分厂", "青岛的政策"). A thing the document names only in a setting counts
        where the question (``question``, else the piece) names nothing of that setting."""
        piece = fold(piece)
        whole = fold(question) if question else piece
        read_around = {first: _without(piece, longer) for first, longer in self.not_in.items()}
        for word, first in self.absent.items():
            if (_asked_about(word, read_around.get(first, piece))
                    and not any(mentions(w, whole) for w in self.only_with.get(first, ()))):
                return first
        year = self.later_year(piece)
        if year:
            return year
        for place, asked in self.away_english.items():
            if asked.search(piece):
                return place.title()
        for place in self.away + self.passing:
            for m in re.finditer(re.escape(place), piece):
                after = piece[m.end():]
                if _PLACE_AS_ORIGIN_BEFORE.search(piece[:m.start()]) or _PLACE_AS_ORIGIN_AFTER.search(after):
                    continue
                if place in self.passing and _MOTION_BEFORE.search(piece[:m.start()]):
                    continue
                if (places and place in self.away) or _PLACE_ASKED_ABOUT_AFTER.search(after):
                    return place
        return None

    def outside(self, question: str, pieces: list[str]) -> str | None:
        """The absent thing the question asks about, when every part of it names one or
        only compares (and, for another place, the question does not name the
        document's own)."""
        # "青岛的社保减免跟济南一样吗" names the document's place only to compare with it.
        asked_of = _HOME_COMPARED.sub("", fold(question))
        places = not any(not _HOME_DENIED.search(asked_of[:m.start()])
                         for p in self.home for m in re.finditer(re.escape(p), asked_of))
        year = self.dated(question)
        if year:
            return year
        named = [self.thing_in(p, places, question) for p in pieces]
        found = next((n for n in named if n), None)
        if found and all(n or _COMPARES.search(fold(p)) or (i and _FOLLOWS_ON.match(fold(p)))
                         for i, (n, p) in enumerate(zip(named, pieces))):
            return found
        return None


# ------------------------------------------------------------------ contrasts
# A clause on the right topic may speak to another party than the asker's: 第16条 waives
# the *employer's* share of social insurance, and "个体户自己交的那份养老保险能免吗" asks
# about the individual's. Three blind question sets asked this independently; the
# embedding ranks 第16条 first with high confidence, and quoting it would answer wrongly.


@dataclass(frozen=True)
class Contrast:
    asked: tuple[str, ...]    # words naming what the question is about
    stated: tuple[str, ...]   # words naming the counterpart a clause may speak to instead
    # broader words for the counterpart ("社保"): a question naming them asks about it too,
    # so a clause on it is kept beside one on the asked side (``one_sided``)
    broader: tuple[str, ...] = ()


# "医疗保险能不能也跟养老保险一样减半" names the counterpart only as the yardstick.
_YARDSTICK = re.compile(r"(跟|同|像)[^，,。？?！!\s]{1,8}?(一样|相同|似的|那样)")
# An asker who speaks for an employer ("我们企业自己交的…", "公司自己缴的…").
_EMPLOYER = r"(企业|公司|单位|厂子?|工厂)"
_AN_EMPLOYER = re.compile(rf"(我们|咱们?|我的|本)?{_EMPLOYER}(自己|这边|那部分|部分|交的|缴的)")
_EMPLOYER_WORD = re.compile(_EMPLOYER)
# An employer asking whether its staff's own share is waived too ("员工个人那部分也不用扣了吧")
# asks about the same contributions the clause splits: its 单位缴费部分 is the answer (no).
# A self-employed asker's own contributions ("灵活就业自己交的") are another matter.
_STAFF_SHARE = re.compile(r"(员工|职工|工人)们?的?(个人|自己)")


def read_contrasts(path: Path) -> list[Contrast]:
    """One contrast a line: the asked words, ``|``, the counterpart's words, and
    optionally ``|`` and broader words for the counterpart."""
    out = []
    for line in list_lines(path):
        left, sep, right = line.partition("|")
        right, _, broader = right.partition("|")
        asked, stated = tuple(fold(w) for w in left.split()), tuple(fold(w) for w in right.split())
        if sep and asked and stated:
            out.append(Contrast(asked, stated, tuple(fold(w) for w in broader.split())))
    return out


@dataclass(frozen=True)
class Clash:
    asked: str       # what the question asks about (the asked side's first word)
    stated: str      # what the clauses speak of instead
    corrects: bool   # the clauses answer it all the same: they split the very payment asked
                     # about, and name only the other share (the staff's share: no waiver)


def _asked_sides(contrasts: list[Contrast], q: str):
    """The contrasts whose asked side the (folded) question asks about."""
    # the counterpart named only as the yardstick is not asked about
    unlike = _YARDSTICK.sub(" ", q)
    for c in contrasts:
        if not any(w in q for w in c.asked):
            continue
        if any(w in unlike for w in c.stated if not any(w in a for a in c.asked)) or (
                _AN_EMPLOYER.search(q) and any(_EMPLOYER_WORD.search(w) for w in c.stated)):
            # "我们企业自己交的社保部分" asks about the counterpart, the employer's share, after
            # all; "职工医保单位部分" still asks about medical insurance.
            continue
        yield c


def clash(contrasts: list[Contrast], question: str, clause_texts: list[str]) -> Clash | None:
    """What is asked and what the clauses speak of instead, when the question names one
    side of a contrast and the cited clauses only the other."""
    q = fold(question)
    text = fold("\n".join(clause_texts))
    staff = bool(_STAFF_SHARE.search(q))
    for c in _asked_sides(contrasts, q):
        if any(w in text for w in c.asked):
            continue
        if any(w in text for w in c.stated):
            # (only the contributions the clause splits into shares: "员工个人征信" is no share
            # of the enterprise's credit)
            employer_side = any(_EMPLOYER_WORD.search(w) for w in c.stated)
            return Clash(c.asked[0], c.stated[0], staff and employer_side and "缴" in c.stated[0])
    return None


def one_sided(contrasts: list[Contrast], question: str, clause_texts: list[str]) -> set[int]:
    """The clauses (by index) that speak only of the counterpart of what the question asks
    about, when another of them speaks of it: "稳岗返还按失业保险费的多少比例返" is 第15条's
    (加大稳岗返还); 第16条 beside it, on the employer's contributions, would answer the
    rate with its 减半."""
    q = fold(question)
    texts = [fold(t) for t in clause_texts]
    sides = list(_asked_sides(contrasts, q))
    # a clause naming what any of them asks about is kept ("医保…？灵活就业…？")
    asked = [w for c in sides for w in c.asked]
    drop: set[int] = set()
    for c in sides:
        # ("…有稳岗返还吗？单位社保又能减多少？" asks about both)
        if any(w in q for w in c.stated + c.broader):
            continue
        if any(any(w in t for w in c.asked) for t in texts):
            drop |= {i for i, t in enumerate(texts)
                     if not any(w in t for w in asked) and any(w in t for w in c.stated)}
    return drop if len(drop) < len(texts) else set()


# ------------------------------------------------------------------ subjects
# A clause about one group of people can rank first for questions from any other:
# 第28条 (强化贫困人口就业帮扶) speaks of 就业、复工、企业、补助 and 合作社, and on the labelled
# sets every one of the 39 questions it answered first without naming poverty was wrong
# (19 belonged to another clause, 16 to none). Such a clause is not cited first unless
# the question names its subject.


@dataclass(frozen=True)
class Subject:
    title: str                # the clause title it applies to
    words: tuple[str, ...]    # a question must name one of these to get it first


def read_subjects(path: Path) -> list[Subject]:
    """One clause a line: its title, ``|``, the words that name its subject."""
    out = []
    for line in list_lines(path):
        title, sep, words = line.partition("|")
        if sep and title.strip() and words.split():
            out.append(Subject(fold(title.strip()), tuple(fold(w) for w in words.split())))
    return out


def subject_unnamed(subjects: list[Subject], title: str, question: str) -> bool:
    """Is the clause titled ``title`` one whose subject the question does not name?"""
    folded_title, folded = fold(title), fold(question)
    return any(s.title == folded_title and not any(w in folded for w in s.words) for s in subjects)
