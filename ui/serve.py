"""``rag serve``: one uvicorn server, one port: the web chat at ``/``, the HTTP API under ``/v1``.

Gradio already runs on FastAPI, so the API is a FastAPI app with the Gradio app mounted beside its
routes, not a second server. Bound beyond loopback, the API wants a key and the chat its login.
"""

from __future__ import annotations

import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from rag import Assistant, RagError
from ui import api, api_errors, render
from ui.access import check_exposure
from ui.app import HEAD, build
from ui.login import LoginThrottle


def server_app(bot: Assistant, keys: list[str], login: tuple[str, str] | None = None) -> FastAPI:
    """The FastAPI app: /healthz, /docs, /v1 (locked by ``keys`` when given) and the web chat at /."""
    app = FastAPI(title="rag-articles", version="1", redoc_url=None, docs_url=None,
                  description="A chat assistant over an article corpus, with citations: an OpenAI-compatible"
                  " `/v1/chat/completions`, plus ask, search, ingest and the article list.")
    api_errors.install(app)
    _offline_docs(app)
    app.include_router(api.health_router(bot))
    app.include_router(api.router(bot, keys))
    if login:
        app.add_middleware(LoginThrottle)
    chat = build(bot)
    chat.queue(default_concurrency_limit=4)
    # Mounted last: "/" would otherwise catch the API's paths.
    return gr.mount_gradio_app(app, chat, path="/", auth=login, css=render.CSS, head=HEAD, footer_links=[],
                               ssr_mode=False,
                               max_file_size=f"{int(bot.settings.max_file_mb)}mb")


def _offline_docs(app: FastAPI) -> None:
    """/docs from the Swagger UI files that the swagger-ui-bundle package ships: FastAPI's default page
    loads them from a CDN, which a machine without internet (or a locked-down browser) cannot reach."""
    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def run(bot: Assistant, host: str, port: int, keys: list[str], login: tuple[str, str] | None) -> None:
    """Serve until stopped; refuses an address beyond loopback without both keys and a login."""
    check_exposure(host, keys, login)
    app = server_app(bot, keys, login)
    shown = f"[{host}]" if ":" in host else host
    print(f"Web chat on http://{shown}:{port}/ · API on http://{shown}:{port}/v1 (docs: /docs)"
          + (f" · API keys required, login for user '{login[0]}'" if login else "")
          + (" · API keys required" if keys and not login else ""), flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit as err:  # uvicorn exits when it cannot bind
        raise RagError(f"cannot serve on {host}:{port}: is the port in use? pass --port or set RAG_UI_PORT") \
            from err
