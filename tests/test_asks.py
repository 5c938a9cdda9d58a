"""bot.asks: what a question asks for and whether a passage states it (no models)."""
from __future__ import annotations

import pytest

from bot.asks import DETAILS, HOW_TO_APPLY, QUANTITIES, asked, settled, states

CLAUSE_18 = ("依托12345市民服务热线和“济企通”网上诉求受理平台,对接省问题诉求反映平台及96345热线电话,"
             "建立“企业群众在线反映问题、部门联动集中分办、两天沟通反馈”工作机制。")
AMOUNT = next(a for a in QUANTITIES if a.name == "具体金额")
CLAUSE_35 = "开展惠民消费活动,面向景区、旅行社、影院、演艺场所、书店等推出2000万元消费券,拉动文旅消费。"


@pytest.mark.parametrize("question, asks", [
    ("社保能免几个月？", True),
    ("一个人补贴多少钱？", True),
    ("担保费按多少收？", True),
    ("我爸每周要做好几次透析，看病有啥安排？", False),   # "several times" describes
    ("厂里十几个工人，能申请稳岗补贴吗？", False),
    ("几十万的设备，政府能补吗？", False),
    ("新招了好几个人，每人补多少？", True),           # still asks "多少"
    ("现在给几个厂子跑定制通勤班车接员工返岗 这种政府给补贴不", False),  # telling, then yes/no
    ("能免几个月", True),
    ("交货晚了半个月,银行贷款也晚还了几天,这会不会被记成失信?", False),   # what happened
    ("因为疫情交不上货,银行贷款也晚还了几天", False),                       # (a part ends there)
    ("亏损结转年限延长了几年", True),                                       # asks, though it ends there
    ("小微企业社保一共免了几个月？", True),
    ("在那边医院看了病住了几天", False),                     # a stay, told (a part ends there)
    ("集中隔离要住了几天才能解除？", True),
    ("俺家是养鸡的小户，也就几千只，那个财政奖补俺能申请不？", False),
    ("我和几个老同事合伙办了个小微企业，贷款门槛是不是降了？", False),   # who the asker is with
    ("我们几个店员失业了，失业金能在网上申请吗？", False),
    ("失业金我们几个月能领完？", True),                       # 几个月 still asks
    ("会不会被强制执行、上限高名单？", False),     # 限制高消费, not a ceiling
    ("现在拿不出来，会被强制执行、上限制高消费名单吗？", False),
    ("被列上限制消费名单的企业能申请贴息吗？", False),
    ("贷款逾期会被记进失信吗？我们晚还了几天很担心。", False),   # what happened, then more
    ("我舅舅前几天发烧，在医院留观了，费用医保管不管？", False),   # a few days ago
    ("过几天复工，社保能免几个月？", True),
    ("我们代理的几家餐馆，文件对餐饮业有啥支持？", False),     # "the few … we serve"
    ("家里种了几个蔬菜大棚，大棚能上保险不？", False),         # what the asker has
    ("能领的几项补贴，各补多少？", True),                      # still asks "多少"
    ("在单位封闭管理，几个月都没回家，有补贴吗？", False),       # how long it has lasted
])
def test_vague_numbers_ask_no_quantity(question, asks):
    assert any(a in QUANTITIES for a in asked(question)) == asks


@pytest.mark.parametrize("question, asks", [
    ("外地看病报销比例会降低吗？", False),            # whether, not how much
    ("报销比例是多少？", True),
    ("贷款贴息能贴几个百分点？", True),
    ("稳岗返还按上年度失业保险费的多少比例返还？", True),
    ("财政贴息比例具体是多少？", True),
    ("这种在外地看病的能按什么比例报销？", True),    # which rate: a rule naming it answers, below
    ("Will I be reimbursed at the same rate?", False),
    ("What is the reimbursement rate?", True),
    ("新借的贷款利率有没有优惠？", False),          # whether
    ("稳岗返还比例", True),                        # a search-box query asks the rate
    ("办结率是多少？", True),
    ("贷款利率能降到多少？", True),
])
def test_a_rate_is_asked_only_for_a_figure(question, asks):
    assert any(a in QUANTITIES for a in asked(question)) == asks


def test_lawfulness_is_stated_only_in_words_that_rule_on_it():
    lawful = next(a for a in DETAILS if a.name == "是否合法")
    assert states(lawful, "不得随意解除劳动合同")
    for text in ("保护外商投资者合法权益", "做到令行禁止", "严厉打击涉疫违法犯罪行为"):
        assert not states(lawful, text), text


def test_enterprises_counted_in_hu_are_answered_in_jia():
    text = "市直各行业主管部门根据所分管领域分别确定不少于100家重点联系服务企业。"
    assert settled(["每家至少要盯住多少户重点联系服务企业？"], [text], [text])[1] == []


def test_which_rate_is_answered_by_a_rule_naming_it_but_not_by_a_clause_naming_none():
    asks = ["在外地看病能按什么比例报销？"]
    assert settled(asks, ["执行同等报销比例。"], ["执行同等报销比例。"]) [1] == []
    asks = ["乡镇干部的绩效奖金按什么比例上浮？"]
    text = "将相关工作统筹纳入市直单位、区县专项督查和绩效考核范围。"
    assert settled(asks, [text], [text])[1] != []


@pytest.mark.parametrize("question, name", [
    ("济企通的网址是多少？", "网址"),
    ("官网的链接发我一下", "网址"),
    ("What is the website address?", "网址"),
    ("消费券在哪个APP上领？", "用哪个APP、怎么下载"),
    ("手机上怎么下载安装？", "用哪个APP、怎么下载"),
    ("每天几点开抢？", "具体几点"),             # a time, not a count
    ("高铁一天还有几趟？", "车次、班次"),
    ("咨询电话是多少？", "电话号码"),
    ("停业期间只发最低生活费，这样合法吗？", "是否合法"),
    ("公交到底哪天全面恢复？", "具体日期"),
    ("具体日子定了没？", "具体日期"),
    ("还款最多能往后延到什么时候", "截止日期"),     # a deadline, not a figure
    ("最长能缓到几月份？", "截止日期"),
    ("申请截止日期是哪天？", "截止日期"),
    ("减免是从几月份开始算的？", "具体日期"),
    ("处置费怎么收？", "收费标准"),
    ("划型标准依据哪个文件认定？", "法律依据"),
    ("具体依据的是哪部法规的哪一条？", "法律依据"),
    ("能否同时享受一次性吸纳就业补贴和稳岗返还？", "能否同时享受"),
    ("这两个补贴可以叠加吗", "能否同时享受"),
    ("免征政策后来有没有延长到2020年底？", "后来的调整"),
    ("社保免征后来是不是延长到2020年底了？", "后来的调整"),
    ("哪几家医院开了发热门诊？具体地址在哪？", "具体地址"),
    ("小微企业社保免征5个月到期以后 后来是不是又延长到年底了", "后来的调整"),
    ("那2000万消费券最后实际发出去多少、用了多少？", "实际发放情况"),
    ("截至目前共有多少家企业享受了社保费减免", "实际发放情况"),
    ("新建日光温室的补贴，申请表在哪领？", "需要的材料和表格"),
    ("一次性吸纳就业补贴 申请材料 交到哪", "需要的材料和表格"),
    ("补贴要交到哪个部门？", "负责的部门"),
    ("复工遇到难处了，找谁反映", "负责的部门"),
    ("「濟企通」網上訴求受理平台的網址是什麼？", "网址"),   # asked in traditional characters
    ("文件里写着货车司机每人补贴2000元，去哪领？", "怎么申请、在哪领取"),
    ("家庭农场那笔补贴俺们咋申请？", "怎么申请、在哪领取"),
    ("房产税减免是税务系统自动减，还是得我们自己去申报？", "怎么申请、在哪领取"),   # automatic or not
    ("12345热线一共接了多少市民诉求？", "实际发放情况"),
    ("实际一共发了多少钱?", "实际发放情况"),
    ("哪些企业拿到了?", "实际发放情况"),
    ("请问报送模板是什么？", "需要的材料和表格"),
    ("那个大厅具体在哪个区、什么地址？", "具体地址"),
    ("周末上不上班？", "具体几点"),
    ("盖厂房的手续，得来回跑几趟？", "怎么申请、在哪领取"),    # visits to an office, not a timetable
    ("返岗通勤车一天跑几趟？", "车次、班次"),
    ("公交车恢复以后每天要跑几趟？", "车次、班次"),
    ("盖厂房的手续得跑上几趟？", "怎么申请、在哪领取"),
    ("文旅消费券在哪个平台上领？", "在哪个平台办理"),
    ("消费券什么时候发？", "具体时间"),
    ("社保减免从什么时候开始执行？", "具体时间"),
])
def test_details_asked(question, name):
    assert [a.name for a in asked(question)] == [name]


def test_the_budget_is_asked_as_an_amount_what_was_paid_out_as_a_result():
    assert [a.name for a in asked("这次总共发了多少钱的券？")] == ["具体金额"]
    assert [a.name for a in asked("到现在一共发出去多少钱了")] == ["实际发放情况"]
    assert [a.name for a in asked("有多少家企业拿到了？")] == ["实际发放情况"]


@pytest.mark.parametrize("question", ["企业主动申报的话社保能免多少个月？", "我们公司自己申请的话，亏损能结转几年？",
                                      "系统自动生成的发票能抵扣吗"])
def test_applying_as_a_condition_asks_no_way_to_apply(question):
    assert all(a.name != "怎么申请、在哪领取" for a in asked(question))


def test_an_office_the_way_to_apply_and_the_papers_in_the_words_a_policy_uses():
    dept, how, papers = (next(a for a in DETAILS if a.name == n) for n in ("负责的部门", "怎么申请、在哪领取", "需要的材料和表格"))
    for text in ("由当地人社部门负责受理", "向参保地社会保险经办机构申领", "到当地人社局申请", "报省人力资源社会保障厅审核"):
        assert states(dept, text), text
    for text in ("其他部门需要数据可向指挥部索要共享", "市民可通过政府网站查询", "加快构建新发展格局"):
        assert not states(dept, text), text
    for text in ("可通过公众号报名参加", "直接拨付至企业账户，免申即享", "推行网上办、掌上办"):
        assert states(how, text), text
    for text in ("需携带身份证、户口簿办理", "凭营业执照和劳动合同复印件申请", "申请时需附上劳动合同"):
        assert states(papers, text), text
    assert [a.name for a in asked("企业一共享受了几个月社保减免？")] == ["具体期限"]   # a period, not a result


def test_no_visits_states_how_it_is_done():
    passage = "重点项目手续审批一律采取“拿地即开工”模式,提供不见面审批和全程帮办服务。"
    assert states(HOW_TO_APPLY, passage)


def test_a_grant_does_not_say_how_to_claim_it():
    how = next(a for a in DETAILS if a.name == "怎么申请、在哪领取")
    assert not states(how, "对新获得国家一类新药生产批准文号的企业,每个产品给予2000万元一次性奖励")
    assert states(how, "受疫情影响的企业,可先办理退税,疫情过后再进行实地核查")


def test_an_amount_per_district_needs_a_per_district_figure():
    amount = next(a for a in QUANTITIES if a.name == "具体数额")
    _, open_ = settled(["分配给历下区、历城区等各区县的额度分别是多少"], ["充分利用20亿元中小微企业贷款风险补偿资金池"], [""])
    assert open_ == [amount]
    # ("各区县比拼引进外资" names who competes, not a share each gets)
    assert settled(["各区县比拼引进外资，排名靠前的能拿多少奖金"], ["给予区县500万元奖励"], [""])[0] == [amount]


def test_hours_state_a_period():
    period = next(a for a in QUANTITIES if a.name == "具体期限")
    assert states(period, "对农产品实行24小时预约通关")


def test_every_detail_of_a_part_is_asked():
    assert [a.name for a in asked("景区消费券要在哪个APP领取几点开始抢")] == ["用哪个APP、怎么下载", "具体几点"]


@pytest.mark.parametrize("question", [
    "有没有网上平台可以反映问题？",          # whether a platform exists, not its address
    "家里安装充电桩有补贴吗？",              # installing a charger, not an app
    "有没有咨询热线？",
    "企业网上申报能延期吗？",
    "坐地铁几号线能到？",                    # a line number, not a date
    "都往哪几个地方送菜？",                  # which places, not how many
    "我们店十几号员工，房产税能减免吗",        # a head count, not a date
    "注册地址不在济南的企业能享受吗？",        # describes the firm
    "按照什么条件申请？",                    # conditions, not a law
    "公交按照哪条线路恢复？",
    "退费按照什么规定执行？",                # how, not on which law
    "社保缓缴之后还要补交吗",                # after the deferral, not after the document
    "外资项目实际用了300万美元外资，能即时供地吗",   # describes the project
    "申请临时救助是不是得先把材料都办齐",      # whether, which "后补手续" answers
    "有些材料还没齐，可以先受理吗",
    "这53条到底是哪个部门发的",               # who issued it: the preamble says
    "文件说期限不超过5个月,那到6月就结束了",     # 期限 in a statement asks nothing
    "哪些单位可以享受社保费减免？",            # which employers qualify, not which office
    "什么单位算中小微企业？",
    "如何领会这53条措施的精神？",              # 领会 is no claim
    "会不会被强制执行、上限高名单？",
])
def test_questions_that_ask_no_detail(question):
    assert asked(question) == []


def test_each_detail_states_pattern_matches_a_passage_that_gives_it():
    given = {"网址": "登录http://jnjqt.jinan.gov.cn办理", "用哪个APP、怎么下载": "下载“爱山东”APP申领",
             "具体几点": "每天10:00开放领取", "车次、班次": "恢复开行班次12趟", "电话号码": "拨打0531-12345",
             "具体日期": "自3月16日起恢复运营", "具体地址": "设在经十路123号",
             "截止日期": "最长延至2020年12月31日", "法律依据": "依据《中华人民共和国税收征收管理法》第三十一条",
             "能否同时享受": "同一企业不重复享受", "后来的调整": None,
             "实际发放情况": "截至3月底已发放补贴1.2亿元", "需要的材料和表格": "申请时提交营业执照复印件等材料",
             "负责的部门": "向市人力资源社会保障局提出申请", "怎么申请、在哪领取": "加快推动线上登记失业和申领失业保险金",
             "到账时间": "资金在5个工作日内拨付到位", "是否合法": "不得随意解除劳动合同",
             "在哪个平台办理": "通过“济企通”平台申报", "具体时间": "自2020年2月起执行"}
    for ask in DETAILS:
        # (what became of a measure later no passage of the document states)
        assert given[ask.name] is None or states(ask, given[ask.name]), ask.name
        assert not states(ask, CLAUSE_35), ask.name


def test_a_date_is_no_amount():
    period = next(a for a in QUANTITIES if a.name == "具体期限")
    assert states(period, "免征期限不超过5个月")
    assert not states(AMOUNT, "自2020年2月起")


def test_settled_sorts_the_parts_asks_into_stated_and_open():
    parts = ["消费券一共发多少钱", "在哪个APP上领", "每人能领几张"]
    stated, open_ = settled(parts, [CLAUSE_35], [CLAUSE_35])
    assert [a.name for a in stated] == ["具体金额"]
    assert [a.name for a in open_] == ["用哪个APP、怎么下载", "具体数量"]
    # A detail is looked for in the whole clause; a hotline number answers "电话是多少".
    phone = next(a for a in DETAILS if a.name == "电话号码")
    assert settled(["反映问题打什么电话"], [], [CLAUSE_18]) == ([phone], [])
    assert settled(["能免吗"], [], []) == ([], [])


def test_a_date_answers_when_but_is_no_amount():
    date = next(a for a in DETAILS if a.name == "具体日期")
    assert states(date, "本意见自印发之日起施行") and states(date, "延长至2020年12月底")
    assert not states(date, "推出2000万元消费券")
    assert not states(AMOUNT, "延长至2020年12月底")


def test_an_amount_per_person_is_not_stated_by_a_total():
    figure = ["消费券每个人能领多少？"]
    assert settled(figure, [CLAUSE_35], [CLAUSE_35]) == ([], [next(a for a in QUANTITIES if a.name == "具体数额")])
    per_head = "每新吸纳1人按每人1000元标准给予一次性吸纳就业补贴"
    stated, open_ = settled(["新招一个人能补多少钱？"], [per_head], [per_head])
    assert [a.name for a in stated] == ["具体金额"] and open_ == []
    # so is the value of one voucher
    for per_voucher in ("消费券每张面值多少？", "一张消费券的面值是多少"):
        assert settled([per_voucher], [CLAUSE_35], [CLAUSE_35])[0] == []
    # an amount per place, too ("按每个小区补贴多少钱")
    assert settled(["按每个小区补贴多少钱？"], [CLAUSE_35], [CLAUSE_35])[0] == []
    # a total asked about is answered by the total
    stated, _ = settled(["消费券一共发多少钱"], [CLAUSE_35], [CLAUSE_35])
    assert [a.name for a in stated] == ["具体金额"]


def test_a_count_is_stated_with_its_measure_word():
    assert [a.name for a in asked("能有多少家企业享受社保费减免？")] == ["具体数量"]
    count = asked("能有多少家企业享受社保费减免？")[0]
    assert not states(count, "免征期限不超过5个月")
    assert states(count, "分别确定不少于100家重点联系服务企业")
    people = asked("市直机关派了多少人下企业？")[0]
    assert states(people, "组织市直机关1000名工作人员,下沉企业一线")
    assert [a.name for a in asked("健康济南有几项专项行动？")] == ["具体数量"]
    # "这几项" points, "几个" mostly describes: neither asks a count
    assert asked("养老、失业、工伤这几项单位缴费能少交点不？") == []
    assert [a.name for a in asked("有几个人能领？")] == ["具体数额"]
    # a count is a number: set phrases state none
    households = asked("有多少户能领？")[0]
    assert not states(households, "建立一户一档") and states(households, "惠及3万户")
    # two counts asked are one gap, named once
    _, open_ = settled(["多少家企业能享受社保减免", "一共多少人受益"], ["免征期限不超过5个月"], [""])
    assert [a.name for a in open_] == ["具体数量"]


@pytest.mark.parametrize("question, name", [
    ("要交多少所得税？", "具体数额"),        # the nouns a measure word opens are no count
    ("能扶持多少项目？", "具体数额"),
    ("能给多少人民币？", "具体数额"),
    ("多少名额？", "具体数额"),
    ("多少个小时能出来？", "具体期限"),
    ("稳岗补贴按比例返还要几天办结？", "具体期限"),   # the rate word does not reach the next ask
    ("缴费比例降了能省多少钱？", "具体金额"),
])
def test_words_near_a_count_or_a_rate_ask_what_they_ask(question, name):
    assert [a.name for a in asked(question)] == [name]


def test_only_an_amount_is_asked_per_unit():
    period = "免征期限不超过5个月"
    stated, open_ = settled(["每个企业社保单位部分能免几个月？"], [period], [period])
    assert [a.name for a in stated] == ["具体期限"] and open_ == []


def test_a_start_is_no_deadline():
    deadline = next(a for a in DETAILS if a.name == "截止日期")
    assert states(deadline, "最长延至2020年12月31日") and states(deadline, "缓缴期限原则上不超过6个月")
    assert states(deadline, "延长至2020年12月底")
    assert not states(deadline, "对2020年2月10日起一个月内复工新吸纳就业的企业给予补贴")
    assert not states(deadline, "本意见自印发之日起施行")


def test_a_fee_is_stated_by_a_rate_a_price_rule_or_its_waiver():
    fee = next(a for a in QUANTITIES if a.name == "收费标准")
    assert [a.name for a in asked("担保费怎么收？")] == ["收费标准"]
    for passage in ("担保费一律降至0.8%", "实行农业生产用电价格", "支持保险企业减免旅行社责任险"):
        assert states(fee, passage)
    assert not states(fee, "医疗废物处置单位要第一时间焚烧处置传染性医疗废物")


CLAUSE_14 = ("降低小微企业创业担保贷款申请条件,充分利用20亿元中小微企业贷款风险补偿资金池,"
             "扩大疫情防控期间贷款风险补偿范围,提高风险补偿比例。")


def test_a_measure_stated_as_a_direction_names_no_figure():
    # The sentence's 20亿元 is the fund's, not the loan's.
    figure = next(a for a in QUANTITIES if a.name == "具体数额")
    assert settled(["创业担保贷款最高能贷多少"], [CLAUSE_14], [CLAUSE_14]) == ([], [figure])
    # 小微企业 is the direction's own word too, not more of the question named beside the 20亿元
    assert settled(["小微企业的创业担保贷款单笔最高能贷多少"], [CLAUSE_14], [CLAUSE_14]) == ([], [figure])
    stated, open_ = settled(["风险补偿比例具体提高到多少"], [CLAUSE_14], [CLAUSE_14])
    assert stated == [] and open_ != []
    # a second direction beside it is a measure of its own, even with the same verb
    two = "提高风险补偿比例,提高担保费补贴标准,安排专项资金5亿元。"
    stated, open_ = settled(["风险补偿比例提高到多少"], [two], [two])
    assert stated == [] and open_ != []
    # the fund asked about is stated with its figure
    assert settled(["风险补偿资金池有多少钱"], [CLAUSE_14], [CLAUSE_14])[0] != []
    # a measure whose next phrase goes on to its figure states it
    longer = "延长还款期限,最长不超过6个月。"
    assert settled(["还款期限能延长多久"], [longer], [longer])[1] == []
    # a phrase with the figure that names more of the question states it after a direction
    fairs = "加大对外贸企业参加境内外重点展会的支持力度,对“一带一路”国家展位费最高给予全额补贴。"
    assert settled(["外贸企业参加境外展会，展位费最高可以全额补贴吗"], [fairs], [fairs])[1] == []
    raised = "提高担保费补贴标准,最高补贴1%。"
    assert settled(["担保费补贴标准提高到多少"], [raised], [raised])[1] == []


def test_how_often_is_stated_by_a_frequency():
    vegetables = "坚持每天向湖北、北京、上海运送蔬菜。"
    stated, open_ = settled(["往外地支援蔬菜多久送一次"], [vegetables], [vegetables])
    assert [a.name for a in stated] == ["多久一次"] and open_ == []
    stated, open_ = settled(["多久送一次"], ["推出2000万元消费券。"], ["推出2000万元消费券。"])
    assert stated == [] and [a.name for a in open_] == ["多久一次"]
    # a one-off payment and a period across a comma are no frequency
    for question in ("多久发一次性补贴？", "社保能缓几个月，到时一次性补缴吗？"):
        assert [a.name for a in asked(question)] != ["多久一次"], question


def test_when_the_money_arrives_needs_a_time_limit():
    arrives = next(a for a in DETAILS if a.name == "到账时间")
    assert arrives in asked("免征的部分会退回来，大概多久能退到账？")
    assert arrives in asked("之前少拿的差额什么时候补发？")
    assert arrives not in asked("社保能免几个月？")
    assert states(arrives, "资金在5个工作日内拨付到位") and not states(arrives, "免征期限不超过5个月")


def test_a_count_asked_in_ge_is_stated_in_any_measure_word():
    firms = "市直各行业主管部门根据所分管领域分别确定不少于100家重点联系服务企业。"
    stated, open_ = settled(["每个部门要联系多少个企业"], [firms], [firms])
    assert [a.name for a in stated] == ["具体数量"] and open_ == []
    assert settled(["要联系多少个企业"], ["免征期限不超过5个月。"], ["免征期限不超过5个月。"])[0] == []


def test_later_revisions_are_after_the_document():
    assert [a.name for a in asked("这份意见后来有没有修订过？")] == ["后来的调整"]


def test_a_platform_is_one_named_or_used_not_one_built():
    platform = next(a for a in DETAILS if a.name == "在哪个平台办理")
    assert not states(platform, "利用自由贸易试验区济南片区搭建文旅产业国际交易交流平台")
    assert states(platform, "推动“泉贸通”融资平台上线并加快推广")
    assert states(platform, CLAUSE_18)
    _, open_ = settled(["文旅消费券在哪个平台领", "什么时候发"], [CLAUSE_35], [CLAUSE_35])
    assert [a.name for a in open_] == ["在哪个平台办理", "具体时间"]


def test_when_is_stated_by_a_date_or_a_start():
    when = next(a for a in DETAILS if a.name == "具体时间")
    assert states(when, "2020年2月起,免征中小微企业基本养老、失业、工伤保险单位缴费部分")
    assert not states(when, CLAUSE_35)
    assert not states(when, "统筹用于扶持企业度过难关,一起开始推动复工")     # 一起, 开始 fix no time


def test_vouchers_counted_in_zhang_ask_a_number():
    assert [a.name for a in asked("每人能领几张？")] == ["具体数量"]
    assert not states(asked("每人能领几张？")[0], CLAUSE_35)
