"""管理: the admin Blocks (upload → preview → publish, versions, questions log).

Mounted by app.py at /admin behind a login and never part of the public Blocks:
every Gradio event is an HTTP endpoint, so anything defined here must only be
reachable through the admin app.
"""
from __future__ import annotations

import difflib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import gradio as gr

from .. import index as store
from ..clauses import ParseError
from ..settings import ROOT
from ..sources import SourceError
from . import render

log_ = logging.getLogger(__name__)


# ---------------------------------------------------------------- helpers (plain Python, tested via the UI)

def save_upload(tmp_path: str, uploads: Path) -> Path:
    """Keep the previewed file under the data directory, under its own name (the
    version list shows it); the build reads it from there. Only the latest preview
    is kept: each upload replaces the one before, so previews never pile up."""
    name = re.sub(r"[^\w.\-]+", "_", Path(tmp_path).name)[-80:] or "upload"
    pending = uploads / "pending"
    shutil.rmtree(pending, ignore_errors=True)
    dest = _mkdir(pending) / name
    shutil.copyfile(tmp_path, dest)
    return dest


def keep_published(path: Path, uploads: Path) -> None:
    """A published source is kept, one folder per publish, as the record of what went live."""
    dest = _mkdir(uploads / time.strftime("%Y%m%d-%H%M%S")) / path.name
    shutil.move(str(path), dest)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_command(source: Path, index_dir: Path, allow_paragraphs: bool) -> list[str]:
    """The build, in a child process at the lowest CPU priority: embedding a new document
    takes the machine's cores for a minute, and residents' questions must not wait for it."""
    cmd = [sys.executable, "-m", "bot.publish", "--source", str(source), "--index-dir", str(index_dir)]
    if allow_paragraphs:
        cmd.append("--allow-paragraphs")
    nice = shutil.which("nice")
    return [nice, "-n", "19", *cmd] if nice else cmd


def versions_table(index_dir) -> list[list]:
    rows = []
    for m in reversed(store.list_versions(index_dir)):
        doc = m.get("document") or {}
        rows.append(["✓" if m["active"] else "", m["version"], m.get("created_at", "")[:19].replace("T", " "),
                     (m.get("source") or {}).get("filename", ""), m.get("clause_count", 0),
                     doc.get("title", ""), doc.get("date", "")])
    return rows


def diff_html(diff: dict, old: str, new: str) -> str:
    e = render.esc
    head = (f"<p>从 <code>{e(old)}</code> 到 <code>{e(new)}</code>：新增 {len(diff['added'])} 条，"
            f"删除 {len(diff['removed'])} 条，修改 {len(diff['changed'])} 条。</p>")
    items = [f"<li>＋ {e(x['label'])} {e(x['title'])}</li>" for x in diff["added"]]
    items += [f"<li>－ {e(x['label'])} {e(x['title'])}</li>" for x in diff["removed"]]
    for x in diff["changed"]:
        items.append(f"<li>～ {e(x['label'])} {e(x['title'])}<div class='diff'>{inline_diff(x['old'], x['new'])}</div></li>")
    return head + (f"<ul class='diff-list'>{''.join(items)}</ul>" if items else "<p>两个版本的条款完全相同。</p>")


def inline_diff(old: str, new: str) -> str:
    """Character-level changes, marked in place: Chinese has no words to diff by."""
    e, out = render.esc, []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append(f"<del>{e(old[i1:i2])}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{e(new[j1:j2])}</ins>")
        if op == "equal":
            out.append(e(old[i1:i2]))
    return "".join(out)


def preview_html(source_meta: dict, document, diff: dict | None, active: str | None) -> str:
    e = render.esc
    meta = document.meta
    parts = [f"<h3>{e(render.doc_name(meta))}</h3>",
             f"<p>文件 <code>{e(source_meta.get('filename'))}</code>（{e(source_meta.get('format'))}"
             f"{'，' + e(source_meta['encoding']) if source_meta.get('encoding') else ''}），"
             f"共 <b id='clause-count'>{len(document.clauses)}</b> 条。</p>"]
    if document.warnings:
        parts.append("<p><b>警告：</b></p><ul>" + "".join(f"<li>{e(w)}</li>" for w in document.warnings) + "</ul>")
    else:
        parts.append("<p>没有解析警告。</p>")
    if diff is not None and active:
        parts.append(diff_html(diff, active, "（本次上传）"))
    return "".join(parts)


def clause_rows(document) -> list[list]:
    return [[c.label, c.title, c.section, c.text] for c in document.clauses]


# ---------------------------------------------------------------- the Blocks

def build_admin(bot, log, settings, files_dir: Path) -> gr.Blocks:
    index_dir = Path(settings.index_dir)
    uploads = Path(settings.data_dir) / "uploads"
    limit = settings.max_upload_bytes
    building = threading.Lock()

    def preview(file, allow_paragraphs: bool):
        """Parse only: nothing is written to the index until Publish."""
        hidden = gr.update(interactive=False)
        if not file:
            return "", [], None, hidden
        path = Path(file if isinstance(file, str) else file.name)
        try:
            source, document = store.parse_source(path, allow_paragraphs=allow_paragraphs, max_bytes=limit)
        except (SourceError, ParseError) as exc:
            return f"<p class='error'>无法使用该文件：{render.esc(exc)}</p>", [], None, hidden
        except Exception:  # a parser bug must not leak a traceback into the page
            log_.exception("preview failed for %s", path.name)
            return "<p class='error'>无法解析该文件（内部错误，详见服务器日志）。</p>", [], None, hidden
        saved = save_upload(str(path), uploads)
        try:  # the document being served, already in memory
            engine = bot.current()
        except store.IndexError_:
            engine = None
        active = engine.name if engine else None
        diff = store.diff_documents(engine.version.document, document) if engine else None
        pending = {"path": str(saved), "allow_paragraphs": bool(allow_paragraphs)}
        return (preview_html(source.meta, document, diff, active), clause_rows(document), pending,
                gr.update(interactive=True))

    def publish(pending: dict | None):
        """Embed in a low-priority child process, then switch ACTIVE in one atomic rename."""
        if not pending:
            yield "请先上传文件并查看解析预览。", gr.skip()
            return
        if not building.acquire(blocking=False):
            yield "另一次发布正在进行，请稍候。", gr.skip()
            return
        try:
            yield from _publish(pending)
        finally:
            building.release()

    def _publish(pending: dict):
        cmd = build_command(Path(pending["path"]), index_dir, pending["allow_paragraphs"])
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: list[str] = []
        out: list[str] = []
        # Both pipes are drained as the child writes, so a long manifest can never fill one and block it.
        readers = [threading.Thread(target=lambda: lines.extend(line.strip() for line in proc.stderr), daemon=True),
                   threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)]
        for r in readers:
            r.start()
        try:
            while proc.poll() is None:
                yield f"正在建立索引（{time.perf_counter() - started:.0f} 秒）：{lines[-1] if lines else '启动中'}", gr.skip()
                time.sleep(1)
        finally:
            if proc.poll() is None:  # the admin closed the page: don't leave a build running
                proc.kill()
                proc.wait()
        for r in readers:
            r.join(5)
        out = "".join(out)
        if proc.returncode != 0:
            yield f"发布失败，当前版本未改变：{lines[-1] if lines else proc.returncode}", gr.skip()
            return
        name = json.loads(out.strip().splitlines()[-1])["version"]
        problem = switch_to(name)
        if problem:
            yield f"发布失败，当前版本未改变：{problem}", versions_table(index_dir)
            return
        keep_published(Path(pending["path"]), uploads)
        yield (f"已发布 {name}（用时 {time.perf_counter() - started:.0f} 秒，{lines[-1] if lines else ''}），"
               f"问答与检索页面已在使用新版本。", versions_table(index_dir))

    def switch_to(name: str) -> str | None:
        """Make ``name`` active after checking it can serve; returns why not, or None."""
        if name not in {m["version"] for m in store.list_versions(index_dir)}:
            return "没有这个版本"
        try:
            bot.activate(name)
        except store.IndexError_ as exc:
            return str(exc)
        return None

    def activate(name: str):
        if not name:
            return "请先在列表中选择一个版本。", gr.skip()
        problem = switch_to(name)
        if problem:
            return f"无法启用 {name}：{problem}", gr.skip()
        return f"当前版本：{name}", versions_table(index_dir)

    def rollback():
        target = store.previous_name(index_dir)
        if not target:
            return "没有更早的版本可以回滚。", gr.skip()
        return activate(target)

    def pick(rows, evt: gr.SelectData):
        row = evt.row_value if evt.row_value else []
        name = row[1] if len(row) > 1 else ""
        active = store.active_name(index_dir)
        if not name or not active or name == active:
            return name, "这是当前版本。" if name else ""
        return name, diff_html(store.diff_versions(index_dir, active, name), active, name)

    def questions():
        recent = [[r["time"][:19].replace("T", " "), r["question"], " ".join(r["citations"]), "是" if r["refused"] else "",
                   r["latency_ms"], {"like": "👍", "dislike": "👎"}.get(r["feedback"] or "", ""), r["version"]]
                  for r in log.recent(100)]
        gaps = [[r["count"], r["question"], r["last_time"][:19].replace("T", " ")] for r in log.top_refused(30)]
        bad = [[r["time"][:19].replace("T", " "), r["question"], r["answer"], " ".join(r["citations"])]
               for r in log.disliked(50)]
        return recent, gaps, bad, f"共 {log.count()} 条记录。"

    def export():
        # Inside the admin app's own file directory, which the public app refuses to serve.
        # One export at a time is kept: each replaces the last.
        exports = files_dir / "exports"
        shutil.rmtree(exports, ignore_errors=True)
        path = _mkdir(exports) / f"questions-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        log.export_csv(path)
        return gr.update(value=str(path), visible=True)

    with gr.Blocks(title="政策问答 · 管理") as admin:
        gr.HTML("<h2>政策问答 · 管理</h2><p><a href='logout'>退出登录</a></p>")
        private = {"api_visibility": "private"}
        with gr.Tab("发布新文件"):
            with gr.Row():
                upload = gr.File(label=f"上传政策文件（txt / docx / pdf / html，不超过 {settings.max_upload_mb} MB）",
                                 file_types=[".txt", ".docx", ".pdf", ".html", ".htm"], elem_id="upload")
                allow = gr.Checkbox(label="文件没有条款编号时按段落建立索引", value=False)
            summary = gr.HTML(elem_id="preview")
            table = gr.Dataframe(headers=["条款", "标题", "章节", "全文"], datatype="str", wrap=True,
                                 interactive=False, max_height=420, column_widths=["9%", "22%", "19%", "50%"], label="解析预览", elem_id="preview-table")
            pending = gr.State(None)
            publish_btn = gr.Button("发布为当前版本", variant="primary", interactive=False, elem_id="publish")
            status = gr.Markdown(elem_id="publish-status")
        with gr.Tab("版本"):
            with gr.Row():
                rollback_btn = gr.Button("回滚到上一版本", elem_id="rollback")
                activate_btn = gr.Button("设为当前版本", elem_id="activate")
                chosen = gr.Textbox(label="选中的版本", interactive=False, elem_id="chosen-version")
            version_msg = gr.Markdown(elem_id="version-status")
            versions = gr.Dataframe(versions_table(index_dir), datatype="str", interactive=False,
                                    headers=["当前", "版本", "创建时间 (UTC)", "来源文件", "条款数", "标题", "日期"],
                                    elem_id="versions", label="全部版本（点击一行查看与当前版本的差异）")
            diff = gr.HTML(elem_id="diff")
        with gr.Tab("问题记录") as log_tab:
            with gr.Row():
                refresh = gr.Button("刷新", size="sm")
                export_btn = gr.Button("导出 CSV", size="sm", elem_id="export")
            csv_file = gr.File(label="CSV 文件", visible=False, elem_id="csv")
            total = gr.Markdown()
            gaps = gr.Dataframe(headers=["次数", "未能回答的问题", "最近一次 (UTC)"], datatype="str", interactive=False,
                                label="最常被拒答的问题（政策未覆盖的需求）", wrap=True)
            bad = gr.Dataframe(headers=["时间 (UTC)", "问题", "回答", "引用"], datatype="str", interactive=False,
                               label="被点踩的回答", wrap=True, max_height=360)
            recent = gr.Dataframe(headers=["时间 (UTC)", "问题", "引用", "拒答", "耗时 ms", "评价", "版本"], datatype="str",
                                  interactive=False, label="最近的问题", wrap=True, elem_id="recent")

        for trigger in (upload.upload, allow.change):
            trigger(preview, [upload, allow], [summary, table, pending, publish_btn], **private)
        upload.clear(lambda: ("", [], None, gr.update(interactive=False)), None,
                     [summary, table, pending, publish_btn], **private)
        publish_btn.click(publish, [pending], [status, versions], **private)
        rollback_btn.click(rollback, None, [version_msg, versions], **private)
        activate_btn.click(activate, [chosen], [version_msg, versions], **private)
        versions.select(pick, [versions], [chosen, diff], **private)
        for trigger in (refresh.click, log_tab.select, admin.load):
            trigger(questions, None, [recent, gaps, bad, total], **private)
        admin.load(lambda: versions_table(index_dir), None, [versions], **private)
        export_btn.click(export, None, [csv_file], **private)
    return admin
