"""The questions log: one SQLite row per answered question, in the data directory.

What an admin needs to see where the policy leaves residents without an answer:
the question, the answer, its citations, whether it was refused, how long it took,
the resident's like / dislike and the index version that answered. Nothing that
identifies a person is stored: no IP address, no session, no user agent, and long
digit runs (phone, ID card, bank numbers) and e-mail addresses in the question are
masked before it is written.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import threading
from pathlib import Path

from .text import fold

FEEDBACK = ("like", "dislike")
COLUMNS = ("id", "time", "question", "answer", "citations", "refused", "reason", "latency_ms", "feedback",
           "version")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,           -- UTC, ISO 8601
    question TEXT NOT NULL,
    qkey TEXT NOT NULL,           -- the question folded, for grouping repeats
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,      -- JSON list of labels, e.g. ["第16条"]
    refused INTEGER NOT NULL,
    reason TEXT,
    latency_ms REAL NOT NULL,
    feedback TEXT,                -- like | dislike | NULL
    version TEXT
);
CREATE INDEX IF NOT EXISTS questions_time ON questions(time);
CREATE INDEX IF NOT EXISTS questions_refused ON questions(refused, qkey);
"""

_PERSONAL = [
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "［邮箱］"),
    # 7+ digits in a row is a phone, ID card or account number, never a policy figure
    # (those come with 万 / 元 / 个月 and are short).
    (re.compile(r"\d(?:[ -]?\d){6,}[Xx]?"), "＊＊＊＊"),
]


def redact(text: str) -> str:
    for rx, repl in _PERSONAL:
        text = rx.sub(repl, text)
    return text


def _key(question: str) -> str:
    return re.sub(r"[\W_]+", "", fold(question))


class QuestionLog:
    """Thread-safe: the app answers from several worker threads at once."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        # WAL: readers (the admin page, a CSV export) never block the writers that answer residents.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir) -> "QuestionLog":
        return cls(Path(data_dir) / "questions.sqlite3")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args=()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ------------------------------------------------------------ writing
    def record(self, question: str, answer, latency_ms: float, version: str | None) -> int:
        """Store one answered question; returns its id (for :meth:`feedback`)."""
        question = redact(question or "")
        labels = [c.get("label") for c in answer.citations]
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO questions (time, question, qkey, answer, citations, refused, reason, latency_ms, version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), question, _key(question),
                 answer.text, json.dumps(labels, ensure_ascii=False), int(answer.refused), answer.reason,
                 round(float(latency_ms), 1), version))
            return int(cur.lastrowid)

    def feedback(self, row_id: int, value: str | None) -> bool:
        """Set (or with None clear) a like / dislike; False when there is no such row."""
        if value is not None and value not in FEEDBACK:
            raise ValueError(f"feedback must be one of {FEEDBACK} or None")
        with self._lock:
            return self._db.execute("UPDATE questions SET feedback = ? WHERE id = ?", (value, int(row_id))).rowcount > 0

    # ------------------------------------------------------------ reading
    def recent(self, limit: int = 50) -> list[dict]:
        return [_row(r) for r in self._run(f"SELECT {', '.join(COLUMNS)} FROM questions ORDER BY id DESC LIMIT ?",
                                           (limit,))]

    def top_refused(self, limit: int = 20) -> list[dict]:
        """The refused questions asked most often: where the policy leaves residents without an
        answer. Refusals that say nothing about coverage (empty, too long, off task) are left out."""
        # With one MAX() aggregate SQLite takes the bare columns from that row: the latest spelling.
        rows = self._run(
            "SELECT question, COUNT(*) AS count, time AS last_time, MAX(id) AS last_id FROM questions"
            " WHERE refused = 1 AND COALESCE(reason, '') NOT IN ('empty', 'too_long', 'off_task')"
            " GROUP BY qkey ORDER BY count DESC, last_id DESC LIMIT ?", (limit,))
        return [{k: r[k] for k in ("question", "count", "last_time")} for r in rows]

    def disliked(self, limit: int = 50) -> list[dict]:
        return [_row(r) for r in self._run(
            f"SELECT {', '.join(COLUMNS)} FROM questions WHERE feedback = 'dislike' ORDER BY id DESC LIMIT ?",
            (limit,))]

    def count(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM questions")[0][0])

    def export_csv(self, out=None) -> str:
        """All rows as CSV (UTF-8 with BOM so Excel opens Chinese correctly); written to
        ``out`` (a path) when given, and returned as text."""
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf)
        w.writerow(COLUMNS)
        for r in self._run(f"SELECT {', '.join(COLUMNS)} FROM questions ORDER BY id"):
            d = _row(r)
            d["citations"] = " ".join(d["citations"])
            w.writerow([_cell(d[c]) for c in COLUMNS])
        text = buf.getvalue()
        if out is not None:
            Path(out).write_text(text, encoding="utf-8", newline="")
        return text


def _cell(value):
    """Questions come from the public: a cell starting with = + - @ would run as a
    formula when an admin opens the export in Excel."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _row(r: sqlite3.Row) -> dict:
    d = dict(r)
    d["citations"] = json.loads(d["citations"])
    d["refused"] = bool(d["refused"])
    return d
