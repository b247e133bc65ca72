"""Top passages for a query, through llama-index's retriever over the Chroma collection."""

from __future__ import annotations

import math
from dataclasses import dataclass

from llama_index.core import VectorStoreIndex
from llama_index.core.schema import MetadataMode
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

from rag.corpus import normalise_date
from rag.embeddings import MiniLMEmbedding
from rag.errors import InputError
from rag.store import Store


@dataclass(frozen=True)
class Passage:
    id: str
    article_id: str
    title: str
    date: str
    url: str
    path: str
    source: str
    text: str
    score: float  # cosine similarity to the query, -1..1


class Retriever:
    def __init__(self, store: Store, embed_model: MiniLMEmbedding) -> None:
        self.store = store
        self.embed_model = embed_model
        self._index = None

    def retrieve(self, query: str, top_k: int, date_from: str = "", date_to: str = "") -> list[Passage]:
        if self._index is None:
            self._index = VectorStoreIndex.from_vector_store(self.store.vector_store(),
                                                             embed_model=self.embed_model)
        retriever = self._index.as_retriever(similarity_top_k=top_k,
                                             filters=date_filters(date_from, date_to))
        return [to_passage(hit) for hit in self.store.call(retriever.retrieve, query)]


def date_filters(date_from: str, date_to: str) -> MetadataFilters | None:
    """Chroma filters on the sortable date number; articles without a date are then left out."""
    filters = []
    for value, op, name in ((date_from, FilterOperator.GTE, "from"), (date_to, FilterOperator.LTE, "to")):
        if not value:
            continue
        iso = normalise_date(value)
        if not iso:
            raise InputError(f"the date {name} '{value}' is not a date: use YYYY-MM-DD")
        filters.append(MetadataFilter(key="date_num", value=int(iso.replace("-", "")), operator=op))
    return MetadataFilters(filters=filters) if filters else None


def to_passage(hit) -> Passage:
    meta = hit.node.metadata
    # llama-index's Chroma store reports exp(-distance); with the cosine space, distance = 1 - cosine.
    cosine = 1.0 + math.log(hit.score) if hit.score and hit.score > 0 else -1.0
    return Passage(
        id=hit.node.node_id,
        article_id=str(meta.get("article_id", "")),
        title=str(meta.get("title", "")),
        date=str(meta.get("date", "")),
        url=str(meta.get("url", "")),
        path=str(meta.get("path", "")),
        source=str(meta.get("source", "")),
        text=hit.node.get_content(metadata_mode=MetadataMode.NONE),
        score=round(cosine, 4),
    )
