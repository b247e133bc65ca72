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
    page: str = ""  # "3" or "3-4" for a passage of a PDF, "" otherwise
    page_map: str = ""  # where each page begins in ``text`` ("2:0,3:410"), for the page of a quote
    first: bool = True  # the article's first passage: its text starts where the article does
    last: bool = True  # the article's last passage: its text ends where the article does

    def page_at(self, offset: int) -> str:
        """The page that the passage's character at ``offset`` is on ("" for an article without pages)."""
        page = ""
        for mark in filter(None, self.page_map.split(",")):
            number, _, begin = mark.partition(":")
            if int(begin) > offset:
                break
            page = number
        return page or self.page
