"""Nothing an admin can do is reachable without logging in, by any route.

The list of admin events is read from the admin app's own config (after a real
login), so an event added later is covered without touching this file.
"""
from __future__ import annotations

import contextlib

import httpx
import pytest
from gradio_client import Client

from .conftest import start_app, stop_app

REFUSED = (401, 403, 404)
# Every route family of a mounted Gradio app, including those Gradio itself leaves unchecked.
GET_PATHS = ["/admin", "/admin/", "/admin/config", "/admin/gradio_api/info", "/admin/gradio_api/openapi.json",
             "/admin/gradio_api/queue/data?session_hash=x", "/admin/gradio_api/startup-events",
             "/admin/gradio_api/heartbeat/x", "/admin/gradio_api/upload_progress?upload_id=x",
             "/admin/gradio_api/file=/etc/hostname", "/admin/gradio_api/runs", "/admin/gradio_api/user",
             "/admin/gradio_api/token", "/admin/gradio_api/app_id", "/admin/theme.css", "/admin/manifest.json",
             "/admin/monitoring", "/admin/gradio_api/call/publish/x"]
POST_PATHS = ["/admin/gradio_api/cancel", "/admin/gradio_api/reset", "/admin/gradio_api/stream/x",
              "/admin/gradio_api/process_recording", "/admin/gradio_api/vibe-edit"]


@contextlib.contextmanager
def login(app):
    with httpx.Client(base_url=app.url, follow_redirects=False, timeout=10) as c:
        r = c.post("/admin/login", data={"password": app.password})
        assert r.status_code == 303, r.text
        yield c


@pytest.fixture(scope="module")
def admin_config(app) -> dict:
    with login(app) as c:
        r = c.get("/admin/config")
        assert r.status_code == 200
        return r.json()


@pytest.fixture()
def anon(app) -> httpx.Client:
    with httpx.Client(base_url=app.url, follow_redirects=False, timeout=10) as c:
        yield c


def refused(r: httpx.Response) -> bool:
    # 303 only ever points at the login form
    return r.status_code in REFUSED or (r.status_code == 303 and r.headers["location"].endswith("login"))


def test_login_works_and_sees_the_admin_events(admin_config):
    assert len(admin_config["dependencies"]) >= 8
    ids = {c.get("props", {}).get("elem_id") for c in admin_config["components"]}
    assert {"upload", "publish", "rollback"} <= ids


@pytest.mark.parametrize("path", GET_PATHS)
def test_get_routes_need_login(anon, path):
    assert refused(anon.get(path)), path


@pytest.mark.parametrize("path", POST_PATHS)
def test_post_routes_need_login(anon, path):
    assert refused(anon.post(path, json={"session_hash": "x", "fn_index": 0, "event_id": "x", "data": []})), path


def test_upload_needs_login(anon, amended_copy):
    r = anon.post("/admin/gradio_api/upload", files={"files": amended_copy.open("rb")})
    assert refused(r)


def test_every_admin_event_needs_login(anon, admin_config):
    for dep in admin_config["dependencies"]:
        body = {"data": [None] * len(dep["inputs"]), "fn_index": dep["id"], "session_hash": "anon",
                "trigger_id": dep["targets"][0][0] if dep["targets"] else None, "event_data": None}
        r = anon.post("/admin/gradio_api/queue/join", json=body)
        assert refused(r), (dep["id"], r.status_code, r.text[:200])
        name = dep.get("api_name")
        if name:
            for route in (f"/admin/gradio_api/call/{name}", f"/admin/gradio_api/run/{name}",
                          f"/admin/gradio_api/api/{name}"):
                assert refused(anon.post(route, json={"data": body["data"]})), route


def test_wrong_password_and_forged_cookie_are_refused(app, anon):
    assert anon.post("/admin/login", data={"password": "wrong"}).status_code == 401
    anon.cookies.set("policybot_admin", "forged")
    assert refused(anon.get("/admin/config"))


def test_logout_ends_the_session(app):
    with login(app) as c:
        assert c.get("/admin/config").status_code == 200
        assert c.get("/admin/logout").status_code == 303
        assert refused(c.get("/admin/config"))


def test_gradio_client_cannot_connect_to_admin(app):
    with pytest.raises(Exception):
        Client(app.url + "/admin/", verbose=False)


def test_public_app_has_no_admin_events(app, anon):
    config = anon.get("/config").json()
    ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert not {"upload", "publish", "rollback", "activate", "export"} & ids
    names = {d.get("api_name") for d in config["dependencies"]}
    assert not {"publish", "rollback", "activate", "preview", "export", "questions"} & names


def test_public_app_takes_no_uploads(anon, amended_copy):
    assert anon.post("/gradio_api/upload", files={"files": amended_copy.open("rb")}).status_code == 403


def test_without_password_admin_is_off(tmp_path, app):
    off = start_app(tmp_path, password=None, index_from=app.index_dir)
    try:
        r = httpx.get(off.url + "/admin")
        assert r.status_code == 200 and "POLICYBOT_ADMIN_PASSWORD" in r.text
        for path in ("/admin/config", "/admin/gradio_api/info", "/admin/login"):
            assert httpx.get(off.url + path).status_code == 404, path
        assert httpx.post(off.url + "/admin/login", data={"password": ""}).status_code == 404
    finally:
        stop_app(off)
