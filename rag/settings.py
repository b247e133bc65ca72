"""All knobs in one pydantic-settings object (env prefix ``RAG_``, or a ``.env`` file).

It is passed explicitly to whatever needs it; nothing reads a hidden global.
"""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_TOP_K = 50


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    # Where things live
    data_dir: Path = Field(Path(".rag"), description="Directory of the persistent Chroma index.")
    corpus_dir: Path = Field(Path("corpus"), description="Corpus ingested by default.")
    collection: str = Field("articles", min_length=3, description="Chroma collection name.")
    chroma_host: str | None = Field(None, description="Use a Chroma server instead of data_dir.")
    chroma_port: int = 8000

    # Ingestion
    chunk_tokens: int = Field(254, ge=32, le=254, description="Passage size in model tokens.")
    chunk_overlap: int = Field(32, ge=0, le=128)
    embed_batch_size: int = Field(32, ge=1, le=256, description="Passages per embedding call.")
    embed_compute: Literal["auto", "int8", "fp32"] = Field(
        "auto", description="int8: MatMuls on the CPU's int8 units (about 1.5x faster, cosine 0.995 to fp32);"
        " fp32: the model as shipped; auto: what the existing index was built with, int8 for a new one.")
    embed_threads: int = Field(0, ge=0, le=256, description="CPU threads the embedding model uses; 0: one per"
                               " core (`rag ingest --workers N` gives each worker its share).")
    max_file_mb: float = Field(20.0, gt=0, description="Larger article files (and web responses) are skipped.")

    # Web sources (`rag ingest URL`, `rag sync`)
    allow_private_urls: str = Field("", description="1: fetch from this machine and private networks too;"
                                    " or the host[:port] names allowed, comma-separated. Off by default.")
    fetch_timeout: float = Field(20.0, gt=0, le=600, description="Seconds a web response may take in all.")
    requests_per_second: float = Field(1.0, gt=0, le=100, description="Requests per second to one host, at"
                                       " most (robots.txt's Crawl-delay can lower it).")
    max_pages_per_source: int = Field(200, ge=1, le=100_000, description="Pages read from one feed or sitemap.")
    obey_robots: bool = Field(True, description="Honour robots.txt.")
    user_agent: str = Field("rag-articles/0.1 (article assistant; honours robots.txt)", min_length=3)

    # Retrieval and answering
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="Passages retrieved per question.")
    retrieval: Literal["hybrid", "dense"] = Field(
        "hybrid", description="hybrid: vector search fused with BM25 (names, rare words); dense: vectors only.")
    candidates: int = Field(30, ge=1, le=200, description="How deep the dense and BM25 rankings are read"
                            " before they are fused (at least top_k).")
    feedback: int = Field(5, ge=0, le=50, description="Top passages of the first fusion that the query vector"
                          " is moved toward before the vector search runs again (pseudo-relevance feedback; 0:"
                          " off, one vector search less, about 10 ms at 37.5k passages).")
    recency_days: int = Field(7, ge=0, le=3650, description="Articles dated this many days before the"
                              " reference date (or after it) count as current.")
    recency_weight: float = Field(2.0, ge=0, le=10, description="Weight of the nearness-in-time ranking in"
                                  " the fusion when the question names no date (0: off).")
    date_cue_weight: float = Field(2.0, ge=0, le=10, description="Weight of the ranking by nearness to the"
                                   " dates a question names ('this week', 'in June').")
    min_score: float = Field(
        0.15, ge=-1, le=1,
        description="Cosine below which a passage counts as irrelevant, unless it holds half the"
        " question's words (names embed poorly: 'Who is Dorothy Shea?' scores 0.02 on its passage).",
    )
    max_question_chars: int = Field(2000, ge=10)
    llm: Literal["auto", "extractive", "openai"] = Field(
        "auto", description="auto: openai when a key or base URL is set, else extractive."
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("RAG_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("RAG_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    openai_model: str = "gpt-4o-mini"
    llm_timeout: float = Field(60.0, gt=0, description="Seconds per LLM request.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries of the openai client.")
    llm_max_tokens: int = Field(800, ge=16, le=32_768, description="Longest answer the LLM may write, in"
                                " tokens: a small model that loops would otherwise write until its context is full.")
    temperature: float = 0.0

    @property
    def backend(self) -> Literal["extractive", "openai"]:
        """The answering backend these settings select."""
        if self.llm != "auto":
            return self.llm
        return "openai" if (self.openai_api_key or self.openai_base_url) else "extractive"
