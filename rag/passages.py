"""A retrieved passage: what retrieval hands the answerers (which know nothing of Chroma)."""

from __future__ import annotations

from dataclasses import dataclass


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
