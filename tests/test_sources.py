"""bot.sources: real files in, text + metadata out; every refusal is one readable line.

Fixtures (docx, pdf, html, GBK text) are generated into tmp_path at test time.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from bot import sources
from bot.sources import MAX_BYTES, Source, SourceError, read_bytes, read_source, rejoin_pdf_lines

ROOT = Path(__file__).resolve().parent.parent

CLAUSE_1 = "1.阶段性减免企业社会保险费。2020年2月起，免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月。"
CLAUSE_2 = "2.对大型企业等其他参保单位（不含机关事业单位），基本养老、失业、工伤保险单位缴费部分减半征收，减征期限不超过3个月。"
CLAUSE_3 = "3.受疫情影响生产经营出现困难企业，可按规定申请缓缴社会保险费，缓缴期限原则上不超过6个月，缓缴期间免收滞纳金。"
POLICY = "\n".join(["一、支持企业发展", CLAUSE_1, CLAUSE_2, CLAUSE_3])


def refused(data: bytes, filename: str = "upload") -> str:
    with pytest.raises(SourceError) as info:
        read_bytes(data, filename)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


# ---------------------------------------------------------------- fixture builders


def make_docx(paragraphs, table=None, title=None) -> bytes:
    import docx

    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    if title:
        doc.core_properties.title = title
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def make_pdf(pages, title=None, image_only=False) -> bytes:
    """A PDF in reportlab's built-in CID font STSong-Light (no font file needed); one drawn line per string."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    if title:
        c.setTitle(title)
    for lines in pages:
        if image_only:
            from PIL import Image
            from reportlab.lib.utils import ImageReader

            c.drawImage(ImageReader(Image.new("RGB", (200, 100), "white")), 50, 600)
            c.rect(40, 590, 220, 120)
        else:
            c.setFont("STSong-Light", 12)
            y = 800
            for line in lines:
                c.drawString(50, y, line)
                y -= 18
        c.showPage()
    c.save()
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- plain text


def test_seed_file_reads_as_utf8():
    src = read_source(ROOT / "seeds" / "jinan-2020-53-measures.txt")
    assert isinstance(src, Source)
    assert src.meta["format"] == "txt"
    assert src.meta["encoding"] == "utf-8"
    assert src.meta["filename"] == "jinan-2020-53-measures.txt"
    assert "16.阶段性减免企业社会保险费" in src.text
    assert "\r" not in src.text
    assert "title" not in src.meta


def test_read_source_accepts_str_path(tmp_path):
    path = write(tmp_path, "p.txt", POLICY.encode())
    assert read_source(str(path)).text == POLICY


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_and_without_bom(tmp_path, bom):
    data = bom + POLICY.replace("\n", "\r\n").encode("utf-8")
    src = read_source(write(tmp_path, "policy.txt", data))
    assert src.text == POLICY
    assert not src.text.startswith("\ufeff")
    assert src.meta["encoding"] == "utf-8"
    assert src.meta["bytes"] == len(data)
    assert src.meta["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "gb2312"])
def test_chinese_legacy_encodings(tmp_path, codec):
    src = read_source(write(tmp_path, "policy.txt", POLICY.encode(codec)))
    assert src.text == POLICY
    assert src.meta["encoding"] == "gb18030"


def test_short_gbk_is_not_mistaken_for_a_latin_or_korean_codepage():
    # charset-normalizer alone calls this cp949; GB18030 has to be tried first.
    src = read_bytes("2.免征期限不超过5个月。".encode("gbk"), "short.txt")
    assert src.text == "2.免征期限不超过5个月。"
    assert src.meta["encoding"] == "gb18030"


def test_utf16_with_bom():
    src = read_bytes(POLICY.encode("utf-16"), "u16.txt")
    assert src.text == POLICY
    assert src.meta["encoding"] == "utf-16"


def test_full_width_kept_controls_dropped_nfc_applied():
    raw = "第一条\u3000（一）ＡＢＣ１２３，免征。\x07\rcafe\u0301\f下一页"
    src = read_bytes(raw.encode(), "x.txt")
    assert src.text == "第一条\u3000（一）ＡＢＣ１２３，免征。\ncafé\n下一页"


def test_unknown_single_byte_text_falls_back_to_detector():
    text = "Le café est très bon. " * 20 + "Déjà vu, naïve façade."
    src = read_bytes(text.encode("cp1252"), "fr.txt")
    # Neither UTF-8 nor GB18030 accepts these bytes, so the detector decides (its pick of Latin codepage may vary).
    assert src.meta["encoding"] not in ("utf-8", "gb18030")
    assert src.text.startswith("Le caf") and len(src.text) == len(text)


# ---------------------------------------------------------------- docx


def test_docx_paragraphs_table_and_title(tmp_path):
    data = make_docx(
        ["济南市支持企业发展的若干措施", "", CLAUSE_1, CLAUSE_2],
        table=[["险种", "政策", "期限"], ["养老保险", "免征", "5个月"]],
        title="济南53条",
    )
    src = read_source(write(tmp_path, "measures.docx", data))
    assert src.meta["format"] == "docx"
    assert src.meta["encoding"] is None
    assert src.meta["title"] == "济南53条"
    assert src.text.split("\n") == [
        "济南市支持企业发展的若干措施",
        CLAUSE_1,
        CLAUSE_2,
        "险种\t政策\t期限",
        "养老保险\t免征\t5个月",
    ]


def test_docx_type_comes_from_content_not_name():
    src = read_bytes(make_docx([CLAUSE_1]), "upload.bin")
    assert src.meta["format"] == "docx" and src.text == CLAUSE_1


def test_docx_without_title_has_no_title_key():
    assert "title" not in read_bytes(make_docx([CLAUSE_1]), "a.docx").meta


def test_docx_multi_paragraph_cells_keep_their_lines():
    import docx

    doc = docx.Document()
    cell = doc.add_table(rows=1, cols=2).cell(0, 1)
    doc.tables[0].cell(0, 0).text = "社保"
    cell.text = CLAUSE_1
    cell.add_paragraph(CLAUSE_2)
    buf = io.BytesIO()
    doc.save(buf)
    assert read_bytes(buf.getvalue(), "t.docx").text.split("\n") == ["社保", CLAUSE_1, CLAUSE_2]


def test_docx_tracked_changes_and_content_controls():
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    doc = docx.Document()
    p = doc.add_paragraph("免征期限不超过")
    p._p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="1" w:author="a"><w:r><w:t>5个月</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:del {nsdecls("w")} w:id="2" w:author="a"><w:r><w:delText>3个月</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t>。</w:t></w:r>'))
    sdt = parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtContent><w:p><w:r><w:t>{CLAUSE_2}</w:t></w:r></w:p></w:sdtContent></w:sdt>'
    )
    doc.element.body.insert(len(doc.element.body) - 1, sdt)  # before the final sectPr
    buf = io.BytesIO()
    doc.save(buf)
    assert read_bytes(buf.getvalue(), "t.docx").text.split("\n") == ["免征期限不超过5个月。", CLAUSE_2]


def test_docx_with_no_text_refused():
    assert "docx" in refused(make_docx(["", "  "]), "empty.docx")


def test_corrupt_docx_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<not xml")
    message = refused(buf.getvalue(), "broken.docx")
    assert "docx" in message


# ---------------------------------------------------------------- pdf


def test_pdf_chinese_clauses_extracted_and_rejoined(tmp_path):
    page1 = [
        "一、支持企业发展",
        "1.阶段性减免企业社会保险费。2020年2月起，免征中小微企业基本养老、失业、",
        "工伤保险单位缴费部分，免征期限不超过5个月。",
        "2.对大型企业等其他参保单位（不含机关事业单位），基本养老、失业、工伤保",
        "险单位缴费部分减半征收，减征期限不超过3个月。",
        "— 1 —",
    ]
    page2 = [
        "3.受疫情影响生产经营出现困难企业，可按规定申请缓缴社会保险费，缓缴期限原",
        "则上不超过6个月，缓缴期间免收滞纳金。",
    ]
    src = read_source(write(tmp_path, "policy.pdf", make_pdf([page1, page2], title="济南53条")))
    assert src.meta["format"] == "pdf"
    assert src.meta["title"] == "济南53条"
    assert src.meta["pages"] == 2
    assert src.meta["encoding"] is None
    assert src.text.split("\n") == ["一、支持企业发展", CLAUSE_1, CLAUSE_2, CLAUSE_3]


def test_pdf_paragraph_continues_across_pages():
    data = make_pdf([
        ["1.阶段性减免企业社会保险费。2020年2月起，免征中小微企业基本养老、失业、"],
        ["工伤保险单位缴费部分，免征期限不超过5个月。"],
    ])
    assert read_bytes(data, "x.pdf").text == CLAUSE_1


def test_image_only_pdf_refused():
    message = refused(make_pdf([[]], image_only=True), "scan.pdf")
    assert "扫描件" in message and "scanned" in message


def test_corrupt_pdf_refused():
    assert "PDF" in refused(b"%PDF-1.4\n" + bytes(range(256)) * 8, "bad.pdf")


def test_password_protected_pdf_refused():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="secret")
    c.drawString(50, 800, "hello")
    c.save()
    assert "密码" in refused(buf.getvalue(), "locked.pdf")


def test_pdf_with_empty_user_password_is_read():
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption("", ownerPassword="owner"))
    c.drawString(50, 800, "Article 1. Hello")
    c.save()
    assert read_bytes(buf.getvalue(), "restricted.pdf").text == "Article 1. Hello"


# ---------------------------------------------------------------- the line-rejoin heuristic


@pytest.mark.parametrize(
    "lines, expected",
    [
        # a full line broken mid-sentence is joined, without a space between CJK characters
        (["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期", "限不超过5个月。"],
         ["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月。"]),
        # sentence-ending punctuation keeps the break, also behind a closing quote
        (["做到“两个维护”，坚持外防输入与内防扩散并举，统筹推进各项工作。", "下一段"], None),
        (["他说：“全面落实党中央、国务院决策部署，统筹推进各项工作。”", "下一段"], None),
        (["经研究，现将有关事项通知如下：", "下一段"], None),
        # the next line opens a numbered item
        (["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月", "17.加大援企稳岗力度"], None),
        (["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月", "第十二条 本办法自发布之日起施行"], None),
        (["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月", "三、强化政策保障"], None),
        (["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月", "（二）稳定就业岗位"], None),
        (["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月", "(3)其他"], None),
        (["免征中小微企业基本养老、失业、工伤保险单位缴费部分，免征期限不超过5个月", "１６．全角编号"], None),
        # a number that merely starts the line is not an item ("5.5万元")
        (["对吸纳就业的小微企业给予一次性吸纳就业补贴，补贴标准为每家企业", "5.5万元，由财政资金列支。"],
         ["对吸纳就业的小微企业给予一次性吸纳就业补贴，补贴标准为每家企业5.5万元，由财政资金列支。"]),
        # a short heading without punctuation is not glued to the body below it
        (["一、总体要求", "以习近平新时代中国特色社会主义思想为指导，进一步增强“四个意识”、坚定", "“四个自信”。"],
         ["一、总体要求", "以习近平新时代中国特色社会主义思想为指导，进一步增强“四个意识”、坚定“四个自信”。"]),
        # blank lines are paragraph breaks and stay
        (["第一段没有句号", "", "第二段"], None),
        # Latin words broken across lines get their space back
        (["The enterprise social insurance premium exemption applies to small", "firms only."],
         ["The enterprise social insurance premium exemption applies to small firms only."]),
    ],
)
def test_rejoin_pdf_lines(lines, expected):
    assert rejoin_pdf_lines("\n".join(lines)).split("\n") == (expected or lines)


# ---------------------------------------------------------------- html

PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>  济南出台53条意见
 推进疫情防控 </title>
<style>p {{ color: red }}</style><script>var nav = "菜单";</script></head>
<body>
<header><a href="/">首页</a> &gt; 济南频道</header>
<nav><ul><li>时政</li><li>经济</li></ul></nav>
<div class="content">
  <h1>济南出台53条意见推进疫情防控和经济社会发展</h1>
  <p>&nbsp;&nbsp;1.阶段性减免企业社会保险费。2020年2月起，免征中小微企业基本养老、失业、工伤保险单位缴费部分，
  免征期限不超过5个月。</p>
  <p>2.对大型企业等其他参保单位（不含机关事业单位），<b>减半征收</b>。<br>减征期限不超过3个月。</p>
  <!-- 评论区 -->
  <table><tr><td>险种</td><td>期限</td></tr><tr><td>养老保险</td><td>5个月</td></tr></table>
  <script>document.write("广告")</script><noscript>请启用脚本</noscript>
</div>
<footer>版权所有 鲁网</footer>
</body></html>"""

PAGE_LINES = [
    "济南出台53条意见推进疫情防控和经济社会发展",
    "1.阶段性减免企业社会保险费。2020年2月起，免征中小微企业基本养老、失业、工伤保险单位缴费部分， 免征期限不超过5个月。",
    "2.对大型企业等其他参保单位（不含机关事业单位），减半征收。",
    "减征期限不超过3个月。",
    "险种\t期限",
    "养老保险\t5个月",
]


@pytest.mark.parametrize("charset, codec, expected_encoding", [
    ("utf-8", "utf-8", "utf-8"),
    ("gb2312", "gbk", "gb18030"),
    ("GBK", "gb18030", "gb18030"),
])
def test_html_body_text_and_title(tmp_path, charset, codec, expected_encoding):
    data = PAGE.format(charset=charset).encode(codec)
    src = read_source(write(tmp_path, "news.html", data))
    assert src.meta["format"] == "html"
    assert src.meta["title"] == "济南出台53条意见 推进疫情防控"
    assert src.meta["encoding"] == expected_encoding
    assert src.text.split("\n") == PAGE_LINES
    for debris in ("首页", "时政", "菜单", "广告", "请启用脚本", "版权所有", "评论区", "color"):
        assert debris not in src.text


def test_html_declared_charset_that_lies_falls_back():
    data = PAGE.format(charset="utf-8").encode("gbk")  # a real-world classic: says utf-8, is GBK
    src = read_bytes(data, "page.htm")
    assert src.meta["encoding"] == "gb18030"
    assert src.text.split("\n") == PAGE_LINES


def test_html_detected_by_content_and_fragments_work():
    src = read_bytes(f"<p>{CLAUSE_1}</p><p>{CLAUSE_2}</p>".encode(), "notes.txt")
    assert src.meta["format"] == "html"
    assert src.text == f"{CLAUSE_1}\n{CLAUSE_2}"
    assert "title" not in src.meta


def test_html_without_body_text_refused():
    assert "HTML" in refused(b"<html><head><title>t</title></head><body><script>x()</script></body></html>")


# ---------------------------------------------------------------- refusals


def test_empty_file_refused(tmp_path):
    assert "empty" in refused(b"", "empty.txt")
    with pytest.raises(SourceError):
        read_source(write(tmp_path, "empty.txt", b""))


def test_whitespace_only_refused():
    assert "whitespace" in refused(" \r\n\t\n\u3000 \n".encode(), "blank.txt")


def test_binary_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(64)
    assert "not a text document" in refused(png, "photo.png")
    assert "not a text document" in refused(png, "photo.txt")


def test_text_named_docx_refused():
    message = refused(POLICY.encode(), "policy.docx")
    assert "文件内容不是有效的 docx / file content is not a valid .docx" in message


def test_text_named_pdf_refused():
    assert "not a valid .pdf" in refused(POLICY.encode(), "policy.pdf")


def test_other_zip_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("readme.txt", "hello")
    assert "zip" in refused(buf.getvalue(), "data.xlsx")
    assert "not a valid .docx" in refused(buf.getvalue(), "fake.docx")


def test_legacy_doc_refused_with_advice():
    assert ".docx" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.doc")


def test_oversize_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_BYTES", 1000)
    data = POLICY.encode() * 10
    assert len(data) > 1000
    assert "too large" in refused(data, "big.txt")
    with pytest.raises(SourceError, match="too large"):
        read_source(write(tmp_path, "big.txt", data))


def test_default_limit_is_20_mib():
    assert MAX_BYTES == 20 * 1024 * 1024


def test_missing_file_refused(tmp_path):
    with pytest.raises(SourceError) as info:
        read_source(tmp_path / "nope.txt")
    assert "\n" not in str(info.value) and "nope.txt" in str(info.value)


def test_source_error_is_value_error_and_flattens_newlines():
    err = SourceError("第一行\n  second line")
    assert isinstance(err, ValueError)
    assert str(err) == "第一行 second line"


def test_the_caller_sets_the_size_limit(tmp_path):
    from bot.sources import MAX_BYTES

    data = "1.条款。内容。\n".encode() * 100
    with pytest.raises(SourceError) as info:
        read_bytes(data, "small.txt", max_bytes=len(data) - 1)
    assert "\n" not in str(info.value)
    p = tmp_path / "ok.txt"
    p.write_bytes(data)
    assert read_source(p, max_bytes=len(data)).meta["bytes"] == len(data) < MAX_BYTES
