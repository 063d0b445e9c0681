"""/docs and /redoc load every asset from this server (the browser check, network off, is in
test_web_page_browser.py; this one runs where Chromium is not installed)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from digitcam.apps.web.app import create_app  # noqa: E402


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_use_no_cdn(page):
    with TestClient(create_app()) as client:
        html = client.get(page).text
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", html)
        assert assets and all(a.startswith("/docs-assets/") for a in assets), assets
        for asset in assets:
            got = client.get(asset)
            assert got.status_code == 200 and len(got.content) > 1000, asset
        assert "openapi.json" in html

