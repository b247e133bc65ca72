"""The assistant as an OpenAI model: ``/v1/models`` and ``/v1/chat/completions``, plain and streamed.

Any OpenAI client (or a chat UI such as Open WebUI) can use it. The messages are the conversation:
earlier turns become the history a follow-up is condensed with. The answer keeps its [n] markers; the
cited sources come back as a ``sources`` list beside ``choices`` and as a "Sources" block at the end of
the content, for a client that shows only the text.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from rag import Answer, AnswerStream, Assistant, InputError, Source
from ui.api_errors import NotFound, to_json
from ui.api_models import ChatRequest, SourceOut

MODEL_ID = "rag-articles"
SOURCES_HEADING = "\n\n**Sources**\n"


def sources_block(sources: list[Source]) -> str:
    """The cited sources as Markdown, appended to the answer's content."""
    if not sources:
        return ""
    lines = []
    for s in sources:
        meta = " · ".join(x for x in (s.date, s.location) if x)
        lines.append(f"- [{s.number}] {s.title}" + (f" ({meta})" if meta else "") + (f": “{s.quote}”" if s.quote
                                                                                    else ""))
    return SOURCES_HEADING + "\n".join(lines)


def conversation(request: ChatRequest) -> tuple[str, list[dict]]:
    """The question (the last message, a user's) and the turns before it; system messages are left out,
    and the Sources block this server appended to its own earlier answers is cut off again."""
    if not request.messages:
        raise InputError("messages is empty: send at least one user message")
    last = request.messages[-1]
    if last.role != "user":
        raise InputError(f"the last message is from '{last.role}': it must be the user's question")
    history = []
    for message in request.messages[:-1]:
        if message.role in ("user", "assistant"):
            history.append({"role": message.role, "content": message.text().split(SOURCES_HEADING)[0]})
    return last.text(), history


def usage(answer: Answer) -> dict:
    prompt, completion = answer.usage.get("prompt_tokens", 0), answer.usage.get("completion_tokens", 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def extras(answer: Answer) -> dict:
    """What an OpenAI response lacks: the sources, and whether the assistant refused."""
    return {"sources": [SourceOut.of(s).model_dump() for s in answer.sources], "refused": answer.refused,
            "query": answer.query, "as_of": answer.as_of, "backend": answer.backend}


def router(bot: Assistant, created: int | None = None) -> APIRouter:
    api = APIRouter(tags=["OpenAI-compatible"])
    created = created or int(time.time())
    model_card = {"id": MODEL_ID, "object": "model", "created": created, "owned_by": "rag-articles"}

    def check_model(name: str) -> None:
        if name != MODEL_ID:
            raise NotFound(f"the model '{name}' does not exist: this server serves '{MODEL_ID}'", "model",
                           "model_not_found")

    @api.get("/models")
    def list_models() -> dict:
        """The assistant, as the one model this server serves."""
        return {"object": "list", "data": [model_card]}

    @api.get("/models/{model}")
    def get_model(model: str) -> dict:
        check_model(model)
        return model_card

    @api.post("/chat/completions", response_model=None)
    async def chat_completions(request: ChatRequest):
        """OpenAI's chat completion; ``stream: true`` sends chat.completion.chunk events ending in [DONE]."""
        check_model(request.model)
        question, history = conversation(request)
        options = {"top_k": request.top_k, "date_from": request.date_from, "date_to": request.date_to,
                   "as_of": request.as_of}
        stream = await run_in_threadpool(bot.stream, question, history, **options)
        reply_id, now = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not request.stream:
            answer = await run_in_threadpool(_finish, stream)
            content = answer.text + sources_block(answer.sources)
            return {"id": reply_id, "object": "chat.completion", "created": now, "model": MODEL_ID,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop", "logprobs": None}],
                    "usage": usage(answer), **extras(answer)}
        pieces = iter(stream)
        first = await run_in_threadpool(next, pieces, None)  # a missing index fails here, as a status code
        include_usage = bool((request.stream_options or {}).get("include_usage"))
        events = _events(stream, pieces, first, {"id": reply_id, "object": "chat.completion.chunk",
                                                 "created": now, "model": MODEL_ID}, include_usage)
        return StreamingResponse(events, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return api


def _finish(stream: AnswerStream) -> Answer:
    for _ in stream:
        pass
    return stream.answer


def _events(stream: AnswerStream, pieces: Iterator[str], first: str | None, base: dict,
            include_usage: bool) -> Iterator[str]:
    """Server-sent events: the role, the text pieces, the Sources block, the stop (with the sources),
    usage if asked, then [DONE]. A failure mid-answer is an ``error`` event, as OpenAI sends one."""

    def chunk(delta: dict, finish: str | None = None, **more) -> str:
        body = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
                **more}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    shown = ""
    try:
        if first is not None:
            shown += first
            yield chunk({"content": first})
            for piece in pieces:
                shown += piece
                yield chunk({"content": piece})
        answer = stream.answer
        # the final text may say more than the pieces did (a refusal's note on the date filter)
        done = shown.strip()
        tail = answer.text[len(done):] if answer.text.startswith(done) else ""
        yield chunk({"content": tail + sources_block(answer.sources)})
        yield chunk({}, "stop", **extras(answer))
        if include_usage:
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage(answer)})}\n\n"
    except Exception as error:  # noqa: BLE001  (the status is sent already: the client gets an error event)
        _, body = to_json(error)
        yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"
