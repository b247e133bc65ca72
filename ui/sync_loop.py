"""Web sources kept fresh while the chat runs (`rag chat --sync-every 30m`): a daemon thread that
calls Assistant.sync at that interval and logs one line per run; a failed run waits for the next."""

from __future__ import annotations

import logging
import re
import threading

from rag import Assistant, RagError

log = logging.getLogger(__name__)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """Seconds from "90s", "30m", "2h" or "1d"; ValueError with what to write otherwise."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text.lower())
    if not found or float(found.group(1)) <= 0:
        raise ValueError(f"'{text}' is not an interval: write it as 90s, 30m, 2h or 1d")
    return float(found.group(1)) * _UNITS[found.group(2)]


class SyncLoop(threading.Thread):
    def __init__(self, bot: Assistant, seconds: float) -> None:
        super().__init__(name="rag-sync", daemon=True)
        self.bot, self.seconds = bot, seconds
        self.stopped = threading.Event()
        self.runs = 0

    def run(self) -> None:
        while not self.stopped.wait(self.seconds):
            try:
                report = self.bot.sync()
                log.warning("sync: %s", report.summary())
            except RagError as error:
                log.warning("sync failed: %s", error)
            except Exception:  # a bug in one run must not end the loop: the next run may work
                log.exception("sync failed")
            self.runs += 1

    def stop(self) -> None:
        self.stopped.set()
