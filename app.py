"""The web app: `python app.py` serves residents (问答, /), hotline staff (检索, /search)
and admins (管理, /admin, only when a password is set) on settings.host:settings.port.

This file only wires Gradio pages to the library in ``bot/``; see docs/app.md.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from pathlib import Path

import bot  # noqa: F401  (sets the OpenMP wait policy before faiss / the embedder load)
import gradio as gr
import uvicorn
from fastapi import FastAPI

from bot.log import QuestionLog
from bot.pipeline import PolicyBot
from bot.settings import Settings, get_settings
from bot.ui import render
from bot.ui.admin import build_admin
from bot.ui.auth import AdminGate, Sessions
from bot.ui.public import build_public

# Residents' questions take ~40 ms of CPU; a few in parallel keep two cores busy
# without letting a burst pile up in threads.
CONCURRENCY = 8


@contextlib.contextmanager
def gradio_files_in(path: Path):
    """Gradio keeps uploads and returned files in GRADIO_TEMP_DIR, read when a Blocks and its
    app are created, and an app serves any file in its directory to anyone it lets in. The
    admin app gets a directory of its own, blocked for the public app, so uploads and the
    questions-log export never sit where residents' pages serve files."""
    path.mkdir(parents=True, exist_ok=True)
    before = os.environ.get("GRADIO_TEMP_DIR")
    os.environ["GRADIO_TEMP_DIR"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = before


def create_app(settings: Settings | None = None, policybot: PolicyBot | None = None) -> FastAPI:
    settings = settings or get_settings()
    policybot = policybot or PolicyBot(settings)
    log = QuestionLog.in_data_dir(settings.data_dir)
    password = settings.admin_password or None
    sessions = Sessions(password) if password else None

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    # Mounted first: the public app at "/" would otherwise swallow /admin.
    data = Path(settings.data_dir)
    admin_files = data / "admin-files"
    if sessions:
        with gradio_files_in(admin_files):
            admin = build_admin(policybot, log, settings, admin_files)
            admin.queue(default_concurrency_limit=2)
            gr.mount_gradio_app(app, admin, path="/admin", auth_dependency=sessions.user, footer_links=[],
                                run_history=False, max_file_size=f"{settings.max_upload_mb}mb", css=render.CSS,
                                head=render.HEAD, mcp_server=False, enable_monitoring=False, ssr_mode=False)
    private = [admin_files, data / "uploads", Path(settings.index_dir),
               *(data / f"questions.sqlite3{suffix}" for suffix in ("", "-wal", "-shm"))]
    public = build_public(policybot, log, settings)
    public.queue(default_concurrency_limit=CONCURRENCY)
    gr.mount_gradio_app(app, public, path="/", footer_links=["api"], run_history=False, css=render.CSS,
                        head=render.HEAD, mcp_server=False, enable_monitoring=False, ssr_mode=False,
                        show_error=False,  # residents see "error", not internals
                        blocked_paths=[str(p.resolve()) for p in private])
    app.add_middleware(AdminGate, sessions=sessions)
    return app


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    policybot = PolicyBot(settings)
    started = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[index {time.perf_counter() - started:5.1f}s] {msg}", file=sys.stderr, flush=True)

    active = policybot.ensure_index(progress=progress)
    policybot.current()  # load models and the index before the first visitor, not during
    print(f"index {active} ready in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    if not settings.admin_password:
        print("admin is off: set POLICYBOT_ADMIN_PASSWORD (or admin_password in settings.toml) to enable /admin",
              file=sys.stderr, flush=True)
    app = create_app(settings, policybot)
    print(f"serving on http://{settings.host}:{settings.port}/ (admin: /admin, hotline search: /search)",
          file=sys.stderr, flush=True)
    # proxy_headers: behind a reverse proxy on this machine, X-Forwarded-Proto marks https (secure cookies).
    uvicorn.run(app, host=settings.host, port=settings.port, root_path=settings.root_path.rstrip("/"),
                log_level="warning", proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
