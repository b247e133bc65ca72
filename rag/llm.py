"""The OpenAI backend: OpenAI itself or any OpenAI-compatible server (vLLM, Ollama, llama.cpp).

It calls the ``openai`` client directly, so the client's own retries and timeout are the only ones:
llama-index's OpenAI wrapper adds a tenacity retry on top of them (3 x 3 requests for 2 retries) and
rejects model names that OpenAI does not list, which local servers use.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai

from rag.errors import BackendError, ConfigError
from rag.settings import Settings


class OpenAIChat:
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
        self.usage: dict[str, int] = {}
        self._usage_in_stream = True

    @property
    def label(self) -> str:
        return f"{self.model} at {self.base_url}" if self.base_url else f"OpenAI {self.model}"

    def complete(self, messages: list[dict]) -> str:
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, temperature=self.settings.temperature)
        except openai.OpenAIError as err:
            raise self._error(err) from err
        if response.usage:
            self.usage = {"prompt_tokens": response.usage.prompt_tokens,
                          "completion_tokens": response.usage.completion_tokens}
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""

    def stream(self, messages: list[dict]) -> Iterator[str]:
        self.usage = {}
        try:
            chunks = self._open_stream(messages)
            for chunk in chunks:
                if getattr(chunk, "usage", None):
                    self.usage = {"prompt_tokens": chunk.usage.prompt_tokens,
                                  "completion_tokens": chunk.usage.completion_tokens}
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.OpenAIError as err:
            raise self._error(err) from err

    def _open_stream(self, messages: list[dict]):
        """A streamed completion that reports its token usage, where the server allows asking for it."""
        options = {"model": self.model, "messages": messages, "temperature": self.settings.temperature,
                   "stream": True}
        if self._usage_in_stream:
            try:
                return self.client.chat.completions.create(**options, stream_options={"include_usage": True})
            except openai.BadRequestError:
                self._usage_in_stream = False  # an older server that rejects the option: ask without it
        return self.client.chat.completions.create(**options)

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
