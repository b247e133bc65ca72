"""Who may use the server: loopback is trusted; beyond it the API wants a key and the chat a login.

The decision is made on the address the server binds, not on the client's address: behind a proxy on
the same machine every client looks like 127.0.0.1, so a bind beyond loopback checks every request.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from rag import ConfigError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_keys(raw: str | None) -> list[str]:
    """RAG_API_KEYS: comma-separated, blanks ignored."""
    return [key.strip() for key in (raw or "").split(",") if key.strip()]


def check_exposure(host: str, keys: list[str], login: tuple[str, str] | None) -> None:
    """Refuse to serve beyond loopback unless both the API and the web chat are locked."""
    if is_loopback(host):
        return
    missing = [name for name, ok in (("RAG_API_KEYS", keys), ("RAG_UI_USER and RAG_UI_PASSWORD", login)) if not ok]
    if missing:
        raise ConfigError(f"serving on {host} exposes the corpus to the network: set {' and '.join(missing)}"
                          " (or bind 127.0.0.1)")


class Unauthorized(Exception):
    """No key, or a key that is not in RAG_API_KEYS (shown as a 401)."""


class KeyCheck:
    """A FastAPI dependency: with keys configured, ``Authorization: Bearer KEY`` must carry one of them."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = [key.encode() for key in keys]

    def __call__(self, request: Request) -> None:
        if not self.keys:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise Unauthorized("this server needs an API key: send `Authorization: Bearer KEY` with a key"
                               " from RAG_API_KEYS")
        token = given.strip().encode()
        # every key is compared, in constant time, so the timing tells nothing of which one nearly matched
        if not any([hmac.compare_digest(token, key) for key in self.keys]):  # noqa: C419
            raise Unauthorized("the API key is not valid: use one from RAG_API_KEYS")
