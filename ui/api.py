"""The HTTP API under ``/v1``: ask, search, ingest, the article list, delete, plus the OpenAI routes.

Every route is a thin call into ``rag.Assistant``; sync routes run in FastAPI's thread pool, so a slow
answer never blocks the server. Ingests run one at a time per process (Chroma writes would race).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from fastapi import APIRouter, Depends, File, UploadFile

from rag import Assistant
from ui import openai_compat, uploads
from ui.access import KeyCheck
from ui.api_errors import NotFound
from ui.api_models import (
    AnswerOut,
    ArticleOut,
    AskRequest,
    Deleted,
    Health,
    IngestRequest,
    IngestResponse,
    PassageOut,
    SearchRequest,
    SearchResponse,
)


def health_router(bot: Assistant) -> APIRouter:
    """``/healthz``, open to all (a load balancer has no key): 200 with the corpus size, or 503."""
    api = APIRouter(tags=["health"])

    @api.get("/healthz")
    def healthz() -> Health:
        stats = bot.stats()  # a Chroma server that is down fails here: 503
        return Health(status="ok", articles=stats.articles, passages=stats.passages, where=stats.where,
                      backend=bot.backend)

    return api


def router(bot: Assistant, keys: list[str]) -> APIRouter:
    """Everything under /v1; with ``keys``, each request must carry one as a bearer token."""
    api = APIRouter(prefix="/v1", dependencies=[Depends(KeyCheck(keys))])
    api.include_router(openai_compat.router(bot))
    ingesting = threading.Lock()

    @api.post("/ask", tags=["assistant"])
    def ask(request: AskRequest) -> AnswerOut:
        """The whole Answer: text with [n], the cited sources, every retrieved passage, timings."""
        answer = bot.ask(request.question, [t.model_dump() for t in request.history], top_k=request.top_k,
                         date_from=request.date_from, date_to=request.date_to, as_of=request.as_of)
        return AnswerOut.of(answer)

    @api.post("/search", tags=["assistant"])
    def search(request: SearchRequest) -> SearchResponse:
        """The top passages for a query, best first, without an answer (no relevance gate)."""
        query = bot.check_question(request.query)
        found = bot.retrieve(query, request.top_k, request.date_from, request.date_to, request.as_of)
        return SearchResponse(query=query, passages=[
            PassageOut(passage_id=p.id, article_id=p.article_id, title=p.title, date=p.date, url=p.url,
                       path=p.path, source=p.source, text=p.text, score=p.score) for p in found])

    @api.post("/ingest", tags=["corpus"])
    def ingest(request: IngestRequest) -> IngestResponse:
        """Ingest folders or files on the server, as `rag ingest PATH` does (removes what vanished)."""
        with ingesting:
            reports = [bot.ingest(path, rebuild=request.rebuild and i == 0) for i, path in enumerate(request.paths)]
        return IngestResponse.of(reports)

    @api.post("/ingest/files", tags=["corpus"])
    def ingest_files(files: list[UploadFile] = File(...)) -> IngestResponse:  # noqa: B008  (FastAPI's idiom)
        """Upload article files (multipart); they are kept in the data directory's uploads/ and ingested."""
        limit = bot.settings.max_file_mb
        with tempfile.TemporaryDirectory() as staging, ingesting:
            paths = []
            for number, upload in enumerate(files):
                path = Path(staging) / str(number)
                with path.open("wb") as out:
                    shutil.copyfileobj(upload.file, out)
                paths.append(str(path))
            target = uploads.upload_dir(bot.settings.data_dir)
            saved = uploads.save(paths, [f.filename or "upload" for f in files], target, limit)
            reports = [bot.ingest(target)] if saved.files else []
            if reports:
                uploads.discard_skipped(reports[0].skipped, target)
        return IngestResponse.of(reports, saved.rejected)

    @api.get("/articles", tags=["corpus"])
    def articles() -> list[ArticleOut]:
        """Every indexed article, newest first."""
        return [ArticleOut.of(a) for a in bot.articles()]

    @api.delete("/articles/{article_id}", tags=["corpus"])
    def delete_article(article_id: str) -> Deleted:
        """Remove one article from the index (ingesting its folder again brings it back)."""
        with ingesting:
            removed = bot.delete_article(article_id)
        if not removed:
            raise NotFound(f"no article '{article_id}' in the index: GET /v1/articles lists them", "article_id")
        return Deleted(article_id=article_id, passages_deleted=removed)

    @api.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
    def unknown(path: str) -> None:
        raise NotFound(f"no API route /v1/{path}: see /docs")

    return api
