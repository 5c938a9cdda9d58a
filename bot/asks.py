"""What a question asks for, and whether a passage states it.

A passage can be on the question's topic and still not answer it: "失业金一个月能领多少钱"
when the document only says where to apply, "消费券在哪个APP上领" when it only says
2000万元 of vouchers are issued. Each kind of ask names what an answer must contain
(an amount, a period, a web address, a time of day…); a part of a question whose ask
the cited passages do not state is one the document leaves open, and the answerer
says so instead of quoting the passage as if it answered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import fold


@dataclass(frozen=True)
class Ask:
    name: str        # what the document leaves open, as the reply names it
    name_en: str
    asks: re.Pattern
    states: re.Pattern
    # Quantities must be stated in the sentences that match the question (a clause's
    # other figures are about other things); a web address or an app anywhere in the
    # cited clause answers where to find it.
    in_sentences: bool


_NUMBER = "[0-9０-９]"

# Measure words a count is asked in (not the nouns they open: 所得税, 项目, 名额, 家庭,
# 条件, 人民币, 个人), and those that state it. People are counted in 人, 名 or 位; "多少个
# 企业" is answered in any measure word ("不少于100家"), below.
# "几个"/"几条" mostly describe ("新招了几个人", "多上几条生产线"), so only these few
# count with 几.
_PEOPLE = "人|名|位"
# (Enterprises are counted in 户 or 家: "多少户重点联系服务企业" is answered by "不少于100家".)
_COUNT_UNITS = {"个": ("个(?!人|税|月|小时|工作日)", "个(?!月|小时)"), "家": ("家(?!庭|长|里)", "家"),
                "辆": ("辆", "辆"), "项": ("项(?!目)", "项"), "条": ("条(?!件|例|款)", "条"), "户": ("户", "户|家"),
                "所": ("所(?!得)", "所"), "台": ("台(?!阶)", "台"), "张": ("张", "张"), "批": ("批(?!准)", "批"),
                "座": ("座", "座"), "人": ("人(?!民币|次)|名(?!额|单)|位", _PEOPLE)}
_COUNT_UNITS["个"] = (_COUNT_UNITS["个"][0], "|".join(stated for _, stated in _COUNT_UNITS.values()))
_COUNTED_BY_JI = ("家", "辆", "项", "张")
# A count is a number: "一户一档", "一条龙", "一项一议" state none.
_COUNT = "(?:[0-9０-９]+|[一二两三四五六七八九十百千万]{2,}|[二两三四五六七八九十])"

# Quantities. The word "比例" states no rate ("同等报销比例" answers nothing about a
# percentage), so only a number, 成, 减半 or 倍 counts; "报销比例会不会变低" asks
# whether, not how much, so "比例" asks only with 多少/多大/几, and so do 税率, 费率 and
# 利率 ("贷款利率有没有优惠" asks whether). "自己要掏多少钱" is
# answered by "由财政给予补助" / "全额", which name no figure.
# A rate is stated by a figure, 成, 减半 or 倍 (the word 比例 alone states none).
_RATE_STATED = r"%|％|[一二三四五六七八九]成|减半|倍"

QUANTITIES = [
    Ask("具体比例", "the rate",
        re.compile(r"比例(具体|到底|大概|现在|一般|能|会)?(是|为|有|按)?(多少|多大|几(?!天|个?月|年|周|号))|(多少|多大)的?比例"
                   r"|百分之|百分点|几个点|几成|(税率|费率|利率)\S{0,6}(多少|多大|几)|(多少|多大)的?(税率|费率|利率)|"
                   r"[\u4e00-\u9fff]率(具体|到底|现在)?(是|为|有)?(多少|多大)|^[^，,。？?\s]{2,10}(比例|税率|费率|利率)[？?]?$|"
                   r"percentage|"
                   r"\brates?\b", re.I),
        re.compile(_RATE_STATED), True),
    # "按什么比例报销" asks which rate, and a rule naming it answers ("执行同等报销比例");
    # "绩效奖金按什么比例上浮" is not answered by a clause that names no rate at all.
    Ask("具体比例", "the rate", re.compile(r"(什么|啥)(样的)?比例"), re.compile(rf"{_RATE_STATED}|比例"), True),
    # How often ("多久送一次") is stated by a frequency: "坚持每天向湖北…运送蔬菜".
    Ask("多久一次", "how often",
        re.compile(r"(多久|多长时间|几天|几个?月|几周)[^\s，,。；;？?]{0,4}一次(?!性)|how often", re.I),
        re.compile(r"每[个两三]?(天|日|周|星期|月|季度|年)|按(月|季|年)|[0-9一二两三四五六七八九十]+\s*(天|日|周|个?月|年)一次"),
        True),
    Ask("具体期限", "the period",
        re.compile(r"多久|几天|几个?月|几年|几周|多少个?(天|月|年|周|小时)|多长时间|期限(?=[？?]|$)|how long", re.I),
        re.compile(r"[0-9一二两三四五六七八九十半]+\s*(天|日|个?工作日|个月|月|年|周|个?小时|分钟)"), True),
    # A fee asked about is answered by a figure, a rate, a price rule or its waiver
    # ("担保费一律降至0.8%", "实行农业生产用电价格", "减免旅行社责任险").
    Ask("收费标准", "the fee",
        re.compile(r"收费标准|怎么收费|(费|费用)怎么(收|算)"),
        re.compile(r"[0-9]|%|％|价格|减免|减半|免收|免费|全额"), True),
    Ask("具体金额", "the amount",
        re.compile(r"多少钱|金额|多少元|多少万|how much money", re.I),
        re.compile(r"[0-9]\s*(元|万元|亿元|美元)|[万亿]元|全额|免费|免收|免征|财政(给予)?(全额)?(补助|保障|兜底)"),
        True),
    # A count of things is stated with their measure word: "多少家企业享受了" is not
    # answered by "免征期限不超过5个月", while "多少人" is by "1000名工作人员".
    # ("开了几家店" and "前几项" describe, "这几项" points.)
    *[Ask("具体数量", "the number",
          re.compile(rf"多少\s*(?:{asked})" + (rf"|(?<![这那前近了])几\s*(?:{asked})" if unit in _COUNTED_BY_JI else "")),
          re.compile(rf"{_COUNT}[万千百余多]?\s*(?:{stated})"), True)
      for unit, (asked, stated) in _COUNT_UNITS.items()],
    Ask("具体数额", "the figure",
        re.compile(r"多少|几(个|次|倍|辆|家|万|千|百)|多大|封顶|上限(?!制?高?(名单|消费))|最多|最高|how (much|many)", re.I),
        re.compile(rf"{_NUMBER}|[一二两三四五六七八九十百千万亿]+(个|年|月|天|日|倍|成|项|家|辆|人|元)|减半|全额|免征|免收|全部"),
        True),
]

# Words that put a question after the fact ("到现在一共发出去多少钱了"); "一共免了几个月" still
# asks the period the document sets.
_SO_FAR = "(实际|到现在|至今|截至目前|截止目前|目前为止|迄今|累计)"
_NOT_A_PERIOD = r"(?!\s*个?(月|天|年|周|日|小时))"

_DEADLINE_ASKED = r"截止|到期日|(到|至)(什么|啥)时候|(什么|啥)时候(结束|到期|为止)|最晚|(到|至)几月|until when"

# A day named without a date: from issue, from now, at a month's or year's end.
_DAY_NAMED = "之日起|即日起|月底|年底|年末"

# What runs trips ("公交车每天要跑几趟"); without one, "跑几趟" counts visits to an office.
_VEHICLE = "(车|公交|客运|航班|班机|飞机|高铁|列车|地铁|轮渡|船)"

# Practical details a policy text rarely carries. Each is asked only in words that
# ask for the detail itself: "有没有网上平台" is answered by "网上诉求受理平台", but
# "网址是多少" needs an address, and "安装充电桩" asks nothing about an app.
DETAILS = [
    Ask("网址", "a web address",
        re.compile(r"网址|域名|(网站|网页|官网)的?(地址|链接)|链接(是|在)|\burl\b|web ?address|website address", re.I),
        re.compile(r"https?://|www\.|\.(cn|com|gov|org|net)\b", re.I), False),
    Ask("用哪个APP、怎么下载", "which app to use or how to install it",
        re.compile(r"(哪个|什么|哪款|哪一个)\s*(app|软件|应用|小程序|公众号|客户端)|(怎么|如何|在哪|去哪)(里|儿)?"
                   r"(下载|安装)|下载安装|which app|download", re.I),
        re.compile(r"(?<![a-z])app(?![a-z])|软件|小程序|公众号|客户端|下载", re.I), False),
    # Which platform ("消费券在哪个平台领") is one a sentence names ("“泉贸通”融资平台") or
    # says to use: "搭建文旅产业国际交易交流平台" in 第35条 builds one, which is not where
    # vouchers are claimed.
    Ask("在哪个平台办理", "which platform to use",
        re.compile(r"(哪个|哪一个|什么|啥|哪家)\s*平台|which platform", re.I),
        re.compile(r"(通过|登录|在|依托)[^，,。；;]{0,12}平台|[”\"」][^，,。；;]{0,6}平台|平台(申请|申报|办理|受理|领取|发放)"
                   r"|(?<![a-z])app(?![a-z])|小程序|公众号"
                   r"|客户端", re.I), True),
    # When a measure starts or is paid ("消费券什么时候发", "什么时候开始减免") is stated by a
    # date or a start in the sentences that match.
    Ask("具体时间", "when",
        re.compile(r"(什么|啥)时候(开始|才)?(发|发放|开始|启动|实施|执行|开放|兑现|落地|出台|能领|能用|可以领|可以用)|何时(发|开始|实施|启动)"
                   r"|when (will|does|do|is|are)\b.{0,30}\b(start|begin|issued?|released?|available|paid)\b", re.I),
        re.compile(rf"\d{{1,2}}\s*月(\s*\d{{1,2}}\s*日)?|{_DAY_NAMED}|起(?=[,，。；;]|实施|执行)"), True),
    # Whether two measures stack is a rule a policy states in so many words ("不重复享受",
    # "可叠加", "就高"), or not at all.
    Ask("能否同时享受", "whether they can be combined",
        re.compile(r"同时享受|叠加|重复享受|兼得|两个都(能|可以)(拿|领|享受)|\b(combine|stack)", re.I),
        re.compile(r"同时享受|叠加|不(得)?重复|兼得|可同时|就高"), False),
    # What became of a measure after the document was issued ("后来有没有延长到年底") is
    # not in it.
    Ask("后来的调整", "later changes",
        re.compile(r"(后来|此后|之后)(有没有|是否|是不是|有无|已经|又|还){0,2}(再)?(延长|延期|延续|调整|取消|出台|变化|改|修订|补充)"
                   r"|\b(later|since) (been )?(extended|changed|cancelled|renewed)", re.I),
        re.compile(r"(?!)"), False),
    # What a measure has paid out so far ("一共发出去多少钱了", "多少家企业享受了") is a
    # result, which a policy issued before it took effect does not report; "一共发了多少钱的
    # 券" asks the budget, which it does.
    Ask("实际发放情况", "how much has actually been paid out",
        re.compile(rf"({_SO_FAR}|一共|总共|(?<![公总一])共)\S{{0,10}}"
                   r"(发出去|用出去|花出去|(发放|兑现|拨付|领取?|用|花|减免|返还|享受|拿到?|接|受理|办结|招|帮扶|惠及|解决|核销)了)"
                   rf"\S{{0,4}}(多少|几){_NOT_A_PERIOD}"
                   rf"|{_SO_FAR}\S{{0,10}}[\u4e00-\u9fff]了\S{{0,4}}(多少|几){_NOT_A_PERIOD}"
                   r"|(哪些|哪几家|多少家)(企业|公司|单位|人)\S{0,3}(拿到|领到|享受到|获得)了"
                   r"|多少\s*(家|个|户|名|位|人)\S{0,6}(领|拿|享受|申请|用)到?了|(发|用|花)出去了?\s*(多少|几)"
                   r"|how much has (actually )?been (paid|disbursed|spent)|(paid out|disbursed) so far", re.I),
        re.compile(r"(已|累计)\s*(发放|兑现|拨付|惠及|减免|返还|支付)|惠及"), False),
    # How or where to claim a benefit ("去哪领", "咋申请", "怎么申领"; "申请表在哪领" asks for
    # a form, below): the sentences that grant it must say ("网上申领失业保险金", "可先办理退
    # 税"); "每个产品给予2000万元一次性奖励" grants without saying how to claim.
    Ask("怎么申请、在哪领取", "how or where to apply",
        re.compile(r"(去|到)哪(里|儿)?(领(?![导会悟])|申请|申领|办|报名)|(怎么|咋|如何|怎样)(去)?(申请|申领|领(?![导会悟])取?|办理|申报|兑现|报名)"
                   rf"|^(?!.*{_VEHICLE}).*?跑\S{{0,2}}(几|多少)\s*(趟|次|回)"
                   r"|(申请|申报|办理)\S{0,3}[,，]?\s*还是\S{0,6}(自动|系统|直接)|(自动|系统直接)\S{0,10}还是\S{0,8}(申请|申报|办理)"
                   r"|(?<!表)在哪(里|儿)?(领|申请|申领|办理)|how (do|can|should) (i|we) (apply|claim)|where (do|can|should) (i|we) "
                   r"(apply|claim|get it)", re.I),
        re.compile(r"申请|申领|领取|办理|登录|提交|申报|报名|兑现|登记|预约|注册|网上办|掌上办|不见面|帮办|免申|直接(拨付|发放|兑付)"
                   r"|热线|12345|先行救助|后补手续"), True),
    # Which papers to hand in: "要交啥材料", "申请表在哪领". ("是不是得先把材料都办齐" asks
    # whether, which "先行救助,后补手续" answers.)
    Ask("需要的材料和表格", "the documents or forms to hand in",
        re.compile(r"(交|带|准备|提交|提供|填|备)(哪些|什么|啥|哪张|哪个|哪份)\S{0,2}(材料|资料|证明|表|手续)"
                   r"|申请表|(报送|申报|填报)?模板|样表|申请(材料|资料)(?!\S{0,4}(齐|凑|开不|不全|不够|没))|(哪些|什么|啥)(材料|资料)"
                   r"|what (documents|paperwork|forms)|which forms?\b|application form", re.I),
        re.compile(r"申请表|(提交|提供|携带|准备|出具|附上)\S{0,12}(材料|资料|证明)|材料清单|携带|附上|复印件|原件"
                   r"|凭\S{0,12}(证|执照|合同)"), False),
    # Which office handles it: "交到哪个部门", "找哪个部门". "找谁反映" is answered by
    # "12345市民服务热线", "找谁开证明" by "有关部门"; a platform is no office, nor are
    # "其他部门" that want data.
    Ask("负责的部门", "which office handles it",
        re.compile(r"(哪个|哪一个|什么|啥|哪些|哪家)\s*部门(?!\S{0,4}(发的|发布|印发|出台|制定|落实不力|不落实))"
                   r"|(向|找|到|去|交到|交给|报)(哪个|哪一个|什么|啥|哪家)\s*(单位|机构|机关)"
                   r"|(哪个|哪一个|什么|啥|哪家)\s*(单位|机构|机关)\s*(负责|受理|审批|核准|办理|管)"
                   r"|(向|找)谁(申请|申报|提交|反映|开|办)?|which (department|office|agency)|who (handles|approves)", re.I),
        re.compile(r"(?<!其他)部门|(?<![格布当结])局(?![面势])|厅(?!堂)|委员会|办公室|市委|政府(?!网站)|机关|经办机构|服务机构"
                   r"|金融机构|热线|12345|法院|海关|银行|街道|乡镇"), True),
    # The law a measure rests on is named in 《》 or by its article; "依法减征" names none.
    Ask("法律依据", "the legal basis",
        re.compile(r"(依据|根据)的?是?(哪|什么)(个|部|份|一)?(文件|法规|法律|规定|条例|条(?=[的？?，,\s]|$))|(法律|法规|政策)依据"
                   r"|legal basis|which (law|regulation)", re.I),
        re.compile(r"《[^》]+》|(法|条例|办法)第[一二三四五六七八九十百0-9]+条"), False),
    # Whether an employer's act is lawful ("要把我辞了，这合法吗") is for labour law to say;
    # a policy that forbids or allows it says so in those words.
    Ask("是否合法", "whether it is lawful",
        re.compile(r"合法吗|合不合法|是否合法|违法吗|违不违法|算不算违法|犯法吗|is (this|that|it) (legal|lawful)", re.I),
        re.compile(r"合法(?!权益)|违法(?!犯罪)|不得|(?<!令行)禁止|严禁"), False),
    # When money reaches the account ("多久能退到账", "差额什么时候补发") is a matter of
    # processing a policy rarely fixes; a time limit in days states it, in the sentences
    # that match ("即时供地" elsewhere in 第39条 is land, not the reward).
    Ask("到账时间", "when the money arrives",
        re.compile(r"(多久|多长时间|几天|啥时候|什么时候|何时|哪天)\S{0,6}(到账|打款|打到卡|到卡|发到手|补发|拨付到位)"
                   r"|到账(时间|日期)|when (will|does) (the )?(money|payment|refund) (arrive|come)", re.I),
        re.compile(r"[0-9一二两三四五六七八九十]+\s*个?(工作日|天|日)内|即时|当天|当日"), True),
    Ask("具体几点", "the time of day",
        re.compile(r"几点|几时(开|结束|截止|关)|开抢|办公时间|上班时间|(周末|节假日)(上不上班|开不开门|办不办公)|what time"
                   r"|office hours", re.I),
        re.compile(r"\d{1,2}\s*(点|时|:|：)\s*\d{0,2}|[一二三四五六七八九十]{1,3}点"), False),
    Ask("车次、班次", "timetables",
        # (trips are a vehicle's: "手续得来回跑几趟" counts visits to an office, how it is
        # done, above)
        re.compile(rf"^(?=.*{_VEHICLE}).*?(几趟|多少趟)|几班|多少班|班次|时刻表|timetable", re.I),
        re.compile(r"趟|班次|时刻"), False),
    Ask("具体地址", "the address",
        # (not a web address: that is the first detail's)
        re.compile(r"^(?!.*(网站|网页|官网|网址|网上|website|web ?address|url|online))"
                   r".*?((具体|详细)地址|地址(在|是)(哪|什么|多少)|(什么|啥|哪个)地址|在哪个区|门牌|在哪条(路|街)|(what|which) (is the )?address)", re.I),
        re.compile(r"[路街道巷]\s*\d+\s*号|\d+\s*号(院|楼)"), False),
    Ask("电话号码", "a phone number",
        re.compile(r"电话(号码)?是?(多少|几号)|电话(号码)?[？?]?$|号码是多少|(打|拨)(哪个|什么|几号)电话|phone number|hotline number", re.I),
        re.compile(r"\d{5,}|热线"), False),
    # A deadline is an end: "2020年2月10日起一个月内" starts something and "本意见自印发之日起施行"
    # takes effect; "最长延至2020年12月31日" and "不超过6个月" end something. ("吸纳就业补贴申请
    # 截止日期是哪天" was answered with 第24条's start date.)
    Ask("截止日期", "the deadline",
        re.compile(_DEADLINE_ASKED, re.I),
        re.compile(r"(\d{4}\s*年\s*)?\d{1,2}\s*月(\s*\d{1,2}\s*日)?(?![\s\d日]*(起|开始|以来))"
                   r"|月底|年底|年末|(不超过|最长|最多|延长|延至|为期|期限)\s*[0-9一二两三四五六七八九十半]+\s*个?(月|年|天|日|周)"),
        True),
    # A date must be in the sentences that match: a clause's other dates are about other things.
    Ask("具体日期", "the date",
        # (not a deadline: "截止日期是哪天" asks for an end, which any date would not answer)
        re.compile(rf"^(?!.*({_DEADLINE_ASKED}))"
                   r".*?(哪天|哪一天|几月几[号日]|(?<![十好])几号(?![线楼窗门口人员])|具体(的)?(日子|日期)|什么日子|哪个日子"
                   r"|几月份|(what|which) (date|day))",
                   re.I),
        re.compile(rf"\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|\d{{4}}\s*年\s*\d{{1,2}}\s*月|{_DAY_NAMED}"), True),
]

# "好几次", "十几个", "几十万", "也就几千只，", "前几天发烧", "我们服务的几家旅行社", "和几个老同事
# 合伙", "我们几个店员", "几周都回不了家" describe ("my father has dialysis several times a
# week"); they ask nothing, nor does what happened ("贷款晚还了几天", "住了几天"). "哪几个地方"
# asks which, not how many; "at the same rate" asks whether.
VAGUE_NUMBER = re.compile(r"好几|十几|几十|哪几|(?<=的)几(?=[个家项位名辆条所])|(?<=[和跟同与们])几(?=个(?!月|工作日|小时|星期))"
                          r"|几(?=个?[天周月年]都)|[前这那过头]几(?=[天年日周]|个月)|几[千百万](?=\S?[，,])"
                          r"|了几(?=[个天次年月周]\S{0,4}[，,\s])|(?<=[住待呆躺歇])了几(?=个?[天周月]$)"
                          r"|(?<=[还拖迟晚欠误])了几(?=[天周次])|\bsame (\w+ ){0,2}rates?\b", re.I)

# "给几个厂子跑通勤班车接员工返岗 这种政府给补贴不": a count inside a long stretch of
# telling, followed by a yes/no question, describes the asker's situation.
_TELLING_ON = re.compile(r"^[^\s，,。？?！!]{6,}[\s，,]")
_YES_NO = re.compile(r"(吗|不|没|么|没有|能不能|是否|有没有|可不可以|给不给|行不行)[？?啊呀呢吧]*\s*$")

# A date ("2020年2月起") is no amount.
_DATE = re.compile(r"\d{4}\s*年(\s*\d{1,2}\s*月)?(\s*\d{1,2}\s*日)?")


PER_UNIT_ASKED = re.compile(r"每(个|一个)?(人|户|家|位|名|张|份|小区|社区|村|学校|单位|企业|辆|区|县|店|网店|门店|公司|厂)"
                            r"|一个人|一人|人均|面值|各(区县|区|县|街道|乡镇)\S{0,4}(分别|各自|额度)"
                            r"|per (person|head|household|voucher)", re.I)
# Only an amount is per unit: "每个企业社保能免几个月" asks a period every firm shares.
HOW_TO_APPLY = next(a for a in DETAILS if a.name == "怎么申请、在哪领取")
_AMOUNTS = [a for a in QUANTITIES if a.name in ("具体金额", "具体数额")]
PER_UNIT_STATED = re.compile(r"每|人均|/人|按.{0,8}标准")


def asked(text: str) -> list[Ask]:
    """What a question (or a part of one) asks for, if it asks for quantities or details.

    Every detail asked counts ("在哪个APP领？几点开抢？" asks both); a detail outranks a
    quantity: "每天几点开抢" asks a time, not a count. Traditional characters and
    full-width forms ask in their matching form ("網址是什麼")."""
    text = VAGUE_NUMBER.sub("", fold(text))
    details = [ask for ask in DETAILS if ask.asks.search(text)]
    if details:
        return details
    for ask in QUANTITIES:
        m = ask.asks.search(text)
        if m and not (_TELLING_ON.search(text[m.end():]) and _YES_NO.search(text)):
            return [ask]
    return []


def states(ask: Ask, sentence: str) -> bool:
    """Does the passage state what ``ask`` asks for? For a quantity a date is no answer."""
    return bool(ask.states.search(_DATE.sub("", sentence) if ask in QUANTITIES else sentence))


# A measure the document states only as a direction ("提高风险补偿比例", "降低小微企业创业担保
# 贷款申请条件", "减轻残保金、住房公积金负担") names no figure, even when its sentence goes on
# to one about something else ("充分利用20亿元…资金池"): "创业担保贷款最高能贷多少" is
# left open. The measure asked about is the phrase sharing the longest run of characters
# with the question, at least _SUBJECT_RUN of them; a phrase that goes on to its figure
# ("…,最长延至2020年12月31日") states one.
_DIRECTION = re.compile(r"^(提高|降低|扩大|加大|减轻|放宽|延长|增加)")
_PHRASE_END = re.compile(r"[，,；;。：:]")
_GOES_ON = re.compile(r"^(最长|最高|最多|不超过|期限|每|按|标准|其中)")
_SUBJECT_RUN = 4
_NAMED_RUN = 3
_ASK_WORDS = re.compile(r"最高|最多|最长|多少|多大|多久|几|上限|封顶")


def _shared_run(a: str, b: str) -> str:
    """The longest run of characters ``a`` and ``b`` share."""
    best = ""
    for i in range(len(a)):
        j = i + len(best) + 1
        while j <= len(a) and a[i:j] in b:
            best, j = a[i:j], j + 1
    return best


def _direction_only(ask: Ask, part: str, sentences: list[str]) -> bool:
    """Is the measure ``part`` asks about stated only as a direction, without what ``ask`` asks?"""
    asked_chars = "".join(re.findall(r"[\u4e00-\u9fff]", VAGUE_NUMBER.sub("", fold(part))))
    best, subjects, stating = 0, [], []   # subjects: (phrase, goes on to a figure, run shared)
    for sentence in sentences:
        phrases = [p for p in _PHRASE_END.split(fold(sentence)) if p.strip()]
        stating += [p for p in phrases if states(ask, p)]
        for i, phrase in enumerate(phrases):
            shared = _shared_run(asked_chars, phrase)
            run = len(shared)
            if run < max(best, _SUBJECT_RUN):
                continue
            following = phrases[i + 1] if i + 1 < len(phrases) else ""
            # (a second direction is a measure of its own, even with the same verb)
            goes_on = bool(following) and not _DIRECTION.match(following) and bool(
                _GOES_ON.match(following) or following[:2] in phrase)
            subjects = ([] if run > best else subjects) + [(phrase, goes_on, shared)]
            best = run
    if not subjects or not all(_DIRECTION.match(p) and not goes_on and not states(ask, p) for p, goes_on, _ in subjects):
        return False
    # A phrase with the figure that names more of the question than the direction does,
    # beyond the words that ask, states it: "参加境外展会，…展位费最高可以全额补贴" after
    # "加大对外贸企业参加境内外重点展会的支持力度" is asked of "…展位费最高给予全额补贴".
    # ("风险补偿比例提高到多少" names nothing of "20亿元…贷款风险补偿资金池" beyond
    # the direction's own "贷款风险补偿".)
    named = _ASK_WORDS.sub("", asked_chars)
    # (what the direction's own phrase names is no more: "单笔最高能贷多少" of "降低小微企业创业
    # 担保贷款申请条件" names 小微企业 there too, not only in "…20亿元中小微企业贷款风险补偿资金池")
    for phrase, _, _ in subjects:
        run = _shared_run(named, phrase)
        while len(run) >= _NAMED_RUN:
            named = named.replace(run, " ")
            run = _shared_run(named, phrase)
    return not any(len(_shared_run(named, p)) >= _NAMED_RUN for p in stating)


def settled(parts: list[str], sentences: list[str], clauses: list[str]) -> tuple[list[Ask], list[Ask]]:
    """The asks of the question's parts that the cited passages state, and those they
    leave open, each once and in order. ``sentences`` are the cited clauses'
    sentences that match the question; ``clauses`` their whole texts."""
    stated: list[Ask] = []
    open_: list[Ask] = []
    for part in parts:
        for ask in asked(part):
            # (one name once: the counts are an Ask per measure word)
            if any(a.name == ask.name for a in stated + open_):
                continue
            passages = sentences if ask.in_sentences else clauses
            # An amount per person or place asks for a rate ("消费券每人能领多少", "按每个小区
            # 补多少"), which a total ("推出2000万元消费券") does not state.
            if ask in _AMOUNTS and PER_UNIT_ASKED.search(fold(part)):
                passages = [p for p in passages if PER_UNIT_STATED.search(p)]
            said = any(states(ask, p) for p in passages)
            if said and ask in QUANTITIES and _direction_only(ask, part, passages):
                said = False
            (stated if said else open_).append(ask)
    return stated, open_
