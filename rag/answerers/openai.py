"""The OpenAI backend: OpenAI itself or any OpenAI-compatible server (vLLM, Ollama, llama.cpp).

It calls the ``openai`` client directly, so the client's own retries and timeout are the only ones:
llama-index's OpenAI wrapper adds a tenacity retry on top of them (3 x 3 requests for 2 retries) and
rejects model names that OpenAI does not list, which local servers use.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import openai
from llama_index.core.chat_engine.condense_plus_context import DEFAULT_CONDENSE_PROMPT_TEMPLATE

from rag.answer import REFUSAL
from rag.answerers.base import Reply
from rag.errors import BackendError, ConfigError
from rag.passages import Passage
from rag.settings import Settings

SYSTEM_PROMPT = (
    "You answer questions about a collection of news articles, using only the numbered passages"
    " you are given. Cite the passage that supports each statement with its number in square"
    " brackets, like [1] or [2][3]. Do not use anything you know from elsewhere. If the passages"
    f" do not answer the question, reply exactly: {REFUSAL}"
)
HISTORY_TURNS = 6  # messages of earlier conversation given to the LLM
CHOICE_PASSAGES = 5  # passages the model reads to pick a multiple-choice answer
# What a broken server or a cut connection raises inside the client, besides its own errors.
_GARBAGE = (ValueError, httpx.HTTPError)


def context(passages: list[Passage]) -> str:
    """The passages as the model sees them: numbered, with title and date."""
    return "\n\n".join(f"[{i}] {p.title}{' (' + p.date + ')' if p.date else ''}\n{p.text}"
                       for i, p in enumerate(passages, start=1))


def asked_on(day: dt.date | None) -> str:
    """The day the question is asked on, as the model reads it: the passages are dated, and "this week",
    "yesterday" or "the latest" mean nothing to it otherwise."""
    day = day or dt.date.today()
    return f"Today is {day.strftime('%A')}, {day.isoformat()}.\n"


def plain(history: list[dict]) -> list[dict]:
    """The conversation as chat messages (only role and content: servers reject unknown fields)."""
    return [{"role": m["role"], "content": m["content"]} for m in history[-HISTORY_TURNS:]]


class OpenAIAnswerer:
    def __init__(self, settings: Settings) -> None:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        if not key and not settings.openai_base_url:
            raise ConfigError("the openai backend needs OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL"
                              " (a compatible server); unset RAG_LLM to answer offline")
        self.settings = settings
        self.model = settings.openai_model
        self.base_url = settings.openai_base_url
        self.client = openai.OpenAI(
            api_key=key or "no-key-needed",  # local servers ignore it; the client insists on one
            base_url=settings.openai_base_url or None,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
        )
        self._usage_in_stream = True  # a property of the server, learnt once; never per-request state

    @property
    def label(self) -> str:
        return f"{self.model} at {self.base_url}" if self.base_url else f"OpenAI {self.model}"

    # --- the Answerer protocol -------------------------------------------------------------------
    def condense(self, question: str, history: list[dict]) -> str:
        if not history:
            return question
        chat = "\n".join(f"{m['role']}: {m['content']}" for m in history[-HISTORY_TURNS:])
        prompt = DEFAULT_CONDENSE_PROMPT_TEMPLATE.format(chat_history=chat, question=question)
        return self.complete([{"role": "user", "content": prompt}]).strip() or question

    def reply(self, question: str, query: str, history: list[dict], passages: list[Passage],
              as_of: dt.date | None = None) -> Reply:
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, *plain(history),
                    {"role": "user", "content": f"Passages:\n\n{context(passages)}\n\n{asked_on(as_of)}"
                                                f"Question: {question}"}]
        reply = Reply(pieces=[])
        reply.pieces = self._stream(messages, reply)
        return reply

    def choose(self, question: str, choices: list[str], passages: list[Passage]) -> int | None:
        letters = "ABCDEFGHIJ"[: len(choices)]
        options = "\n".join(f"{letter}. {choice}" for letter, choice in zip(letters, choices, strict=False))
        prompt = (f"Passages:\n\n{context(passages[:CHOICE_PASSAGES])}\n\nQuestion: {question}\n{options}\n\n"
                  "Using the passages, answer with the letter of the right choice only.")
        match = re.search(rf"\b([{letters}])\b", self.complete([{"role": "user", "content": prompt}]).upper())
        return letters.index(match.group(1)) if match else None

    # --- the model -------------------------------------------------------------------------------
    def complete(self, messages: list[dict]) -> str:
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, temperature=self.settings.temperature,
                max_tokens=self.settings.llm_max_tokens)
            content = response.choices[0].message.content if response.choices else None
        except openai.OpenAIError as err:
            raise self._error(err) from err
        except (*_GARBAGE, AttributeError, TypeError) as err:  # a body that is not a chat completion
            raise self._garbage(err) from err
        if not isinstance(content, str):
            raise self._garbage(None)
        return content

    def _stream(self, messages: list[dict], reply: Reply) -> Iterator[str]:
        chunks = finished = 0
        try:
            for chunk in self._open_stream(messages):
                chunks += 1
                if getattr(chunk, "usage", None):
                    reply.usage = {"prompt_tokens": chunk.usage.prompt_tokens,
                                   "completion_tokens": chunk.usage.completion_tokens}
                if chunk.choices:
                    finished += chunk.choices[0].finish_reason is not None
                    if chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        except openai.OpenAIError as err:
            raise self._error(err) from err
        except httpx.TransportError as err:
            if chunks:  # the connection dropped after the answer began: the server died or was stopped
                raise self._cut() from err
            raise self._garbage(err) from err
        except (*_GARBAGE, AttributeError, TypeError) as err:
            raise self._garbage(err) from err
        if not chunks:
            raise self._garbage(None)
        if not finished:
            raise self._cut()

    def _cut(self) -> BackendError:
        return BackendError(f"the LLM server ({self.base_url or 'OpenAI'}) stopped in the middle of its"
                            " answer: try again, or check the server's log")

    def _open_stream(self, messages: list[dict]):
        """A streamed completion that reports its token usage, where the server allows asking for it."""
        options = {"model": self.model, "messages": messages, "temperature": self.settings.temperature,
                   "max_tokens": self.settings.llm_max_tokens, "stream": True}
        if self._usage_in_stream:
            try:
                return self.client.chat.completions.create(**options, stream_options={"include_usage": True})
            except openai.BadRequestError:
                self._usage_in_stream = False  # an older server that rejects the option: ask without it
        return self.client.chat.completions.create(**options)

    def _garbage(self, err: Exception | None) -> BackendError:
        what = f" ({type(err).__name__})" if err else ""
        return BackendError(f"the LLM server ({self.base_url or 'OpenAI'}) answered with something that is"
                            f" not an OpenAI chat completion{what}: check OPENAI_BASE_URL points at its /v1")

    def _error(self, err: openai.OpenAIError) -> BackendError:
        where = self.base_url or "OpenAI"
        tries = f"after {self.settings.llm_max_retries + 1} attempts"
        if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
            return BackendError(f"the LLM server ({where}) rejected the API key"
                                f" ({err.status_code}): check OPENAI_API_KEY")
        if isinstance(err, openai.RateLimitError):
            return BackendError(f"the LLM server ({where}) is rate-limiting requests (429) {tries}:"
                                " wait a minute or raise RAG_LLM_MAX_RETRIES")
        if isinstance(err, openai.APITimeoutError):
            return BackendError(f"the LLM server ({where}) did not answer within"
                                f" {self.settings.llm_timeout:g} s {tries}: check that it is up,"
                                " or raise RAG_LLM_TIMEOUT")
        if isinstance(err, openai.APIConnectionError):
            return BackendError(f"cannot connect to the LLM server ({where}) {tries}: check"
                                " OPENAI_BASE_URL and that the server runs")
        if isinstance(err, openai.NotFoundError):
            return BackendError(f"the LLM server ({where}) has no model '{self.model}' (404):"
                                " set RAG_OPENAI_MODEL to one it serves")
        if isinstance(err, openai.APIStatusError):
            return BackendError(f"the LLM server ({where}) failed with HTTP {err.status_code} {tries}:"
                                " try again later or check the server's log")
        return BackendError(f"the LLM request failed ({type(err).__name__}): {str(err)[:200]}")
