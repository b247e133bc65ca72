"""The lexical index: BM25 (bm25s) over every stored passage, tokenised by ``rag.text.terms``.

bm25s is used directly rather than through llama-index's BM25Retriever, because that wrapper tokenises
with its own regex and stemmer: BM25 would then disagree with the relevance gate and the answerer on
what a word is ("U.S." vs "US", "favour" vs "favor"). The index is kept in the data directory between
processes (37,545 passages: seconds to load, far longer to build) and rebuilt when the collection's
passage count or generation (a mark every ingest or delete sets, in any process) changes, or an ingest
invalidates it.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from rag.store import Store
from rag.text import terms

log = logging.getLogger(__name__)
_META = "rag-bm25.json"


@dataclass(frozen=True)
class Hit:
    passage_id: str
    score: float
    metadata: dict
    text: str


class _Index:
    """One built BM25 index and, row by row, the passages it was built from."""

    def __init__(self, bm25: bm25s.BM25, rows: list[dict]) -> None:
        self.bm25 = bm25
        self.rows = rows  # {"id", "text", "metadata"} per passage, in index order
        self.date_nums = np.array([int(r["metadata"].get("date_num") or 0) for r in rows])


class BM25Index:
    def __init__(self, store: Store, cache_dir: Path | None = None) -> None:
        self.store = store
        self.cache_dir = cache_dir
        self._index: _Index | None = None
        self._count: tuple[int, str] | None = None  # (passages, generation) the index was built from
        self._lock = threading.Lock()

    def search(self, query: str, top_k: int, low: int | None = None, high: int | None = None,
               admit: Callable[[dict], bool] | None = None) -> list[Hit]:
        """Passages with a positive BM25 score for ``query``, best first, dated within [low, high] and,
        with ``admit``, whose metadata it admits (a chat scoped to some articles or sources)."""
        tokens = terms(query)
        with self._lock:
            count = (self.store.count(), self.store.generation())  # another process may have written
            if count != self._count:
                self._index = self._load(count) if count[0] else None
                self._count = count
            index = self._index
        if index is None or not tokens:
            return []
        mask = None
        if low is not None or high is not None:
            mask = ((index.date_nums >= (low or 0)) & (index.date_nums <= (high or 99999999))).astype(np.float32)
        if admit is not None:
            admitted = np.array([admit(r["metadata"]) for r in index.rows], dtype=np.float32)
            mask = admitted if mask is None else mask * admitted
        if mask is not None and not mask.any():
            return []
        k = min(top_k, len(index.rows))
        ids, scores = index.bm25.retrieve([tokens], k=k, show_progress=False, weight_mask=mask, n_threads=0)
        return [Hit(index.rows[i]["id"], float(s), index.rows[i]["metadata"], index.rows[i]["text"])
                for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

    def invalidate(self) -> None:
        """Forget the index (after an ingest: an edited article may keep its passage count)."""
        with self._lock:
            self._index, self._count = None, None
            if self.cache_dir:
                shutil.rmtree(self.cache_dir, ignore_errors=True)

    def _load(self, count: tuple[int, str]) -> _Index:
        """The cached index when it was built from a collection of this size and generation, else a new one."""
        cache = self.cache_dir
        if cache and (cache / _META).exists():
            try:
                meta = json.loads((cache / _META).read_text())
                if (meta.get("passages"), meta.get("generation", "")) == count:
                    rows = json.loads((cache / "rows.json").read_text())
                    return _Index(bm25s.BM25.load(str(cache)), rows)
            except (OSError, ValueError, KeyError) as err:
                log.warning("the BM25 cache in %s is damaged (%s); rebuilding it", cache, err)
        index = self._build()
        if cache:
            self._save(index, count)
        return index

    def _build(self) -> _Index:
        rows, tokens = [], []
        for pid, text, meta in self.store.passages(include=["documents", "metadatas"]):
            rows.append({"id": pid, "text": text, "metadata": meta})
            tokens.append(terms(f"{meta.get('title', '')}\n\n{text}"))  # the title counts, as it is embedded
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return _Index(bm25, rows)

    def _save(self, index: _Index, count: tuple[int, str]) -> None:
        cache = self.cache_dir
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=cache.parent))
            index.bm25.save(str(staging), show_progress=False)
            (staging / "rows.json").write_text(json.dumps(index.rows, ensure_ascii=False))
            (staging / _META).write_text(json.dumps({"passages": count[0], "generation": count[1]}))
            shutil.rmtree(cache, ignore_errors=True)
            staging.rename(cache)  # all or nothing: a reader never sees half a cache
        except OSError as err:
            log.warning("could not keep the BM25 index in %s (%s); the next process rebuilds it", cache, err)
