"""What the assistant returns: an Answer with its text, cited Sources, backend and timings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

REFUSAL = "The articles in this corpus don't cover that."


@dataclass
class Source:
    """A cited passage. ``quote`` is the sentence of ``passage`` that backs the citation."""

    number: int
    title: str
    date: str
    url: str
    path: str
    quote: str
    passage: str
    score: float
    article_id: str
    passage_id: str
    page: str = ""  # the PDF page(s) the passage is on ("3", "3-4"), "" when the article has no pages

    @property
    def location(self) -> str:
        """The link a user can follow: the URL, else the file path."""
        return self.url or self.path


@dataclass
class Answer:
    question: str
    text: str
    sources: list[Source]
    backend: str
    refused: bool = False
    short: str = ""  # the answer in a few words ("18 countries"), when the backend can tell it
    query: str = ""  # the standalone query that was retrieved with (after condensing a follow-up)
    as_of: str = ""  # the reference date (ISO) the question's time words were read against
    timings: dict[str, float] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    retrieved: list[Source] = field(default_factory=list)  # every passage given to the answerer
    usage: dict[str, int] = field(default_factory=dict)  # LLM token counts, when the server tells
    confidence: float | None = None  # 0-1: that the passages answer (the offline answerer's calibrated score)

    def to_dict(self) -> dict:
        return asdict(self)
