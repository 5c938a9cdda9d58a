"""Read an uploaded policy document (txt, docx, pdf, html) into plain text.

This module only turns bytes into text plus format metadata; splitting into
clauses and everything model-related lives elsewhere.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024
# A 20 MB docx can inflate far beyond that (zip bomb); python-docx loads every part into memory.
_MAX_UNZIPPED = 200 * 1024 * 1024
_HEAD = 4096  # bytes inspected for HTML sniffing and <meta charset>


class SourceError(ValueError):
    """A file that cannot be used; str(e) is a one-line reason in Chinese+English fit for an admin, never a traceback."""

    def __init__(self, reason: str):
        # Inner exception messages can carry newlines; the contract is one line.
        super().__init__(" ".join(str(reason).split()))


@dataclass(frozen=True)
class Source:
    text: str
    meta: dict


def read_source(path, max_bytes: int | None = None) -> Source:
    p = Path(path)
    try:
        size = p.stat().st_size
        _check_size(size, max_bytes)  # before reading, so a huge file never lands in memory
        data = p.read_bytes()
    except OSError as exc:
        raise SourceError(f"无法读取文件 / cannot read file {p.name}: {exc.strerror or type(exc).__name__}") from exc
    return read_bytes(data, p.name, max_bytes)


def read_bytes(data: bytes, filename: str = "upload", max_bytes: int | None = None) -> Source:
    """``max_bytes``: the caller's limit (the admin's upload setting); MAX_BYTES when None."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    _check_size(len(data), max_bytes)
    if not data:
        raise SourceError("文件为空 / file is empty")
    meta = {
        "filename": name,
        "format": None,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "encoding": None,
    }
    ext = Path(name.lower()).suffix
    title = None

    if data.startswith(b"PK\x03\x04"):
        if ext == ".pdf":
            raise SourceError("文件内容不是有效的 PDF / file content is not a valid .pdf")
        fmt = "docx"
        text, title = _read_docx(data, ext)
    elif data[:1024].lstrip().startswith(b"%PDF-"):
        if ext == ".docx":
            raise SourceError("文件内容不是有效的 docx / file content is not a valid .docx")
        fmt = "pdf"
        text, title, meta["pages"] = _read_pdf(data)
    else:
        _refuse_known_binary(data)
        if ext == ".docx":
            raise SourceError("文件内容不是有效的 docx / file content is not a valid .docx")
        if ext == ".pdf":
            raise SourceError("文件内容不是有效的 PDF / file content is not a valid .pdf")
        head = _sniff_head(data)
        if _looks_like_html(head):
            fmt = "html"
            decoded, meta["encoding"] = _decode(data, _declared_charset(head))
            text, title = _read_html(decoded)
        else:
            fmt = "txt"
            decoded, meta["encoding"] = _decode(data)
            text = _clean(decoded)
            if not text.strip():
                raise SourceError("文件只有空白，没有文字 / file contains only whitespace")

    meta["format"] = fmt
    if title:
        meta["title"] = title
    return Source(text=text, meta=meta)


def _check_size(n: int, max_bytes: int | None = None) -> None:
    limit = MAX_BYTES if max_bytes is None else max_bytes
    if n > limit:
        raise SourceError(f"文件过大（{_human(n)}，上限 {_human(limit)}）/ file too large ({_human(n)}, limit {_human(limit)})")


def _human(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


# ---------------------------------------------------------------- text cleanup

_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")  # \f is a page break in txt exports
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lstrip("\ufeff")
    text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))
    # Only outer blank lines go; inner layout (indents, full-width chars) is the parser's business.
    return re.sub(r"\A(?:[ \t\u3000]*\n)+", "", text).rstrip()


# ---------------------------------------------------------------- decoding

# Controls that never occur in real text (\x1a is the old DOS end-of-file marker, tolerated).
_GARBAGE = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ufffd]")


def _sane(text: str) -> bool:
    return len(_GARBAGE.findall(text)) <= max(1, len(text) // 100)


def _decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = ["utf-16"]
    elif data.startswith(codecs.BOM_UTF8):
        attempts = ["utf-8-sig"]
    elif b"\x00" in data:
        raise SourceError("不是文本文件 / not a text document")
    else:
        # Valid UTF-8 is practically never anything else, even when a <meta> claims otherwise.
        # GB18030 goes before charset-normalizer: on short GBK text the detector tends to pick a Latin codepage.
        attempts = ["utf-8", declared, "gb18030"]
    for enc in filter(None, attempts):
        try:
            text, used = _decoded(data, enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _sane(text):
            return text, used
    if attempts[0] == "utf-8":
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and _sane(str(best)):
            return str(best), codecs.lookup(best.encoding).name
    raise SourceError("无法识别文本编码或不是文本文件 / unknown text encoding or not a text document")


def _decoded(data: bytes, enc: str) -> tuple[str, str]:
    name = codecs.lookup(enc).name
    if name in ("gb2312", "gbk"):
        name = "gb18030"  # pages labelled GB2312/GBK routinely contain characters only GB18030 covers
    return data.decode(name), "utf-8" if name == "utf-8-sig" else name


_BINARY_MAGIC = {
    b"\xd0\xcf\x11\xe0": "旧版 .doc/.wps 或加密的 Office 文件不受支持，请另存为 .docx / legacy .doc/.wps or encrypted Office file; save as .docx",
    b"{\\rtf": "不支持 RTF 格式，请另存为 .docx / RTF is not supported; save as .docx",
}


def _refuse_known_binary(data: bytes) -> None:
    for magic, reason in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise SourceError(reason)


# ---------------------------------------------------------------- docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Text under these is not visible body text: deleted revisions, paragraph properties (tab stops are w:tab too),
# text boxes (their w:p would be glued into the anchoring paragraph), and duplicate fallback renderings.
_DOCX_SKIP = {_W + "del", _W + "moveFrom", _W + "pPr", _W + "txbxContent", _MC_FALLBACK}


def _read_docx(data: bytes, ext: str) -> tuple[str, str | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            unzipped = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        names, unzipped = set(), 0
    if "word/document.xml" not in names:
        if ext == ".docx":
            raise SourceError("文件内容不是有效的 docx / file content is not a valid .docx")
        raise SourceError("不支持的压缩文件（只支持 .docx）/ unsupported zip archive (only .docx is accepted)")
    if unzipped > _MAX_UNZIPPED:
        raise SourceError(f"docx 解压后过大（{_human(unzipped)}）/ .docx expands to {_human(unzipped)}, too large")

    import docx

    try:
        doc = docx.Document(io.BytesIO(data))
        lines = list(_docx_blocks(doc.element.body))
        title = (doc.core_properties.title or "").strip() or None
    except Exception as exc:  # python-docx/lxml raise many types on broken packages
        raise SourceError(f"docx 文件损坏或无法解析 / corrupt or unreadable .docx ({_brief(exc)})") from exc
    # Empty paragraphs are Word's way of adding vertical space, not content.
    text = _clean("\n".join(line for line in lines if line.strip()))
    if not text.strip():
        raise SourceError("docx 中没有文字 / the .docx contains no text")
    return text, title


def _docx_blocks(container):
    """Lines of a body/cell in document order; content controls and customXml are transparent wrappers."""
    for el in container:
        if el.tag == _W + "p":
            yield _docx_paragraph(el)
        elif el.tag == _W + "tbl":
            yield from _docx_table(el)
        elif el.tag in (_W + "sdt", _W + "customXml"):
            inner = el.find(_W + "sdtContent")
            yield from _docx_blocks(inner if inner is not None else el)


def _docx_table(tbl):
    for tr in tbl.findall(_W + "tr"):
        cells = [[line for line in _docx_blocks(tc) if line.strip()] for tc in tr.findall(_W + "tc")]
        if all(len(c) <= 1 and "\n" not in "".join(c) for c in cells):
            # Simple rows stay one line so a label keeps its value ("养老保险\t免征\t5个月").
            row = "\t".join("".join(c) for c in cells)
            if row.strip():
                yield row
        else:
            for c in cells:
                yield from c


def _docx_paragraph(p) -> str:
    # python-docx's Paragraph.text only sees direct runs and hyperlinks, missing tracked insertions,
    # smart tags and inline content controls, so walk the runs' text nodes ourselves.
    out = []
    for node in p.iter(_W + "t", _W + "tab", _W + "br", _W + "cr", _W + "noBreakHyphen"):
        if any(a.tag in _DOCX_SKIP for a in _ancestors(node, p)):
            continue
        if node.tag == _W + "t":
            out.append(node.text or "")
        elif node.tag == _W + "tab":
            out.append("\t")
        elif node.tag == _W + "noBreakHyphen":
            out.append("-")
        elif node.get(_W + "type") in (None, "textWrapping"):
            out.append("\n")
    return "".join(out)


def _ancestors(node, stop):
    node = node.getparent()
    while node is not None and node is not stop:
        yield node
        node = node.getparent()


# ---------------------------------------------------------------- pdf

# Official documents (公文) print page numbers as "— 3 —"; left in, they glue onto the page's last sentence.
_PAGE_NUMBER = re.compile(r"\s*(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?)\s*")


def _read_pdf(data: bytes) -> tuple[str, str | None, int]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError("PDF 已加密，需要密码 / PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = None
        if reader.metadata is not None:
            title = str(reader.metadata.title or "").strip() or None
    except SourceError:
        raise
    except Exception as exc:
        if type(exc).__name__ == "DependencyError":  # AES-encrypted; pypdf needs the `cryptography` package
            raise SourceError(f"PDF 已加密，无法解密 / encrypted PDF cannot be decrypted ({_brief(exc)})") from exc
        raise SourceError(f"PDF 文件损坏或无法解析 / corrupt or unreadable PDF ({_brief(exc)})") from exc
    if not pages:
        raise SourceError("PDF 文件损坏或无法解析 / corrupt or unreadable PDF (no pages)")
    pages = ["\n".join(ln for ln in _clean(p).split("\n") if not _PAGE_NUMBER.fullmatch(ln)) for p in pages]
    text = rejoin_pdf_lines("\n".join(pages)).strip("\n")
    if not text.strip():
        raise SourceError("PDF 中没有可提取的文字（可能是扫描件）/ no extractable text (scanned PDF?)")
    return text, title, len(pages)


_SENTENCE_END = "。！？；：!?;:"
_CLOSING_QUOTES = "”’」』\"'"
_NEW_ITEM = re.compile(
    r"""\s*(?:
        \d+[.、．](?!\d)                        # 16.  3、  (but not 5.5万元)
      | 第[一二三四五六七八九十百零〇两\d]+[条章节]  # 第十二条
      | [一二三四五六七八九十]+、                 # 三、
      | [（(][一二三四五六七八九十\d]+[)）]        # （二） (3)
      | [①-⑳]
    )""",
    re.X,
)


def rejoin_pdf_lines(text: str) -> str:
    """Undo layout line breaks from PDF extraction.

    A break is kept when the line ends a sentence, the next line opens a numbered item, either side is blank,
    or the line is clearly shorter than the page's full lines (a heading or a paragraph's last line: Chinese
    justified text fills every line but the last, so a short line that lacks final punctuation still ends).
    """
    lines = text.split("\n")
    widths = sorted(_width(ln.strip()) for ln in lines if ln.strip())
    full = widths[round(0.9 * (len(widths) - 1))] if widths else 0
    out: list[str] = []
    prev = None
    for line in lines:
        if prev is not None and _continues(prev, line, full):
            out[-1] = _glue(out[-1], line)
        else:
            out.append(line)
        prev = line
    return "\n".join(out)


def _continues(prev: str, line: str, full: int) -> bool:
    head, tail = prev.strip(), line.strip()
    if not head or not tail:
        return False
    last = head.rstrip(_CLOSING_QUOTES)[-1:]
    if last and last in _SENTENCE_END:
        return False
    if _NEW_ITEM.match(tail):
        return False
    return _width(head) >= 0.8 * full


def _glue(left: str, right: str) -> str:
    left, right = left.rstrip(), right.lstrip()
    a, b = left[-1], right[0]
    # Latin words and numbers broken across lines need their space back; CJK never has one.
    space = a.isascii() and b.isascii() and b.isalnum() and (a.isalnum() or a in ",.)")
    return left + (" " if space else "") + right


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


# ---------------------------------------------------------------- html

_HTML_SNIFF = re.compile(rb"<!doctype\s+html|<(?:html|head|body|p|div|meta|title)[\s>/]", re.I)
_CHARSET = re.compile(rb"""<(?:meta|\?xml)[^>]*?(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_DROP_TAGS = {"script", "style", "nav", "header", "footer", "noscript", "template", "iframe", "svg", "head"}
_BLOCK_TAGS = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "main", "aside", "blockquote", "pre", "form", "fieldset", "figure", "figcaption",
    "address", "hr", "caption",
}
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML's own whitespace; NBSP and U+3000 are content


def _sniff_head(data: bytes) -> bytes:
    head = data[:_HEAD]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    return head


def _looks_like_html(head: bytes) -> bool:
    return bool(_HTML_SNIFF.search(head[:1024]))


def _declared_charset(head: bytes) -> str | None:
    m = _CHARSET.search(head)
    return m.group(1).decode("ascii") if m else None


def _read_html(decoded: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_CONTROL.sub("", decoded), "html.parser")
    title = None
    if soup.title is not None:
        title = " ".join(soup.title.get_text().split()) or None
    lines = (line.strip() for line in _html_text(soup.body or soup).split("\n"))
    text = _clean("\n".join(line for line in lines if line))
    if not text.strip():
        raise SourceError("网页中没有正文文字 / no body text in the HTML page")
    return text, title


def _html_text(root) -> str:
    # An explicit stack instead of bs4's insert_before/after (quadratic on long pages) or recursion
    # (deeply nested markup). Plain str items on the stack are the line/cell breaks we emit.
    from bs4 import CData, NavigableString, Tag

    out: list[str] = []
    stack: list = [root]
    while stack:
        node = stack.pop()
        if type(node) is str:
            out.append(node)
        elif type(node) in (NavigableString, CData):  # not comments, doctype, script/style strings
            out.append(_HTML_SPACE.sub(" ", node))
        elif isinstance(node, Tag) and node.name not in _DROP_TAGS:
            if node.name == "br":
                out.append("\n")
                continue
            after = "\n" if node.name in _BLOCK_TAGS else "\t" if node.name in ("td", "th") else None
            if after:
                stack.append(after)
            stack.extend(reversed(node.contents))
            if after == "\n":
                stack.append("\n")
    return "".join(out)


def _brief(exc: Exception) -> str:
    detail = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
