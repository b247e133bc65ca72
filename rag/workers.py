"""Ingest shared among N processes that write to one Chroma server (``rag ingest --workers N``).

The folder is read once, here. Each worker embeds and writes its share of the articles (shares of about
equal text; an article and any duplicate of it in one share), so nothing is embedded twice. Then the
ordinary ingest runs here over the whole folder: it finds what the workers wrote unchanged, writes
whatever a failed worker left, and removes the articles gone from the folder, so the index ends as one
process would leave it. A local index takes one writer (Chroma's
PersistentClient is not safe across processes), so workers need a server.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from pathlib import Path

from rag import corpus
from rag.embeddings import MiniLMEmbedding
from rag.errors import InputError, RagError
from rag.ingest import IngestReport, existing, ingest, upsert
from rag.settings import Settings
from rag.store import Store


def shares(articles: list[corpus.Article], workers: int) -> list[list[corpus.Article]]:
    """The articles split into ``workers`` shares of about equal text (the embedding's cost), longest
    first to the lightest share; copies of one article (one id) stay together, so none is written twice."""
    by_id: dict[str, list[corpus.Article]] = {}
    for article in articles:
        by_id.setdefault(article.id, []).append(article)
    out: list[list[corpus.Article]] = [[] for _ in range(workers)]
    load = [0] * workers
    for group in sorted(by_id.values(), key=lambda g: (-len(g[0].text), g[0].id)):
        lightest = load.index(min(load))
        out[lightest] += group
        load[lightest] += len(group[0].text)
    return out


def ingest_in_workers(path: Path, settings: Settings, store: Store, embed_model: MiniLMEmbedding,
                      workers: int, make: Callable, rebuild: bool = False,
                      on_progress: Callable[[int, int], None] | None = None,
                      on_passages: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest ``path`` with ``workers`` processes; one report for the whole run. ``make(settings)``
    builds what a worker writes with (an Assistant: passed in, so this module need not import the chain)."""
    started = time.perf_counter()
    if not settings.chroma_host:
        raise InputError("--workers needs a Chroma server (set RAG_CHROMA_HOST and start `chroma run`):"
                         " a local index takes one writer")
    path = existing(path)
    loaded = corpus.load(path, settings.max_file_mb)
    if rebuild:
        store.drop()
    store.collection(create=True)  # made once, here: the workers only open it
    their = settings.model_copy(update={"embed_compute": embed_model.compute,  # all write one variant
                                        "embed_threads": max(1, (os.cpu_count() or 1) // workers)})
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no forked onnxruntime or Chroma state
    messages = context.Queue()
    procs = [context.Process(target=_work, daemon=True, args=(their, mine, i, make, messages))
             for i, mine in enumerate(shares(loaded.articles, workers))]
    for proc in procs:
        proc.start()
    reports = _collect(messages, procs, on_progress, on_passages)
    closing = ingest(path, settings, store, embed_model, loaded=loaded, on_progress=on_progress)
    report = _combined(reports, closing, workers)
    report.seconds = time.perf_counter() - started
    return report


def _collect(messages, procs, on_progress, on_passages) -> dict[int, IngestReport | str]:
    """The workers' reports (or one-line errors) by share, passing their progress on as one total."""
    done, totals, written = [0] * len(procs), [0] * len(procs), [0] * len(procs)
    reports: dict[int, IngestReport | str] = {}
    try:
        while len(reports) < len(procs):
            try:
                kind, shard, body = messages.get(timeout=1.0)
            except queue.Empty:
                if not any(p.is_alive() for p in procs):
                    break  # a worker died without a word: the closing ingest writes its share
                continue
            if kind == "progress":
                done[shard], totals[shard] = body
                if on_progress:
                    on_progress(sum(done), sum(totals))
            elif kind == "passages":
                written[shard] = body
                if on_passages:
                    on_passages(sum(written))
            else:
                reports[shard] = body
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
    return reports


def _work(settings: Settings, articles: list[corpus.Article], shard: int, make: Callable, messages) -> None:
    """One worker: write its share; its report (or its error, in one line) goes back."""
    try:
        bot = make(settings)
        report = upsert(corpus.LoadResult(articles, []), settings, bot.store, bot.embed_model,
                        on_progress=lambda done, total: messages.put(("progress", shard, (done, total))),
                        on_passages=lambda written: messages.put(("passages", shard, written)))
        messages.put(("report", shard, report))
    except RagError as err:
        messages.put(("report", shard, str(err)))
    except Exception as err:  # noqa: BLE001 - told to the parent in one line; its closing ingest still writes
        messages.put(("report", shard, f"{type(err).__name__}: {err}"))


def _combined(reports: dict[int, IngestReport | str], closing: IngestReport, workers: int) -> IngestReport:
    """The workers' writes plus the closing ingest's: what it found unchanged less what the workers wrote;
    skipped files and removals are the closing ingest's, which saw the whole folder."""
    total = IngestReport(removed=closing.removed, skipped=closing.skipped, notes=list(closing.notes),
                         interrupted=closing.interrupted)
    for part in [r for r in reports.values() if isinstance(r, IngestReport)] + [closing]:
        total.added += part.added
        total.updated += part.updated
        total.passages_written += part.passages_written
        total.interrupted |= part.interrupted
    total.unchanged = closing.unchanged - (len(total.added) + len(total.updated) - len(closing.added)
                                           - len(closing.updated))
    for shard in range(workers):
        body = reports.get(shard)
        if not isinstance(body, IngestReport):
            why = body or "it stopped without a report"
            total.notes.append(f"worker {shard + 1} of {workers} failed ({why}); the closing pass wrote its articles")
    return total
