"""The Assistant: condense a follow-up, retrieve, refuse or answer, verify the citations.

question (+history) -> standalone query -> top passages -> relevance gate -> nothing? refuse, cite nothing
                    -> numbered passages -> answerer (extractive, or an LLM) -> [n] checked -> Answer
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag import answerers, citations, dates
from rag.answer import REFUSAL, Answer
from rag.answerers import Answerer, Reply
from rag.corpus import SUPPORTED
from rag.embeddings import DIMENSION, VARIANTS, MiniLMEmbedding, compute_of
from rag.errors import InputError
from rag.ingest import IngestReport, ingest
from rag.passages import Passage
from rag.retrieval import RelevanceGate, Retriever, Scope, TimePrior
from rag.settings import MAX_TOP_K, Settings
from rag.sources import sync
from rag.sources.registry import Registry, WebSource
from rag.store import Store
from rag.workers import ingest_in_workers

FILE_TYPES = frozenset(SUPPORTED)  # what ``ingest`` reads, for faces that take uploads


class AnswerStream:
    """The answer in pieces as it is produced; ``answer`` holds the whole Answer once iterated.

    Iterating again replays the same pieces; the answer is never lost or made twice."""

    def __init__(self, pieces: Generator[str, None, Answer]) -> None:
        self._pieces = pieces
        self._seen: list[str] = []
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        if self.answer is not None:
            yield from self._seen
            return
        while True:
            try:
                piece = next(self._pieces)
            except StopIteration as done:
                self.answer = done.value
                return
            self._seen.append(piece)
            yield piece


@dataclass(frozen=True)
class CorpusStats:
    articles: int
    passages: int
    where: str  # the data directory or Chroma server


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as a face lists it."""

    article_id: str
    title: str
    date: str
    url: str
    source: str
    path: str
    passages: int


def _one_writer(method):
    """Writes to the index one at a time in a process: the chat's upload, a sync loop and an API call may
    come at once, and two writers would embed the same article twice."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with Assistant.writing:
            return method(self, *args, **kwargs)

    return locked


class Assistant:
    """Ask questions of an article corpus; see README for the settings.

    ``answerer`` replaces the backend the settings select (a scripted one in tests, say)."""

    writing = threading.RLock()  # see _one_writer

    def __init__(self, settings: Settings | None = None, answerer: Answerer | None = None, **overrides) -> None:
        self.settings = settings or Settings(**overrides)
        self.store = Store(self.settings, "", DIMENSION,
                           switches={mid: f"RAG_EMBED_COMPUTE={c}" for c, mid in VARIANTS.items()})
        compute = self.settings.embed_compute
        if compute == "auto":  # an index keeps the variant that built it; a new one gets int8
            compute = compute_of(self.store.recorded_model()) or "int8"
        models = None if self.settings.chroma_host else self.settings.data_dir / "models"  # None: the user's cache
        self.embed_model = MiniLMEmbedding(embed_batch_size=self.settings.embed_batch_size, compute=compute,
                                           cache_dir=models, threads=self.settings.embed_threads)
        self.store.model_id = self.embed_model.model_name
        self.retriever = Retriever(self.store, self.embed_model, self.settings.retrieval,
                                   cache_dir=self.settings.data_dir / "bm25" / self.settings.collection,
                                   candidates=self.settings.candidates, feedback=self.settings.feedback)
        self.gate = RelevanceGate(self.settings.min_score)
        self._answerer = answerer

    @property
    def answerer(self) -> Answerer:
        if self._answerer is None:
            self._answerer = answerers.make(self.settings, self.embed_model)
        return self._answerer

    @property
    def backend(self) -> str:
        """Which answerer is active, as a person would name it."""
        return self.answerer.label

    # --- the corpus ------------------------------------------------------------------------------
    @_one_writer
    def ingest(self, path: str | Path | None = None, rebuild: bool = False,
               on_progress: Callable[[int, int], None] | None = None,
               on_passages: Callable[[int], None] | None = None, workers: int = 1) -> IngestReport:
        """Bring the index in line with the articles under ``path`` (default: the corpus setting).

        ``path`` may also be a URL (an article page, an RSS/Atom feed, a sitemap) or a .txt file of
        URLs: those are remembered as web sources, which ``sync`` fetches again. ``workers`` > 1 shares
        the embedding among that many processes, all writing to the Chroma server (``rag.workers``)."""
        if rebuild and self.settings.embed_compute == "auto" and self.embed_model.compute != "int8":
            self.embed_model.use("int8")  # a rebuild under auto moves an fp32-built index to the default
            self.store.model_id = self.embed_model.model_name
        target = str(path) if path is not None else ""
        urls = [target.strip()] if sync.is_url(target) else sync.urls_in(target) if target else None
        if urls:
            if rebuild:
                self.store.drop()
            report = sync.sync(urls, self.settings, self.store, self.embed_model, on_progress)
        elif workers > 1:
            report = ingest_in_workers(Path(path or self.settings.corpus_dir), self.settings, self.store,
                                       self.embed_model, workers, make=Assistant, rebuild=rebuild,
                                       on_progress=on_progress, on_passages=on_passages)
        else:
            report = ingest(Path(path or self.settings.corpus_dir), self.settings, self.store,
                            self.embed_model, rebuild=rebuild, on_progress=on_progress, on_passages=on_passages)
        self._changed(report.changed or rebuild or bool(report.passages_written))
        return report

    @_one_writer
    def sync(self, on_progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Fetch every remembered web source again: new feed entries are added, changed pages replaced,
        unchanged ones cost a conditional GET, pages gone (404/410) removed."""
        urls = Registry(self.settings.data_dir).urls()
        report = sync.sync(urls, self.settings, self.store, self.embed_model, on_progress) if urls else IngestReport()
        self._changed(report.changed or bool(report.passages_written))
        return report

    def web_sources(self) -> list[WebSource]:
        """The remembered web sources with their last fetch and article counts."""
        return Registry(self.settings.data_dir).sources()

    @_one_writer
    def remove_web_source(self, url: str) -> int:
        """Forget a web source and delete the articles only it led to; how many articles went."""
        removed = sync.remove(url, self.settings, self.store)
        self._changed(bool(removed))
        return removed

    def _changed(self, changed: bool) -> None:
        if changed:
            self.store.touch()  # other processes over the same Chroma see the change
            self.retriever.refresh()

    def stats(self) -> CorpusStats:
        """How many articles and passages are indexed, and where (cheap: one row per article is read)."""
        return CorpusStats(len(self.store.first_passages()), self.store.count(), self.store.where)

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article, newest first (undated ones last)."""
        rows = sorted(self.store.first_passages(), key=lambda m: (-int(m.get("date_num") or 0),
                                                                  str(m.get("title", ""))))
        return [ArticleInfo(str(m.get("article_id", "")), str(m.get("title", "")), str(m.get("date", "")),
                            str(m.get("url", "")), str(m.get("source", "")), str(m.get("path", "")),
                            int(m.get("passages") or 0)) for m in rows]

    @_one_writer
    def delete_article(self, article_id: str) -> int:
        """Remove one article's passages (an API's DELETE); returns how many went, 0 when none had it.

        Re-ingesting the folder it came from brings it back."""
        found = sum(1 for _ in self.store.passages(include=[], where={"article_id": article_id}))
        if found:
            self.store.delete_articles([article_id])
        self._changed(bool(found))
        return found

    def article_passages(self, article_id: str) -> list[tuple[str, str]]:
        """One article's passages in order, as (passage id, text): the article around a cited passage
        ([] when no article has that id). Consecutive passages overlap by ``chunk_overlap`` tokens."""
        rows = self.store.passages(include=["documents", "metadatas"], where={"article_id": article_id})
        return [(pid, text) for pid, text, _ in sorted(rows, key=lambda r: int(r[2].get("chunk") or 0))]

    def recent_titles(self, limit: int = 3) -> list[str]:
        return list(dict.fromkeys(a.title for a in self.articles()))[:limit]

    def retrieve(self, query: str, top_k: int | None = None, date_from: str = "", date_to: str = "",
                 as_of: str | dt.date | None = None, articles: Sequence[str] = (),
                 sources: Sequence[str] = ()) -> list[Passage]:
        """The top passages for ``query``, best first, each with its cosine to it (no relevance gate);
        ``as_of`` is the reference date its time words and the recency preference are read against;
        ``articles`` (ids) and ``sources`` (source names) limit the search to those, either one."""
        self.store.collection()  # a missing or mismatched index fails here, with its message
        return self.retriever.retrieve(query, top_k or self.settings.top_k, date_from, date_to,
                                       self.time_prior(query, dates.as_of(as_of)),
                                       scope=_scope(articles, sources))

    def time_prior(self, query: str, reference: dt.date) -> TimePrior | None:
        """Prefer the dates the question names, else articles from the days up to the reference date."""
        s = self.settings
        named = dates.named_range(query, reference)
        if named is not None:
            return TimePrior(named, s.date_cue_weight, slack=s.recency_days) if s.date_cue_weight else None
        recent = dates.DateRange(reference - dt.timedelta(days=s.recency_days), reference + dt.timedelta(days=1))
        return TimePrior(recent, s.recency_weight) if s.recency_weight else None

    # --- answering -------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | None = None, **options) -> Answer:
        stream = self.stream(question, history, **options)
        for _ in stream:
            pass
        return stream.answer

    def stream(self, question: str, history: list[dict] | None = None, top_k: int | None = None,
               date_from: str = "", date_to: str = "", as_of: str | dt.date | None = None,
               articles: Sequence[str] = (), sources: Sequence[str] = ()) -> AnswerStream:
        """Like ``ask``, but the text arrives in pieces; the checks run before the first piece.

        ``articles`` (article ids) and ``sources`` (source names) scope the question: only passages of
        those articles, or of articles from those sources, are searched."""
        question = self.check_question(question)
        if top_k is not None and not 1 <= top_k <= MAX_TOP_K:
            raise InputError(f"top_k must be between 1 and {MAX_TOP_K} passages, not {top_k}")
        history = [m for m in (history or []) if m.get("role") in ("user", "assistant")
                   and isinstance(m.get("content"), str)]
        reference = dates.as_of(as_of)
        scope = _scope(articles, sources)
        return AnswerStream(self._answer(question, history, top_k or self.settings.top_k, date_from, date_to,
                                         reference, scope))

    def check_question(self, question: str) -> str:
        question = (question or "").strip()
        if not question:
            raise InputError("the question is empty: type a question about the articles")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InputError(f"the question is {len(question):,} characters long; the limit is"
                             f" {limit:,} (RAG_MAX_QUESTION_CHARS): shorten it")
        return question

    def _answer(self, question: str, history: list[dict], top_k: int, date_from: str,
                date_to: str, reference: dt.date, scope: Scope | None = None) -> Generator[str, None, Answer]:
        clock = _Clock()
        self.store.collection()  # a missing or mismatched index fails here, with its message
        query = self.answerer.condense(question, history)
        clock.lap("condense")
        passages = self.retrieve(query, top_k, date_from, date_to, reference,
                                 scope.articles if scope else (), scope.sources if scope else ())
        relevant = self.gate.postprocess(passages, query)
        clock.lap("retrieve")
        reply = self.answerer.reply(question, query, history, relevant, as_of=reference) if relevant \
            else Reply.refusal()
        verified = citations.CitationFilter(len(relevant))
        text = yield from _shown(reply.pieces, verified, clock)
        refused = citations.is_refusal(text)
        if refused:
            nothing_searched = not passages and _nothing_left(date_from, date_to, scope)
            text = nothing_searched or REFUSAL + _filtered(date_from, date_to, scope)
        return Answer(
            question=question, text=text, backend=self.backend, refused=refused, query=query,
            as_of=reference.isoformat(),
            sources=[] if refused else citations.sources(text, relevant, verified.order),
            short="" if refused else reply.short, usage=dict(reply.usage), confidence=reply.confidence,
            timings=clock.done(),
            history=[*history, {"role": "user", "content": question}, {"role": "assistant", "content": text}],
            retrieved=[citations.source(i, p, "") for i, p in enumerate(passages, start=1)])


def _scope(articles: Sequence[str], sources: Sequence[str]) -> Scope | None:
    for name, given in (("articles", articles), ("sources", sources)):
        if isinstance(given, str) or not all(isinstance(x, str) for x in given or ()):
            raise InputError(f"{name} must be a list of {name[:-1]} names, not {type(given).__name__}")
    scope = Scope(tuple(dict.fromkeys(articles or ())), tuple(dict.fromkeys(sources or ())))
    return scope or None


def _nothing_left(date_from: str, date_to: str, scope: Scope | None) -> str:
    """The refusal when the filters left no passage at all: not that the corpus lacks the answer, but
    that nothing was searched ("" when no filter was set)."""
    limits = []
    if date_from or date_to:
        limits.append("is dated " + " ".join(p for p in (date_from and f"from {date_from}",
                                                        date_to and f"to {date_to}") if p))
    if scope:
        limits.append("is among the chosen articles or sources")
    if not limits:
        return ""
    return f"No article {' and '.join(limits)}, so nothing was searched: widen the filter or clear it."


def _filtered(date_from: str, date_to: str, scope: Scope | None = None) -> str:
    """What a refusal adds when a date filter or a scope limited the search: the user may have filtered it away."""
    scoped = " Only the chosen articles or sources were searched." if scope else ""
    if not (date_from or date_to):
        return scoped
    span = " ".join(part for part in (date_from and f"from {date_from}", date_to and f"to {date_to}") if part)
    return f" Only articles dated {span} were searched; undated articles are left out by a date filter." + scoped


def _shown(pieces, verified: citations.CitationFilter, clock: _Clock) -> Generator[str, None, str]:
    """Yield each piece once its citations are checked; return the whole text."""
    shown = []
    for raw in pieces:
        piece = verified.feed(raw)
        if piece:
            clock.first()
            shown.append(piece)
            yield piece
    tail = verified.flush()
    if tail:
        shown.append(tail)
        yield tail
    return "".join(shown).strip()


class _Clock:
    """Timings of one question, in seconds since it was asked."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {"first_piece": 0.0}
        self._last = self.started

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name], self._last = now - self._last, now

    def first(self) -> None:
        if not self.timings["first_piece"]:
            self.timings["first_piece"] = time.perf_counter() - self.started

    def done(self) -> dict[str, float]:
        self.timings["total"] = time.perf_counter() - self.started
        return {k: round(v, 4) for k, v in self.timings.items()}
