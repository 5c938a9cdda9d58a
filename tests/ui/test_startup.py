"""First start: with no index yet, `python app.py` builds one from seeds/ and says so."""
from __future__ import annotations

import httpx

from .conftest import start_app, stop_app


def test_first_start_builds_the_index_with_visible_progress(tmp_path):
    # The hash embedder builds in a second; what is tested is the start-up path, not the model.
    app = start_app(tmp_path, password=None, index_from=None, POLICYBOT_EMBEDDER="hash")
    try:
        log = app.log.read_text()
        assert "[index" in log and "embedding 56 clauses" in log and "ready in" in log
        assert (app.index_dir / "ACTIVE").read_text().strip().startswith("v")
        assert "admin is off" in log
        assert httpx.get(app.url + "/search").status_code == 200
    finally:
        stop_app(app)
