"""`/docs` (Swagger UI) and `/redoc` served from the package, so they work offline.

FastAPI's defaults load Swagger UI and ReDoc from a CDN: a blank page without the network,
although the start-up line and the page's footer point to /docs. This is FastAPI's
self-hosting recipe, with the assets of the `fastapi-offline` package (web extra):
Swagger UI 5 (it renders OpenAPI 3.1) and ReDoc 2, under /docs-assets/.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"


def docs_assets() -> Path:
    """The folder holding swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc, every asset from this server (create the app
    with docs_url=None, redoc_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=docs_assets()), name="docs-assets")
    title = f"{app.title} API"
    oauth2 = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title=title, oauth2_redirect_url=oauth2,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png")

    @app.get(oauth2, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(openapi_url=app.openapi_url, title=title,
                              redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                              redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
                              with_google_fonts=False)
        # ReDoc's bundle shows a "powered by" logo from its CDN: images from this server
        # only, so the page never reaches out (offline, it would fail anyway)
        page.headers["Content-Security-Policy"] = "img-src 'self' data: blob:"
        return page
