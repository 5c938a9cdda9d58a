"""The admin login and the gate in front of everything under /admin.

Gradio's own checks cover its event, upload, file and config routes; a few of its
routes (heartbeat, cancel, stream, startup events…) carry no login check at all.
So the gate is an ASGI middleware that refuses every /admin request without a
valid session except the login form itself, and Gradio is also told who is logged
in (``auth_dependency``) so its own checks agree. Deny by default, twice.
"""
from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from .render import esc

COOKIE = "policybot_admin"
SESSION_SECONDS = 12 * 3600
PREFIX = "/admin"

OFF_PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>管理后台未启用</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.7">
<h2>管理后台未启用</h2>
<p>没有设置管理员密码，所以管理后台是关闭的。要启用它，请设置环境变量
<code>POLICYBOT_ADMIN_PASSWORD</code>（或在 <code>settings.toml</code> 中写 <code>admin_password = "…"</code>），
然后重新启动 <code>python app.py</code>。</p>
<p>Admin is off because no password is set. Set <code>POLICYBOT_ADMIN_PASSWORD</code> and restart to enable it.</p>
</body></html>"""

LOGIN_PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>管理登录</title></head>
<body style="font-family:sans-serif;max-width:24em;margin:4em auto;padding:0 1em">
<h2>政策问答 · 管理登录</h2>{message}
<form method="post" action="login">
<p><label>密码<br><input type="password" name="password" id="password" autofocus required
 style="width:100%;padding:.5em;font-size:1em"></label></p>
<p><button type="submit" id="login" style="padding:.5em 1.5em;font-size:1em">登录</button></p>
</form></body></html>"""


class Sessions:
    def __init__(self, password: str):
        self._password = password.encode()
        self._tokens: dict[str, float] = {}

    def check_password(self, password: str) -> bool:
        return hmac.compare_digest(password.encode(), self._password)

    def create(self) -> str:
        now = time.time()
        self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = now + SESSION_SECONDS
        return token

    def valid(self, token: str | None) -> bool:
        return bool(token) and self._tokens.get(token, 0) > time.time()

    def end(self, token: str | None) -> None:
        self._tokens.pop(token or "", None)

    def user(self, request) -> str | None:
        """Gradio's ``auth_dependency``: the user name, or None to refuse."""
        return "admin" if self.valid(request.cookies.get(COOKIE)) else None


def _cookie(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            jar.load(value.decode("latin-1"))
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


def _relative(scope) -> str:
    """The path below the app's root_path (a reverse proxy may add a prefix)."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


async def _send(send, status: int, body: str, content_type: str = "text/html; charset=utf-8",
                headers: list[tuple[bytes, bytes]] = ()) -> None:
    data = body.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode()),
                            (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": data})


async def _form(receive, limit: int = 4096) -> dict:
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if len(body) > limit or not msg.get("more_body"):
            break
    return {k: v[0] for k, v in parse_qs(body[:limit].decode("utf-8", "replace")).items()}


class AdminGate:
    """ASGI middleware for the whole app: guards /admin, and closes the public app's upload route."""

    def __init__(self, app, sessions: Sessions | None):
        self.app = app
        self.sessions = sessions  # None: no password set, admin is off
        self._failures = asyncio.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = _relative(scope)
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            if path.startswith("/gradio_api/upload"):
                # The public pages take no files; Gradio's upload route would let anyone fill the disk.
                return await _send(send, 403, '{"error": "uploads are not accepted here"}', "application/json")
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            if self.sessions and self.sessions.valid(_cookie(scope)):
                return await self.app(scope, receive, send)
            return await send({"type": "websocket.close", "code": 4401})

        if self.sessions is None:
            status = 200 if path in (PREFIX, PREFIX + "/") else 404
            return await _send(send, status, OFF_PAGE)
        sub = path[len(PREFIX):]
        if sub == "/login":
            return await self._login(scope, receive, send)
        if sub == "/logout":
            self.sessions.end(_cookie(scope))
            return await _send(send, 303, "", headers=[(b"location", b"login"), self._set_cookie("", 0, scope)])
        if self.sessions.valid(_cookie(scope)):
            return await self.app(scope, receive, send)
        if scope["method"] in ("GET", "HEAD") and sub in ("", "/"):
            # relative to /admin/ (or /admin): the login form, wherever a proxy mounted us
            return await _send(send, 303, "", headers=[(b"location", b"admin/login" if sub == "" else b"login")])
        return await _send(send, 401, '{"error": "admin login required"}', "application/json")

    async def _login(self, scope, receive, send):
        if scope["method"] != "POST":
            return await _send(send, 200, LOGIN_PAGE.format(message=""))
        form = await _form(receive)
        if not self.sessions.check_password(form.get("password", "")):
            # One wrong password per second for the whole server, however many connections guess.
            async with self._failures:
                await asyncio.sleep(1)
            return await _send(send, 401, LOGIN_PAGE.format(message=f"<p style='color:#b00'>{esc('密码不正确。')}</p>"))
        token = self.sessions.create()
        return await _send(send, 303, "", headers=[(b"location", b"./"),
                                                   self._set_cookie(token, SESSION_SECONDS, scope)])

    @staticmethod
    def _set_cookie(token: str, max_age: int, scope) -> tuple[bytes, bytes]:
        # Path=/: behind a reverse proxy the public prefix is unknown here. SameSite=Strict:
        # no other site can make the browser send it (CSRF).
        secure = scope.get("scheme") == "https" or any(
            k == b"x-forwarded-proto" and v == b"https" for k, v in scope.get("headers", []))
        value = f"{COOKIE}={token}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
        return b"set-cookie", value.encode()
