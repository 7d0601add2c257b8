"""The search API application: routers, allowed hosts, body limits, API keys and CORS, the error shape, and the
built page at `/`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from facesearch.api.again import AgainOnNodeLoss
from facesearch.api.auth import RequireKey
from facesearch.api.backend import Backend
from facesearch.api.bodies import MAX_FIELDS, BodyGuard, BodyLimits
from facesearch.api.cors import OneShapeCORS
from facesearch.api.hosts import AllowedHosts, served_names
from facesearch.api.routes import groups, health, library, people, search
from facesearch.http import install_error_handlers
from facesearch.settings import Settings, get_settings

PLACEHOLDER = """<!doctype html><meta charset="utf-8"><title>facesearch</title>
<h1>facesearch</h1><p>The page is not built. Run <code>bash start.sh</code>, or use the API under
<a href="/docs">/docs</a>.</p>"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.backend = Backend(get_settings())
    yield
    app.state.backend.jobs.close()
    app.state.backend.close()


def mount_page(app: FastAPI, dist: Path) -> None:
    """Serve the built frontend at `/`, or a short page saying it is not built."""
    if (dist / "index.html").is_file():
        app.mount("/", StaticFiles(directory=dist, html=True), name="page")
    else:
        app.get("/", include_in_schema=False)(lambda: HTMLResponse(PLACEHOLDER))


def guard(app: FastAPI, settings: Settings) -> None:
    """API keys on every request (see facesearch.api.auth); CORS, outside them, only for the configured origins."""
    app.add_middleware(RequireKey, keys_file=settings.api_keys_file, read_key_required=settings.api_read_key_required)
    if settings.cors_origins:
        app.add_middleware(
            OneShapeCORS, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"], max_age=600,
        )


def create_app() -> FastAPI:
    settings = get_settings()
    limits = BodyLimits.of(settings)
    forms = {"max_files": settings.max_files, "max_fields": MAX_FIELDS}
    app = FastAPI(title="facesearch", lifespan=lifespan, form_limits=forms)
    install_error_handlers(app)
    app.add_middleware(AgainOnNodeLoss, max_body_bytes=limits.photo)  # every read's body, kept to run it again
    app.add_middleware(BodyGuard, limits=limits, timeout_s=settings.body_timeout_s)
    guard(app, settings)  # outside it: a request without the key it needs is refused once, before any of it
    app.add_middleware(AllowedHosts, names=served_names(settings))  # outermost: refused before anything runs
    for router in (health.router, search.router, people.router, people.photos_router, library.router, groups.router):
        app.include_router(router)
    mount_page(app, settings.frontend_dir)
    return app
