"""A small OpenAI-compatible chat server on 127.0.0.1, so the real ``openai`` client is exercised.

It answers like a careful model: it cites the passage that holds the asked-for fact by its number
in the prompt, and adds one bogus citation to check that unknown numbers are removed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubLLM:
    def __init__(self) -> None:
        # answer | refuse | 401 | 429 | 500 | slow | badjson | html | badstream | cut | die | bogus
        self.mode = "answer"
        self.requests: list[dict] = []
        self.condensed = "What did China do in the UNGA vote?"
        self.fact = "4.5 percent"
        self.delay = 0.0  # seconds between streamed pieces, to watch an answer stream in
        self.accepts_stream_options = True  # False: behave like an older server that rejects them
        self.pause_after = 0  # > 0: a streamed answer waits after this many words until ``resume`` is set
        self.resume = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                stub.handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda *args: None  # a client that gave up (timeout test) is expected
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply_text(self, body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        if prompt.startswith("You grade one answer"):  # the evaluation's judge
            return 'Grades: {"faithful": 1, "correct": 0}'
        if "Passages:" not in prompt:  # the condense request
            return self.condensed
        if self.mode == "refuse":
            return "The articles in this corpus don't cover that."
        if self.mode == "bogus":  # cites only passages it was never given
            return "The rate rose [9], said the bank [12]."
        numbers = [int(n) for n, text in re.findall(r"^\[(\d+)\] (.*?)(?=^\[\d+\] |\Z)", prompt, re.M | re.S)
                   if self.fact in text]
        cite = f"[{numbers[0]}]" if numbers else ""
        return f"The central bank raised its rate to {self.fact} {cite}, its third increase [42] this year."

    def handle(self, request: BaseHTTPRequestHandler, body: dict) -> None:
        if self.mode in ("401", "429", "500"):
            status = int(self.mode)
            send_json(request, status, {"error": {"message": f"stub error {status}", "type": "stub"}})
            return
        if self.mode == "slow":
            time.sleep(3)
        if self.mode in ("badjson", "html"):  # a 200 that is not a chat completion (a proxy, a wrong URL)
            body_text = '{"id": "x", "choices": [{"mess' if self.mode == "badjson" else "<html><body>Welcome</body>"
            kind = "application/json" if self.mode == "badjson" else "text/html"
            send_raw(request, 200, body_text.encode(), kind)
            return
        if self.mode == "badstream" and body.get("stream"):
            send_raw(request, 200, b"data: {not json at all\n\ndata: [DONE]\n\n", "text/event-stream")
            return
        if body.get("stream_options") and not self.accepts_stream_options:
            send_json(request, 400, {"error": {"message": "unknown field stream_options"}})
            return
        text = self.reply_text(body)
        base = {"id": "stub-1", "created": 0, "model": body["model"]}
        if not body.get("stream"):
            send_json(request, 200, {**base, "object": "chat.completion", "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59}})
            return
        request.send_response(200)
        request.send_header("Content-Type", "text/event-stream")
        if self.mode == "die":  # a body promised but never finished: what a killed server leaves
            request.send_header("Content-Length", "1000000")
        request.end_headers()
        for count, piece in enumerate(re.findall(r"\S+\s*|\s+", text)):  # word by word, "[2]" apart
            if self.mode in ("cut", "die") and count == 3:  # the connection drops mid-answer
                request.wfile.flush()
                request.close_connection = True
                return
            chunk = {**base, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            request.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            request.wfile.flush()
            time.sleep(self.delay)
            if self.pause_after and count + 1 == self.pause_after:
                self.resume.wait(timeout=60)
        done = {**base, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        request.wfile.write(f"data: {json.dumps(done)}\n\n".encode())
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {**base, "object": "chat.completion.chunk", "choices": [],
                     "usage": {"prompt_tokens": 120, "completion_tokens": len(text.split()), "total_tokens": 0}}
            request.wfile.write(f"data: {json.dumps(usage)}\n\n".encode())
        request.wfile.write(b"data: [DONE]\n\n")


def send_json(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
    send_raw(request, status, json.dumps(body).encode(), "application/json")


def send_raw(request: BaseHTTPRequestHandler, status: int, payload: bytes, kind: str) -> None:
    request.send_response(status)
    request.send_header("Content-Type", kind)
    request.send_header("retry-after-ms", "10")  # keep the client's retries quick
    if status == 429:
        request.send_header("Retry-After", "0")
    request.send_header("Content-Length", str(len(payload)))
    request.end_headers()
    request.wfile.write(payload)
