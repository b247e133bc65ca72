"""Request and response bodies of the HTTP API (pydantic: validated in, documented at /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag import Answer, ArticleInfo, IngestReport, Source

TopK = Field(None, ge=1, le=50, description="Passages to retrieve (default: RAG_TOP_K).")
AsOf = Field(None, description="Reference date YYYY-MM-DD for time words and recency (default: today).")
DateFrom = Field("", description="Only articles dated on or after YYYY-MM-DD.")
DateTo = Field("", description="Only articles dated on or before YYYY-MM-DD.")


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    question: str
    history: list[Turn] = Field(default_factory=list, description="Earlier turns; a follow-up leans on them.")
    top_k: int | None = TopK
    date_from: str = DateFrom
    date_to: str = DateTo
    as_of: str | None = AsOf


class SourceOut(BaseModel):
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
    page: str = Field("", description="The PDF page of the quoted sentence (\"3\"), \"\" for other articles.")

    @classmethod
    def of(cls, source: Source) -> SourceOut:
        return cls(**{name: getattr(source, name) for name in cls.model_fields})


class AnswerOut(BaseModel):
    question: str
    text: str = Field(description="The answer with [n] citations.")
    short: str = ""
    sources: list[SourceOut]
    backend: str
    refused: bool
    query: str
    as_of: str
    timings: dict[str, float]
    usage: dict[str, int]
    confidence: float | None = Field(None, description="0-1: that the passages answer (the offline answerer).")
    history: list[Turn] = Field(description="Send it back as `history` to ask a follow-up.")
    retrieved: list[SourceOut]

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        data = answer.to_dict()
        data["sources"] = [SourceOut.of(s) for s in answer.sources]
        data["retrieved"] = [SourceOut.of(s) for s in answer.retrieved]
        return cls(**data)


class SearchRequest(BaseModel):
    query: str
    top_k: int | None = TopK
    date_from: str = DateFrom
    date_to: str = DateTo
    as_of: str | None = AsOf


class PassageOut(BaseModel):
    passage_id: str
    article_id: str
    title: str
    date: str
    url: str
    path: str
    source: str
    text: str
    score: float = Field(description="Cosine similarity to the query.")


class SearchResponse(BaseModel):
    query: str
    passages: list[PassageOut]


class IngestRequest(BaseModel):
    paths: list[str] = Field(min_length=1, description="Folders or files on the server, or web addresses"
                             " (article page, feed, sitemap; the address guard applies), as `rag ingest` takes.")
    rebuild: bool = Field(False, description="Drop the index first and embed everything again.")


class SkippedOut(BaseModel):
    path: str
    reason: str


class IngestResponse(BaseModel):
    summary: str
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: int
    passages_written: int
    skipped: list[SkippedOut]
    rejected: list[SkippedOut] = Field(default_factory=list, description="Uploads refused before ingest.")
    seconds: float

    @classmethod
    def of(cls, reports: list[IngestReport], rejected: list[tuple[str, str]] = ()) -> IngestResponse:
        data: dict[str, Any] = {"added": [], "updated": [], "removed": [], "unchanged": 0, "passages_written": 0,
                                "skipped": [], "seconds": 0.0}
        for report in reports:
            for key, value in report.to_dict().items():
                if key in data:
                    data[key] = data[key] + value
        summary = "; ".join(r.summary() for r in reports) or "nothing ingested"
        return cls(summary=summary, rejected=[SkippedOut(path=n, reason=r) for n, r in rejected], **data)


class ArticleOut(BaseModel):
    article_id: str
    title: str
    date: str
    url: str
    source: str
    path: str
    passages: int

    @classmethod
    def of(cls, info: ArticleInfo) -> ArticleOut:
        return cls(**{name: getattr(info, name) for name in cls.model_fields})


class Deleted(BaseModel):
    article_id: str
    passages_deleted: int


class Health(BaseModel):
    status: Literal["ok"]
    articles: int
    passages: int
    where: str
    backend: str


# --- OpenAI's chat completions -------------------------------------------------------------------

class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ...: accepted and ignored
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text; content parts other than text (images) are left out."""
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's request; sampling options are accepted and ignored. Extra knobs: top_k, dates, as_of."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[ChatMessage]
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    top_k: int | None = TopK
    date_from: str = DateFrom
    date_to: str = DateTo
    as_of: str | None = AsOf
