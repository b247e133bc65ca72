"""The Assistant: condense a follow-up, retrieve, refuse or answer, verify the citations.

question (+history) -> standalone query -> top passages -> nothing relevant? refuse, cite nothing
                    -> numbered passages -> answerer (extractive, or an LLM) -> [n] checked -> Answer
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from llama_index.core.chat_engine.condense_plus_context import DEFAULT_CONDENSE_PROMPT_TEMPLATE

from rag import extractive
from rag.answer import REFUSAL, Answer, Source
from rag.citations import CitationFilter
from rag.embeddings import DIMENSION, MODEL_ID, MiniLMEmbedding
from rag.errors import InputError
from rag.ingest import IngestReport, ingest
from rag.retrieval import Passage, Retriever
from rag.settings import Settings
from rag.store import Store
from rag.text import terms

SYSTEM_PROMPT = (
    "You answer questions about a collection of news articles, using only the numbered passages"
    " you are given. Cite the passage that supports each statement with its number in square"
    " brackets, like [1] or [2][3]. Do not use anything you know from elsewhere. If the passages"
    f" do not answer the question, reply exactly: {REFUSAL}"
)
HISTORY_TURNS = 6  # messages of earlier conversation given to the LLM
# Offline, a question this short leans on the previous one ("And China?", "How many votes?"); 3 was too
# many: "What did Trump call Zelensky?" is complete on its own.
FOLLOW_UP_TERMS = 2
_FOLLOW_UP = re.compile(r"^(and|but|what about|how about|what of|also|so)\b|\b(it|its|they|them|their|"
                        r"he|she|his|her|that|this|those|these|there)\b", re.IGNORECASE)


class AnswerStream:
    """The answer in pieces as it is produced; ``answer`` holds the whole Answer once iterated."""

    def __init__(self, pieces: Generator[str, None, Answer]) -> None:
        self._pieces = pieces
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        self.answer = yield from self._pieces


class Assistant:
    """Ask questions of an article corpus; see README for the settings."""

    def __init__(self, settings: Settings | None = None, **overrides) -> None:
        self.settings = settings or Settings(**overrides)
        self.embed_model = MiniLMEmbedding(embed_batch_size=self.settings.embed_batch_size)
        self.store = Store(self.settings, MODEL_ID, DIMENSION)
        self.retriever = Retriever(self.store, self.embed_model, self.settings.retrieval,
                                   cache_dir=self.settings.data_dir / "bm25" / self.settings.collection)
        self._llm = None

    # --- ingestion -------------------------------------------------------------------------------
    def ingest(self, path: str | Path | None = None, rebuild: bool = False,
               on_progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Bring the index in line with the articles under ``path`` (default: the corpus setting)."""
        report = ingest(Path(path or self.settings.corpus_dir), self.settings, self.store,
                        self.embed_model, rebuild=rebuild, on_progress=on_progress)
        if report.changed or rebuild:
            self.retriever.invalidate()
        return report

    # --- answering -------------------------------------------------------------------------------
    @property
    def llm(self):
        if self._llm is None and self.settings.backend == "openai":
            from rag.llm import OpenAIChat

            self._llm = OpenAIChat(self.settings)
        return self._llm

    @property
    def backend(self) -> str:
        """Which answerer is active, as a person would name it."""
        return self.llm.label if self.llm else "embedded extractive (offline)"

    def ask(self, question: str, history: list[dict] | None = None, **options) -> Answer:
        stream = self.stream(question, history, **options)
        for _ in stream:
            pass
        return stream.answer

    def stream(self, question: str, history: list[dict] | None = None, top_k: int | None = None,
               date_from: str = "", date_to: str = "") -> AnswerStream:
        """Like ``ask``, but the text arrives in pieces; the checks run before the first piece."""
        question = self.check_question(question)
        history = [m for m in (history or []) if m.get("role") in ("user", "assistant")]
        return AnswerStream(self._answer(question, history, top_k or self.settings.top_k, date_from, date_to))

    def check_question(self, question: str) -> str:
        question = (question or "").strip()
        if not question:
            raise InputError("the question is empty: type a question about the articles")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InputError(f"the question is {len(question):,} characters long; the limit is"
                             f" {limit:,} (RAG_MAX_QUESTION_CHARS): shorten it")
        return question

    def _answer(self, question: str, history: list[dict], top_k: int, date_from: str,
                date_to: str) -> Generator[str, None, Answer]:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        self.store.collection()  # a missing or mismatched index fails here, with its message
        earlier = self._earlier_question(question, history)
        query = self._condense(question, history, earlier)
        timings["condense"] = time.perf_counter() - started
        passages = self.retriever.retrieve(query, top_k, date_from, date_to)
        relevant = [p for p in passages if p.score >= self.settings.min_score
                    or extractive.coverage(query, p.text) >= extractive.MIN_COVERAGE]
        timings["retrieve"] = time.perf_counter() - started - timings["condense"]

        citations = CitationFilter(len(relevant))
        pieces: list[str] = []
        usage: dict[str, int] = {}
        short = ""
        if not relevant:
            generated = iter([REFUSAL])
        elif self.llm:
            generated = self._generate(question, history, relevant)
        else:
            picks = extractive.answer(question, relevant, self.embed_model, earlier)
            short = next((span for span in (extractive.short_answer(question, p.sentence) for p in picks)
                          if span), "")
            generated = self._quotes(picks)
        first = None
        for raw in generated:
            shown = citations.feed(raw)
            if shown:
                first = first or time.perf_counter() - started
                pieces.append(shown)
                yield shown
        tail = citations.flush()
        if tail:
            pieces.append(tail)
            yield tail
        if self.llm:
            usage = dict(self.llm.usage)
        text = "".join(pieces).strip()
        refused = _is_refusal(text) or not text
        if refused and not text:
            text = REFUSAL
        sources = [] if refused else self._sources(text, relevant, citations.order)
        timings["first_piece"] = first or 0.0
        timings["total"] = time.perf_counter() - started
        return Answer(
            question=question, text=text, sources=sources, backend=self.backend, refused=refused,
            short="" if refused else short,
            query=query, timings={k: round(v, 4) for k, v in timings.items()},
            history=history + [{"role": "user", "content": question},
                               {"role": "assistant", "content": text}],
            retrieved=[_source(i, p, "") for i, p in enumerate(passages, start=1)], usage=usage)

    @staticmethod
    def _earlier_question(question: str, history: list[dict]) -> str:
        """The previous question, when this one leans on it ("And China?")."""
        users = [m["content"] for m in history if m["role"] == "user"]
        if not users:
            return ""
        if len(terms(question)) <= FOLLOW_UP_TERMS or _FOLLOW_UP.search(question):
            return users[-1]
        return ""

    def _condense(self, question: str, history: list[dict], earlier: str) -> str:
        if not history:
            return question
        if self.llm:
            chat = "\n".join(f"{m['role']}: {m['content']}" for m in history[-HISTORY_TURNS:])
            prompt = DEFAULT_CONDENSE_PROMPT_TEMPLATE.format(chat_history=chat, question=question)
            return self.llm.complete([{"role": "user", "content": prompt}]).strip() or question
        return f"{earlier} {question}" if earlier else question

    @staticmethod
    def _quotes(picks: list[extractive.Pick]) -> Iterator[str]:
        """The extractive answer, a sentence at a time, each with its citation."""
        if not picks:
            yield REFUSAL
        for i, pick in enumerate(picks):
            yield ("" if i == 0 else " ") + f"{pick.sentence} [{pick.passage}]"

    def _generate(self, question: str, history: list[dict], passages: list[Passage]) -> Iterator[str]:
        context = "\n\n".join(f"[{i}] {p.title}{' (' + p.date + ')' if p.date else ''}\n{p.text}"
                              for i, p in enumerate(passages, start=1))
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, *history[-HISTORY_TURNS:],
                    {"role": "user", "content": f"Passages:\n\n{context}\n\nQuestion: {question}"}]
        yield from self.llm.stream(messages)

    @staticmethod
    def _sources(text: str, passages: list[Passage], order: list[int]) -> list[Source]:
        """The cited passages in citation order, each quoting its sentence that backs the claim."""
        claims: dict[int, str] = {}
        end = 0
        for group in re.finditer(r"(?:\[\d+\])+", text):
            claim = text[end : group.start()]
            for number in re.findall(r"\d+", group.group()):
                claims[int(number)] = claims.get(int(number), "") + " " + claim
            end = group.end()
        return [_source(new, passages[old - 1],
                        extractive.best_sentence(passages[old - 1].text, claims.get(new, "")))
                for new, old in enumerate(order, start=1)]

def _source(number: int, passage: Passage, quote: str) -> Source:
    return Source(number=number, title=passage.title, date=passage.date, url=passage.url,
                  path=passage.path, quote=quote, passage=passage.text, score=passage.score,
                  article_id=passage.article_id, passage_id=passage.id)


def _is_refusal(text: str) -> bool:
    norm = text.lower().replace("’", "'")
    return norm.startswith(("the articles in this corpus don't cover", "the articles don't say",
                            "the passages do not", "the passages don't"))
