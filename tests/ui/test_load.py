"""The load test (`make loadtest`, not part of `make test`): 20 simulated residents for
60 s against a freshly started app (cold caches), steady and while an admin publishes
an amended document. Prints the figures; fails on any error or a p95 above 300 ms."""
from __future__ import annotations

import asyncio

import pytest

from bot import loadtest

from .conftest import PASSWORD, cached_seed_index, start_app, stop_app

pytestmark = pytest.mark.load


@pytest.mark.parametrize("publish", [None, "amended"], ids=["steady", "publish-midway"])
def test_twenty_residents_for_a_minute(tmp_path, publish):
    app = start_app(tmp_path, password=PASSWORD, index_from=cached_seed_index())
    try:
        args = loadtest.parse_args(["--url", app.url, "--users", "20", "--seconds", "60",
                                    "--admin-password", PASSWORD] + (["--publish-midway", publish] if publish else []))
        report = asyncio.run(loadtest.run(args))
    finally:
        stop_app(app)
    print("\n", report)
    assert report["overall"]["errors"] == 0, report["first_errors"]
    if publish:
        assert report["publish"]["error"] is None and report["publish"]["during"]["errors"] == 0
    assert report["overall"]["p95_ms"] <= 300
