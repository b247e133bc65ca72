"""Slow down password guessing: each failed login from a client doubles that client's next wait.

Gradio checks the password but never slows a guesser (100 wrong passwords took 0.2 s). This ASGI
middleware sits in front of Gradio's ``POST /login``: a client's attempts run one at a time, the n-th
after n-1 straight failures waits ``FIRST_DELAY * 2**(n-2)`` seconds (capped), and a success resets it.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

FIRST_DELAY = 0.1  # seconds before the attempt after one failure
MAX_DELAY = 30.0
FORGET_AFTER = 3600.0  # a client's failures are forgotten after an hour of quiet


class LoginThrottle:
    def __init__(self, app) -> None:
        self.app = app
        self.failures: dict[str, int] = defaultdict(int)
        self.last_seen: dict[str, float] = {}
        self.locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def delay(self, client: str) -> float:
        failures = self.failures.get(client, 0)
        return 0.0 if failures == 0 else min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - 1))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != "/login":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        async with self.locks[client]:
            if time.monotonic() - self.last_seen.get(client, 0.0) > FORGET_AFTER:
                self.failures.pop(client, None)
            await asyncio.sleep(self.delay(client))
            status = 500

            async def watch(message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            await self.app(scope, receive, watch)
            self.last_seen[client] = time.monotonic()
            if status < 300:
                self.failures.pop(client, None)
            else:
                self.failures[client] += 1
