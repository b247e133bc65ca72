"""Every API failure as JSON in OpenAI's error shape, with one HTTP status per kind of error.

``{"error": {"message": ..., "type": ..., "param": null, "code": null}}``: the message is the one line
the CLI prints; OpenAI clients raise it as their own typed errors (BadRequestError, NotFoundError, ...).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from rag import BackendError, ConfigError, IndexMissingError, IndexUnusableError, InputError, RagError
from ui.access import Unauthorized

log = logging.getLogger(__name__)


class NotFound(Exception):
    """A model or article the request names does not exist."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.param, self.code = param, code


# (status, type) per error, most specific first: the only place that decides a status
STATUSES: list[tuple[type[Exception], int, str]] = [
    (InputError, 400, "invalid_request_error"),
    (NotFound, 404, "not_found_error"),
    (Unauthorized, 401, "authentication_error"),
    (IndexMissingError, 503, "index_missing"),
    (IndexUnusableError, 503, "index_unusable"),
    (BackendError, 503, "backend_unavailable"),
    (ConfigError, 500, "config_error"),
    (RagError, 500, "rag_error"),
]


def error_body(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def status_of(error: Exception) -> tuple[int, str]:
    for cls, status, kind in STATUSES:
        if isinstance(error, cls):
            return status, kind
    return 500, "internal_error"


def to_json(error: Exception, log_it: bool = True) -> tuple[int, dict]:
    """The status and body for ``error``; anything unexpected is logged and shown without a traceback."""
    status, kind = status_of(error)
    if kind == "internal_error":
        if log_it:
            log.error("request failed", exc_info=error)
        message = f"internal error ({type(error).__name__}); the server log has the details"
    else:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return status, error_body(message, kind, getattr(error, "param", None), getattr(error, "code", None))


def install(app: FastAPI) -> None:
    """Register the handlers on the API app (the mounted web chat keeps Gradio's own)."""

    async def known(request: Request, error: Exception) -> JSONResponse:
        status, body = to_json(error, log_it=False)  # uvicorn logs an unexpected one with its traceback
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)

    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = f"{where}: {first.get('msg', 'invalid request')}" if where else first.get("msg", "invalid request")
        return JSONResponse(error_body(message, "invalid_request_error", where or None), status_code=400)

    async def http(request: Request, error: HTTPException) -> JSONResponse:
        kind = "not_found_error" if error.status_code == 404 else "invalid_request_error"
        return JSONResponse(error_body(str(error.detail), kind), status_code=error.status_code,
                            headers=getattr(error, "headers", None))

    for cls in (RagError, NotFound, Unauthorized, Exception):
        app.add_exception_handler(cls, known)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http)
