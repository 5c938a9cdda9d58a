"""The real app, started once per test session as `python app.py` on a free port.

Embedding the seed document takes a minute, so the index is built once into
tests/ui/artifacts/ (reused while the seed and the parsing code are unchanged)
and copied into each session's temporary directory.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "jinan-2020-53-measures.txt"
ARTIFACTS = ROOT / "tests" / "ui" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "test-admin-password"
QUESTION = "小微企业社保能免几个月？"
# Whatever changes how the seed is parsed or embedded invalidates the cached index.
CACHE_INPUTS = [SEED, *(ROOT / "bot" / f for f in ("sources.py", "clauses.py", "text.py", "index.py",
                                                   "embeddings.py"))]


@dataclass
class RunningApp:
    url: str
    proc: subprocess.Popen
    index_dir: Path
    data_dir: Path
    log: Path
    password: str | None

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cached_seed_index() -> Path:
    """The seed document's index, built once and kept while its inputs are unchanged."""
    key = hashlib.sha256(b"".join(p.read_bytes() for p in CACHE_INPUTS)).hexdigest()[:16]
    cached = ARTIFACTS / f"seed-index-{key}"
    if not (cached / "ACTIVE").exists():
        for old in ARTIFACTS.glob("seed-index-*"):
            shutil.rmtree(old, ignore_errors=True)
        tmp = ARTIFACTS / f".building-{key}"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "bot", "index", "build", "--index-dir", str(tmp)], cwd=ROOT,
                       check=True, env=_env(tmp, ARTIFACTS / ".build-data", None))
        tmp.rename(cached)
    return cached


def _env(index_dir: Path, data_dir: Path, password: str | None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    empty_settings = data_dir / "settings.toml"  # nobody's local settings.toml leaks in
    data_dir.mkdir(parents=True, exist_ok=True)
    empty_settings.touch()
    env.update(POLICYBOT_SETTINGS_FILE=str(empty_settings), POLICYBOT_INDEX_DIR=str(index_dir),
               POLICYBOT_DATA_DIR=str(data_dir), POLICYBOT_ADMIN_PASSWORD=password or "",
               GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(data_dir.parent / "gradio"), **extra)
    return env


def start_app(workdir: Path, *, password: str | None, index_from: Path | None, timeout: float = 240,
              **env_extra) -> RunningApp:
    index_dir, data_dir = workdir / "index", workdir / "data"
    if index_from is not None:
        shutil.copytree(index_from, index_dir)
    port = free_port()
    env = _env(index_dir, data_dir, password, POLICYBOT_HOST="127.0.0.1", POLICYBOT_PORT=str(port), **env_extra)
    log = workdir / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    app = RunningApp(f"http://127.0.0.1:{port}", proc, index_dir, data_dir, log, password)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}:\n{app.log_tail()}")
        try:
            if httpx.get(app.url + "/", timeout=2).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_app(app)
    raise RuntimeError(f"app.py did not answer within {timeout} s:\n{app.log_tail()}")


def stop_app(app: RunningApp) -> None:
    app.proc.terminate()
    try:
        app.proc.wait(15)
    except subprocess.TimeoutExpired:
        app.proc.kill()
        app.proc.wait()


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> RunningApp:
    running = start_app(tmp_path_factory.mktemp("app"), password=PASSWORD, index_from=cached_seed_index())
    yield running
    stop_app(running)


@pytest.fixture(scope="session")
def amended_copy(tmp_path_factory) -> Path:
    """The seed document with clause 16 changed from 5 to 6 months, as GB18030 text
    (the encoding many government sites still serve)."""
    text = SEED.read_text(encoding="utf-8")
    assert text.count("免征期限不超过5个月") == 1
    path = tmp_path_factory.mktemp("upload") / "jinan-53-amended.txt"
    path.write_bytes(text.replace("免征期限不超过5个月", "免征期限不超过6个月").encode("gb18030"))
    return path


CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
