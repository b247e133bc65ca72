"""Chunk, embed and upsert articles; delete what vanished; report what changed.

The index itself is the record of what was ingested: every passage carries its article's id and
content hash, so there is no second store to drift out of step with Chroma. Unchanged articles are
neither embedded nor written; a changed one has its passages replaced (deleted, then added under the
same deterministic ids); an article gone from the ingested folder loses its passages.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode

from rag import corpus
from rag.embeddings import MiniLMEmbedding
from rag.errors import InputError
from rag.settings import Settings
from rag.sources.documents import page_map, page_of
from rag.store import FOLDERS, WRITTEN, Store, folders

Progress = Callable[[int, int], None]  # (articles done, articles to write)
# on_passages(passages written so far): for a rate in passages/s beside the articles' bar

SHOWN_TO_MODELS = ("title",)  # the only metadata embedded and shown to the LLM with a passage
GROUP_CHARS = 32_000  # articles are embedded in groups of about 32 passages
# and written to Chroma this many passages at a time: its add costs 11.0 CPU-s for 3,569 passages in
# calls of 32, 6.1 s in calls of 256 and 6.0 s in calls of 1,024 (tests/benchmarks/bench_int8.py's corpus)
WRITE_PASSAGES = 256


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    passages_written: int = 0
    skipped: list[corpus.Skipped] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)  # one line each, e.g. a feed read only in part

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        line = (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed,"
                f" {self.unchanged} unchanged; {self.passages_written} passages written;"
                f" {len(self.skipped)} skipped; {self.seconds:.1f} s")
        return ("interrupted: " + line + " (run again to finish)") if self.interrupted else line

    def to_dict(self) -> dict:
        data = asdict(self)
        data["skipped"] = [{"path": s.path, "reason": s.reason} for s in self.skipped]
        return data


def splitter(settings: Settings, embed_model: MiniLMEmbedding) -> SentenceSplitter:
    """Sentence-aware passages sized in the embedding model's own tokens, so none is truncated."""
    return SentenceSplitter(
        chunk_size=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        tokenizer=partial(embed_model.tokenizer.measure, budget=settings.chunk_tokens),
        id_func=lambda i, doc: f"{doc.doc_id}-{i}",
    )


def to_document(article: corpus.Article) -> Document:
    metadata = {
        "article_id": article.id,
        "title": article.title[:200],
        "date": article.date,
        "date_num": article.date_num,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "path": article.path,
        "content_hash": article.content_hash,
    }
    hidden = [key for key in metadata if key not in SHOWN_TO_MODELS] + ["passages", "chunk", "page", "page_map",
                                                                        WRITTEN, FOLDERS]
    return Document(id_=article.id, text=article.text, metadata=metadata,
                    excluded_embed_metadata_keys=hidden, excluded_llm_metadata_keys=hidden)


def ingest(
    path: Path,
    settings: Settings,
    store: Store,
    embed_model: MiniLMEmbedding,
    rebuild: bool = False,
    on_progress: Progress | None = None,
    on_passages: Callable[[int], None] | None = None,
    loaded: corpus.LoadResult | None = None,
) -> IngestReport:
    """Index the articles of a folder or file; articles of that folder no longer there are removed.
    ``loaded``: the folder as already read (by ``rag.workers``), so it is not read twice."""
    started = time.perf_counter()
    path = existing(path)
    if loaded is None:
        loaded = corpus.load(path, settings.max_file_mb)
    if rebuild:
        store.drop()
    report = upsert(loaded, settings, store, embed_model, on_progress,
                    under=corpus.shown(path.resolve()), on_passages=on_passages)
    report.seconds = time.perf_counter() - started
    return report


def existing(path: Path | str) -> Path:
    """``path`` as a Path, or a one-line error when there is nothing there to ingest."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist: give a folder or file of articles")
    return path


def upsert(
    loaded: corpus.LoadResult,
    settings: Settings,
    store: Store,
    embed_model: MiniLMEmbedding,
    on_progress: Progress | None = None,
    under: str | None = None,
    remove: Iterable[str] = (),
    on_passages: Callable[[int], None] | None = None,
) -> IngestReport:
    """Write the loaded articles that are new or changed; delete the indexed ones whose file is
    ``under`` the ingested folder (as stored) but that it no longer holds, and the ids in ``remove``.

    The one door into the index for every source: files, web pages, feeds."""
    started = time.perf_counter()
    report = IngestReport(skipped=list(loaded.skipped))
    articles: dict[str, corpus.Article] = {}
    for article in loaded.articles:
        if article.id in articles:
            first = articles[article.id].path
            report.skipped.append(corpus.Skipped(article.path, f"same article as {first} (same URL)"))
        else:
            articles[article.id] = article

    remove = set(remove)
    indexed = store.indexed_articles(check=[*articles, *remove], under=under)
    to_write = [a for a in articles.values()
                if a.id not in indexed or indexed[a.id].content_hash != a.content_hash]
    removed = {aid for aid in indexed if aid not in articles and (aid in remove or under is not None)}
    report.unchanged = len(articles) - len(to_write)

    try:
        if to_write:
            _write(to_write, indexed, settings, store, embed_model, report, on_progress, on_passages)
        if removed:
            store.delete_articles(sorted(removed))
            report.removed = [indexed[aid].path for aid in sorted(removed)]
    except KeyboardInterrupt:
        report.interrupted = True
    report.seconds = time.perf_counter() - started
    return report


def _write(to_write, indexed, settings, store, embed_model, report, on_progress, on_passages=None) -> None:
    """Split, embed and write in three stages that overlap: a thread splits the next groups and a
    thread writes the last one to Chroma while this one embeds, so the model is never kept waiting
    (it is nearly all of the time). A failed write stops the run; a failed split ends it after what
    was split before; either error is raised here. An interrupt lets the write in flight finish."""
    vector_store = store.vector_store(create=True)
    split = splitter(settings, embed_model)
    stop = threading.Event()
    to_embed: queue.Queue = queue.Queue(maxsize=2)
    to_store: queue.Queue = queue.Queue(maxsize=2)
    failures: list[BaseException] = []

    def splitting() -> None:  # a failure here ends the stream: what was split before it is still written
        try:
            for group in _groups(to_write):
                if stop.is_set():
                    return
                _put(to_embed, (group, _passages(split, group)), stop)
        except BaseException as err:  # noqa: BLE001 - raised by the ingesting thread once the rest is written
            failures.append(err)
        finally:
            _put(to_embed, None, stop)

    def writing() -> None:
        done, buffered = 0, []
        while True:
            item = _get(to_store, stop)
            if item is not None:
                buffered.append(item)
            if buffered and (item is None or sum(len(nodes) for _, nodes in buffered) >= WRITE_PASSAGES):
                done += write(buffered, done)
                buffered = []
            if item is None:
                return

    def write(items: list, done: int) -> int:
        """One Chroma add for several groups: the embedded groups of an interrupted run are kept too."""
        articles = [article for group, _ in items for article in group]
        nodes = [node for _, some in items for node in some]
        replaced = [a.id for a in articles if a.id in indexed]
        if replaced:
            store.delete_articles(replaced)
        written = int(time.time() * 1000)
        for node in nodes:
            node.metadata[WRITTEN] = written  # what BM25's segment reads to see the change
        vector_store.add(nodes)
        report.passages_written += len(nodes)
        for article in articles:
            (report.updated if article.id in indexed else report.added).append(article.title)
        if on_progress:
            on_progress(done + len(articles), len(to_write))
        if on_passages:
            on_passages(report.passages_written)
        return len(articles)

    # The writer reports progress, so it runs in a copy of the caller's context: a caller's progress bar
    # (Gradio's) finds its event through context variables, and a bare thread has none.
    threads = [threading.Thread(target=splitting, daemon=True, name="ingest-splitting"),
               threading.Thread(target=contextvars.copy_context().run, args=(_guarded, writing, failures, stop),
                                daemon=True, name="ingest-writing")]
    for thread in threads:
        thread.start()
    try:
        while (item := _get(to_embed, stop)) is not None:
            group, nodes = item
            vectors = embed_model.encode([n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes])
            for node, vector in zip(nodes, vectors, strict=True):
                node.embedding = vector.tolist()
            _put(to_store, (group, nodes), stop)
        _put(to_store, None, stop)
    except BaseException:
        stop.set()
        raise
    finally:
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]


def _passages(split: SentenceSplitter, group: list[corpus.Article]) -> list:
    """The group's passages with their place in the article (chunk, page) and the article's count."""
    nodes = split.get_nodes_from_documents([to_document(a) for a in group])
    per_article: dict[str, int] = {}
    by_id = {a.id: a for a in group}
    for node in nodes:
        aid = node.metadata["article_id"]
        node.metadata["chunk"] = per_article.get(aid, 0)
        per_article[aid] = node.metadata["chunk"] + 1
        starts = by_id[aid].page_starts
        node.metadata["page"] = page_of(starts, node.start_char_idx, node.end_char_idx)
        node.metadata["page_map"] = page_map(starts, node.start_char_idx, node.end_char_idx)
        if node.metadata["chunk"] == 0 and (found := folders(node.metadata["path"])):
            node.metadata[FOLDERS] = found  # how an ingest of a folder finds what left it
    for node in nodes:
        node.metadata["passages"] = per_article[node.metadata["article_id"]]
    return nodes


def _guarded(fn, failures: list[BaseException], stop: threading.Event) -> None:
    try:
        fn()
    except BaseException as err:  # noqa: BLE001 - handed to the ingesting thread, which raises it
        failures.append(err)
        stop.set()


def _put(q: queue.Queue, item, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _get(q: queue.Queue, stop: threading.Event):
    """The next item, or None once the stage before is done or anything stopped the run."""
    while not stop.is_set():
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            continue
    return None


def _groups(articles: list[corpus.Article]):
    group, size = [], 0
    for article in articles:
        group.append(article)
        size += len(article.text)
        if size >= GROUP_CHARS:
            yield group
            group, size = [], 0
    if group:
        yield group

