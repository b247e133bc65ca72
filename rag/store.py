"""The Chroma side: a persistent client (or a Chroma server), the collection, its recorded model.

The collection's metadata records which embedding model built it; opening it with another model is an
error that says how to rebuild, never silent garbage. Chroma's own embedding function is never used
(it would download a model): every vector comes from our model.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.errors import BackendError, IndexMissingError, IndexUnusableError, RagError
from rag.settings import Settings


@dataclass(frozen=True)
class IndexedArticle:
    """What the index knows of an article: enough to tell whether it changed or vanished."""

    article_id: str
    content_hash: str
    path: str
    passages: int


# What Chroma, its SQLite file or its server connection raise; anything else is a bug and stays one.
STORE_ERRORS = (ChromaError, sqlite3.Error, httpx.HTTPError, ConnectionError)
PAGE = 5000  # passages per Chroma read
GENERATION = "generation"  # collection metadata: changes with every write
WRITTEN = "written"  # passage metadata: when it was written (ms since the epoch), for the BM25 segment
FOLDERS = "folders"  # first-passage metadata: the folders the article's file is in, for `under` below
FOLDERS_KEPT = "folders_kept"  # collection metadata: every first passage has FOLDERS (made since it existed)


class Store:
    """One Chroma collection of passages, opened lazily."""

    def __init__(self, settings: Settings, model_id: str, dimension: int,
                 switches: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.model_id = model_id
        self.dimension = dimension
        self.switches = switches or {}  # recorded model id -> the setting that selects it
        self._client = None
        self._collection = None
        self._unreadable: IndexUnusableError | None = None  # Chroma keeps a half-open client per path

    @property
    def where(self) -> str:
        s = self.settings
        return f"Chroma server {s.chroma_host}:{s.chroma_port}" if s.chroma_host else str(s.data_dir)

    @property
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self):
        s = self.settings
        if self._unreadable:  # a second try would meet Chroma's broken leftovers, not the real cause
            raise self._unreadable
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if s.chroma_host:
                return chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port, settings=chroma_settings)
            s.data_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(s.data_dir), settings=chroma_settings)
        except (*STORE_ERRORS, ValueError, OSError) as err:  # HttpClient: ValueError("Could not connect")
            if s.chroma_host:
                raise BackendError(f"cannot reach the {self.where} ({_first_line(err)}); start it"
                                   " with `chroma run` or unset RAG_CHROMA_HOST") from err
            self._unreadable = IndexUnusableError(f"the index in {s.data_dir} is unreadable ({_first_line(err)});"
                                                  " move it away and run `rag ingest` again")
            raise self._unreadable from err

    def exists(self) -> bool:
        """True when the collection exists (without creating a data directory for nothing)."""
        if not self.settings.chroma_host and not (self.settings.data_dir / "chroma.sqlite3").exists():
            return False
        names = [c if isinstance(c, str) else c.name for c in self.call(self.client.list_collections)]
        return self.settings.collection in names

    def collection(self, create: bool = False):
        """The collection; with ``create`` it is made when missing, else a missing one is an error."""
        if self._collection is not None:
            return self._collection
        if not create and not self.exists():
            raise IndexMissingError(f"no index yet in {self.where}: run `rag ingest {self.settings.corpus_dir}`"
                                    " first (or set RAG_DATA_DIR to where you built it)")
        collection = self.call(
            self.client.get_or_create_collection,
            name=self.settings.collection,
            metadata={"hnsw:space": "cosine", "embed_model": self.model_id, "embed_dim": self.dimension,
                      FOLDERS_KEPT: True},  # kept as it was when the collection exists already
            embedding_function=None,
        )
        built_with = (collection.metadata or {}).get("embed_model")
        if built_with != self.model_id:
            switch = self.switches.get(str(built_with))
            raise IndexUnusableError(
                f"the index in {self.where} was built with the embedding model '{built_with}', not"
                f" '{self.model_id}': " + (f"set {switch} to use it, or " if switch else "")
                + "rebuild it with `rag ingest --rebuild`")
        self._collection = collection
        return collection

    def recorded_model(self) -> str | None:
        """The embedding model the existing collection records; None when there is none, or when it
        cannot be read now (the error then comes, with its advice, from the first real call)."""
        try:
            if not self.exists():
                return None
            found = self.call(self.client.get_collection, self.settings.collection, embedding_function=None)
        except RagError:
            return None
        return (found.metadata or {}).get("embed_model")

    def vector_store(self, create: bool = False) -> ChromaVectorStore:
        vector_store = ChromaVectorStore(chroma_collection=self.collection(create=create))
        # A first passage's FOLDERS is a list: Chroma takes lists of scalars, llama-index's check for flat
        # metadata does not know it (its constructor does not take the flag)
        vector_store.flat_metadata = False
        return vector_store

    def count(self) -> int:
        if self._collection is None and not self.exists():  # no listing of collections once open
            return 0
        return self.call(self.collection().count)

    def passages(self, include: list[str], where: dict | None = None) -> Iterator[tuple[str, str, dict]]:
        """Every stored passage as (id, text, metadata), read a page at a time (text is "" unless asked)."""
        if not self.exists():
            return
        collection, offset = self.collection(), 0
        while True:
            got = self.call(collection.get, include=include, where=where, limit=PAGE, offset=offset)
            texts = got.get("documents") or [""] * len(got["ids"])
            metas = got.get("metadatas") or [{}] * len(got["ids"])
            yield from zip(got["ids"], texts, metas, strict=True)
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    def indexed_articles(self, check: Iterable[str] | None = None, under: str | None = None
                         ) -> dict[str, IndexedArticle]:
        """The articles in the index with their content hash, read from each article's first passage:
        every one, or with ``check`` only those and the ones whose file is ``under`` a folder (what an
        ingest of that folder compares and may remove).

        Reading every passage's metadata costs Chroma about 0.2 ms a passage (20 s at 100k passages), so
        an article's passages are counted by their bare ids, and with ``check`` only for those articles,
        the rest taken as their first passage says. An article whose passages are not all there (an
        interrupted write) has an empty hash: it counts as changed. Passage ids are
        ``{article_id}-{chunk}`` (ingest's splitter makes them so)."""
        counts: dict[str, int] = {}
        if check is None:
            found = (pid for pid, _, _ in self.passages(include=[]))
        else:
            wanted = sorted(set(check))
            found = (pid for start in range(0, len(wanted), 500) for pid, _, _ in
                     self.passages(include=[], where={"article_id": {"$in": wanted[start:start + 500]}}))
        for pid in found:
            aid = pid.rsplit("-", 1)[0]
            counts[aid] = counts.get(aid, 0) + 1
        result = {}
        for meta in self._first_passages(check, under):
            aid, passages = str(meta.get("article_id", "")), int(meta.get("passages", 0))
            count = counts.get(aid, 0) if check is None or aid in counts else passages
            result[aid] = IndexedArticle(aid, str(meta.get("content_hash", "")) if count == passages else "",
                                         str(meta.get("path", "")), count)
        for aid, count in counts.items():  # passages without their first one: a write cut short
            result.setdefault(aid, IndexedArticle(aid, "", "", count))
        return result

    def first_passages(self) -> list[dict]:
        """The metadata of every article's first passage: one row per article, without reading the rest."""
        return [meta for _, _, meta in self.passages(include=["metadatas"], where={"chunk": 0})]

    def _first_passages(self, check: Iterable[str] | None, under: str | None) -> Iterator[dict]:
        """First passages of the ``check`` articles and of those under a folder, each once; all of them
        without ``check``. The folder is one query on FOLDERS; an index made before FOLDERS existed is
        listed whole once, and its first passages get FOLDERS so the next time is one query too."""
        if check is None:
            yield from self.first_passages()
            return
        seen: set[str] = set()
        wanted = sorted(set(check))
        for start in range(0, len(wanted), 500):
            where = {"$and": [{"chunk": 0}, {"article_id": {"$in": wanted[start:start + 500]}}]}
            for pid, _, meta in self.passages(include=["metadatas"], where=where):
                seen.add(pid)
                yield meta
        if under is None or not self.exists():
            return
        if (self.collection().metadata or {}).get(FOLDERS_KEPT):
            rows = self.passages(include=["metadatas"], where={"$and": [{"chunk": 0}, {FOLDERS: {"$contains": under}}]})
        else:
            rows = list(self.passages(include=["metadatas"], where={"chunk": 0}))
            self._keep_folders(rows)
        for pid, _, meta in rows:
            if pid not in seen and under in folders(str(meta.get("path", ""))):
                yield meta

    def _keep_folders(self, rows: list[tuple[str, str, dict]]) -> None:
        """Give every first passage its FOLDERS (an index made before they existed), then mark it so."""
        collection = self.collection()
        missing = [(pid, found) for pid, _, meta in rows
                   if FOLDERS not in meta and (found := folders(str(meta.get("path", ""))))]
        for start in range(0, len(missing), PAGE):
            page = missing[start:start + PAGE]
            self.call(collection.update, ids=[pid for pid, _ in page], metadatas=[{FOLDERS: f} for _, f in page])
        kept = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
        self.call(collection.modify, metadata={**kept, FOLDERS_KEPT: True})

    def delete_articles(self, article_ids: list[str]) -> None:
        collection = self.collection()
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            self.call(collection.delete, where={"article_id": {"$in": chunk}})

    def generation(self) -> str:
        """A mark that changes with every write through ``touch``, read fresh from Chroma (one cheap call),
        so another process over the same Chroma server can tell its caches are stale."""
        if self._collection is None and not self.exists():
            return ""
        fresh = self.call(self.client.get_collection, self.settings.collection, embedding_function=None)
        return str((fresh.metadata or {}).get(GENERATION, ""))

    def touch(self) -> None:
        """Record that the passages changed (after an ingest or a delete): a new ``generation``."""
        if self._collection is None and not self.exists():  # a rebuild of nothing left no collection
            return
        collection = self.collection()
        kept = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}  # fixed at creation
        self.call(collection.modify, metadata={**kept, GENERATION: uuid.uuid4().hex})

    def drop(self) -> None:
        """Delete the collection (``rag ingest --rebuild``); the data directory itself stays."""
        if self.exists():
            self.call(self.client.delete_collection, self.settings.collection)
        self._collection = None

    def call(self, fn, *args, **kwargs):
        """Run a Chroma call; its failure becomes a one-line error that says what to do."""
        try:
            return fn(*args, **kwargs)
        except STORE_ERRORS as err:
            if self.settings.chroma_host:
                raise BackendError(f"the {self.where} failed ({_first_line(err)}); check that it is"
                                   " running") from err
            raise IndexUnusableError(f"the index in {self.where} failed ({_first_line(err)}); move it"
                                     " away and run `rag ingest` again") from err


def folders(path: str) -> list[str]:
    """Every folder a stored article path is in, and the path itself: the ``under`` values that find it.
    Compared as strings, as the path is stored (a JSONL record's path is ``file:line``); none for a URL."""
    if not os.path.isabs(path):
        return []
    cuts = [i for i, char in enumerate(path) if char == os.sep]
    return sorted({path[:i] or os.sep for i in cuts} | {path})


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:200]
