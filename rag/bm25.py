"""The lexical index: BM25 (bm25s) over every stored passage, tokenised by ``rag.text.terms``.

bm25s is used directly rather than through llama-index's BM25Retriever, because that wrapper tokenises
with its own regex and stemmer: BM25 would then disagree with the relevance gate and the answerer on
what a word is ("U.S." vs "US", "favour" vs "favor").

The index grows without rebuilds, as a search engine's does: a *base* built from every passage (kept in
the data directory between processes: at 100k passages 0.26 s to load, 41 s to build) and a
*segment* of the passages written since. Every passage records when it was written (``written``, ms), so
seeing a change (the collection's passage count or generation mark moved, in any process) costs one
Chroma query for what was written since the base, plus a scan of ids only when passages were deleted.
The base rows a segment replaces, or that are gone, are masked. bm25s indexes are immutable, so the
segment is scored here by hand with the base's statistics; once it outgrows ``merge_at`` the base is
rebuilt from every passage (the merge) and kept for the next process.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from rag.store import WRITTEN, Store
from rag.text import terms

log = logging.getLogger(__name__)
_META = "rag-bm25.json"
SLACK_MS = 60_000  # passages written this long before a base began are read again: a write in flight
# when it read, or another machine's clock a little behind (a Chroma server shared by several hosts)


def merge_at(base_rows: int) -> int:
    """How many passages a segment may hold before the base is rebuilt: 5% of it, at least 2,000."""
    return max(2000, base_rows // 20)


@dataclass(frozen=True)
class Hit:
    """A passage BM25 found; ``metadata`` holds only what ranking needs (article, source, title, date):
    the passage itself is read from Chroma when it makes the top."""

    passage_id: str
    score: float
    metadata: dict


KEPT = ("article_id", "source", "title", "date", "date_num", WRITTEN)  # per passage, beside its id


def _tokens(text: str, meta: dict) -> list[str]:
    return terms(f"{meta.get('title', '')}\n\n{text}")  # the title counts, as it is embedded


class _Base:
    """One built bm25s index and, column by column, what it keeps of each passage: its id and ``KEPT``
    (not its text, which at 100k passages would be most of the memory and the load time)."""

    def __init__(self, bm25: bm25s.BM25, columns: dict[str, list], meta: dict) -> None:
        self.bm25 = bm25
        self.columns = columns  # "id" and each of KEPT -> one value per passage, in index order
        self.ids: list[str] = columns["id"]
        self.meta = meta  # collection, passages, generation, since, avgdl
        self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        self.written = np.array(columns[WRITTEN], dtype=np.int64)
        self.date_nums = np.array(columns["date_num"], dtype=np.int64)
        self.doc_freq = np.diff(np.asarray(bm25.scores["indptr"]))  # passages holding each vocabulary token

    def metadata(self, i: int) -> dict:
        return {key: self.columns[key][i] for key in KEPT}

    def admitted(self, admit: Callable[[dict], bool]) -> np.ndarray:
        """1.0 for each passage whose metadata ``admit`` admits. It is asked once per article (a scope is
        about articles and sources, which an article's passages share): at 100k passages, once per
        passage made a scoped search 4x slower than an unscoped one."""
        verdict: dict[str, bool] = {}
        articles = self.columns["article_id"]
        return np.array([verdict[a] if a in verdict else verdict.setdefault(a, admit(self.metadata(i)))
                         for i, a in enumerate(articles)], dtype=np.float64)


class _Segment:
    """The passages written since the base, with their postings, scored with the base's statistics."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self.date_nums = np.array([int(r["metadata"].get("date_num") or 0) for r in rows])
        self.lengths = np.zeros(len(rows))
        postings: dict[str, dict[int, int]] = {}
        for i, row in enumerate(rows):
            tokens = _tokens(row["text"], row["metadata"])
            self.lengths[i] = len(tokens)
            for token in tokens:
                postings.setdefault(token, {}).setdefault(i, 0)
                postings[token][i] += 1
        self.postings = {t: (np.fromiter(p, int), np.fromiter(p.values(), float)) for t, p in postings.items()}

    def scores(self, tokens: list[str], base: _Base, live: int) -> np.ndarray:
        """BM25 (Lucene's variant, as bm25s computes it) of each segment passage, with document frequencies
        and the mean length of base and segment together, so its scores rank beside the base's."""
        out = np.zeros(len(self.rows))
        bm25, vocab = base.bm25, base.bm25.vocab_dict
        norm = bm25.k1 * (1 - bm25.b + bm25.b * self.lengths / base.meta["avgdl"])
        for token in tokens:
            if token not in self.postings:
                continue
            where, tf = self.postings[token]
            df = len(where) + (int(base.doc_freq[vocab[token]]) if token in vocab else 0)
            idf = math.log(1 + (live - df + 0.5) / (df + 0.5))
            out[where] += idf * tf / (norm[where] + tf)
        return out


@dataclass
class _State:
    base: _Base
    segment: _Segment
    masked: np.ndarray  # 1.0 for a live base row, 0.0 for one replaced by the segment or deleted


class BM25Index:
    def __init__(self, store: Store, cache_dir: Path | None = None) -> None:
        self.store = store
        self.cache_dir = cache_dir
        self._state: _State | None = None
        self._seen: tuple[int, str] | None = None  # (passages, generation) the state reflects
        self._lock = threading.Lock()

    def search(self, query: str, top_k: int, low: int | None = None, high: int | None = None,
               admit: Callable[[dict], bool] | None = None) -> list[Hit]:
        """Passages with a positive BM25 score for ``query``, best first, dated within [low, high] and,
        with ``admit``, whose metadata it admits (a chat scoped to some articles or sources)."""
        tokens = terms(query)
        with self._lock:
            state = self._current()
        if state is None or not tokens:
            return []
        base, segment = state.base, state.segment
        mask, seg_mask = state.masked, np.ones(len(segment.rows))
        if low is not None or high is not None:
            low, high = low or 0, high or 99999999
            mask = mask * ((base.date_nums >= low) & (base.date_nums <= high))
            seg_mask = seg_mask * ((segment.date_nums >= low) & (segment.date_nums <= high))
        if admit is not None:
            mask = mask * base.admitted(admit)
            seg_mask = seg_mask * np.array([admit(r["metadata"]) for r in segment.rows])
        hits: list[Hit] = []
        if mask.any():
            ids, scores = base.bm25.retrieve([tokens], k=min(top_k, len(base.ids)), show_progress=False,
                                             weight_mask=mask.astype(np.float32), n_threads=0)
            hits += [Hit(base.ids[i], float(s), base.metadata(i)) for i, s in zip(ids[0], scores[0], strict=True)]
        if segment.rows:
            live = int(state.masked.sum()) + len(segment.rows)
            scores = segment.scores(tokens, base, live) * seg_mask
            hits += [Hit(segment.rows[i]["id"], float(scores[i]), segment.rows[i]["metadata"])
                     for i in np.argsort(-scores)[:top_k]]
        hits.sort(key=lambda h: -h.score)
        return [h for h in hits[:top_k] if h.score > 0]

    def refresh(self) -> None:
        """Take in what was written since (after an ingest: its cost is the ingest's, not the next question's)."""
        with self._lock:
            self._current()

    def _current(self) -> _State | None:
        seen = (self.store.count(), self.store.generation())  # another process may have written
        if seen != self._seen:
            self._state = self._refreshed(seen) if seen[0] else None
            self._seen = seen
        return self._state

    def _refreshed(self, seen: tuple[int, str]) -> _State:
        """The state for the collection as it is now: the same or the cached base, else a new one, with
        the segment of what was written since; a segment grown past ``merge_at`` is merged (a new base)."""
        collection = str(self.store.collection().id)
        base = self._state.base if self._state else None
        if base and base.meta["collection"] != collection:  # `--rebuild` made a new collection
            base = None
        cached = self._cached_meta()
        if cached and cached.get("collection") == collection and (base is None or cached["since"] > base.meta["since"]):
            base = self._load() or base  # a newer base that another process (or an earlier one) built
        if base is None:
            base = self._build(collection)
        state = self._with_segment(base, seen)
        if len(state.segment.rows) > merge_at(len(base.ids)):
            state = self._with_segment(self._build(collection), seen)
        return state

    def _with_segment(self, base: _Base, seen: tuple[int, str]) -> _State:
        if (base.meta["passages"], base.meta["generation"]) == seen:
            return _State(base, _Segment([]), np.ones(len(base.ids)))
        masked = np.ones(len(base.ids))
        rows = []
        for pid, text, meta in self.store.passages(["documents", "metadatas"],
                                                   where={WRITTEN: {"$gte": base.meta["since"]}}):
            at = base.row_of.get(pid)
            if at is not None and base.written[at] == int(meta.get(WRITTEN) or 0):
                continue  # the very passage the base holds (read again for the slack)
            if at is not None:
                masked[at] = 0.0
            rows.append({"id": pid, "text": text, "metadata": meta})
        if int(masked.sum()) + len(rows) != seen[0]:  # passages were deleted: find which, by their ids
            alive = {pid for pid, _, _ in self.store.passages([])}
            masked *= np.array([pid in alive for pid in base.ids])
        return _State(base, _Segment(rows), masked)

    def _build(self, collection: str) -> _Base:
        started = int(time.time() * 1000)
        seen = (self.store.count(), self.store.generation())  # read before the passages: a write during
        columns: dict[str, list] = {key: [] for key in ("id", *KEPT)}  # the read then shows as a change
        tokens = []
        for pid, text, meta in self.store.passages(include=["documents", "metadatas"]):
            columns["id"].append(pid)
            for key in KEPT:
                columns[key].append(meta.get(key) or (0 if key in ("date_num", WRITTEN) else ""))
            tokens.append(_tokens(text, meta))
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        meta = {"collection": collection, "passages": seen[0], "generation": seen[1], "since": started - SLACK_MS,
                "avgdl": float(np.mean([len(t) for t in tokens])) if tokens else 1.0}
        base = _Base(bm25, columns, meta)
        self._save(base)
        return base

    def _cached_meta(self) -> dict | None:
        try:
            return json.loads((self.cache_dir / _META).read_text()) if self.cache_dir else None
        except (OSError, ValueError):
            return None

    def _load(self) -> _Base | None:
        """The base kept in the cache directory (its score matrix memory-mapped), or None (and a
        warning) when it is damaged."""
        cache = self.cache_dir
        try:
            meta = json.loads((cache / _META).read_text())
            columns = json.loads((cache / "columns.json").read_text())
            bm25 = bm25s.BM25.load(str(cache), mmap=True)
            if not {"collection", "passages", "generation", "since", "avgdl"} <= meta.keys() \
                    or {len(v) for v in columns.values()} != {bm25.scores["num_docs"]}:
                raise ValueError("it does not match its passages")
            return _Base(bm25, columns, meta)
        except (OSError, ValueError, KeyError) as err:
            log.warning("the BM25 cache in %s is damaged (%s); rebuilding it", cache, err)
            return None

    def _save(self, base: _Base) -> None:
        cache = self.cache_dir
        if not cache:
            return
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=cache.parent))
            base.bm25.save(str(staging), show_progress=False)
            (staging / "columns.json").write_text(json.dumps(base.columns, ensure_ascii=False))
            (staging / _META).write_text(json.dumps(base.meta))
            shutil.rmtree(cache, ignore_errors=True)
            staging.rename(cache)  # all or nothing: a reader never sees half a cache
        except OSError as err:
            log.warning("could not keep the BM25 index in %s (%s); the next process rebuilds it", cache, err)
