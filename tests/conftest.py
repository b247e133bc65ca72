"""Fixtures: a small temporary corpus (the sample article plus four short ones in every format), an
index built from it once per session, and a guard that fails any connection off this machine."""

from __future__ import annotations

import ipaddress
import shutil
import socket
from pathlib import Path

import pytest

import rag
from rag import Assistant, Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "corpus"

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo
blocked: list[str] = []


def _is_local(host: str) -> bool:
    if host in ("localhost", "") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(sock, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(str(host)):
        blocked.append(str(address))
        raise OSError(f"test network guard: connection to {address} refused (the suite runs offline)")
    return _real_connect(sock, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not _is_local(str(host.decode() if isinstance(host, bytes) else host)):
        blocked.append(str(host))
        raise socket.gaierror(f"test network guard: lookup of {host} refused (the suite runs offline)")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def no_network():
    """Every test runs with the network unplugged: a lookup or connection off loopback fails."""
    socket.socket.connect = _guarded_connect
    socket.getaddrinfo = _guarded_getaddrinfo
    yield blocked
    socket.socket.connect = _real_connect
    socket.getaddrinfo = _real_getaddrinfo
    assert not blocked, f"something tried to reach the network: {blocked}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No developer's key, server or RAG_* setting leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("RAG_") or name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)
    rag._default = None


def make_corpus(target: Path) -> Path:
    """The sample article (from corpus/) and the fixture articles, copied to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "corpus" / "trump-alliance-betrayal.md", target)
    for path in FIXTURES.iterdir():
        shutil.copy(path, target)
    return target


@pytest.fixture
def stub():
    """A local OpenAI-compatible server (tests/openai_stub.py), stopped after the test."""
    from tests.openai_stub import StubLLM

    server = StubLLM()
    yield server
    server.stop()


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    return make_corpus(tmp_path / "corpus")


@pytest.fixture
def settings(tmp_path, corpus_dir) -> Settings:
    return Settings(data_dir=tmp_path / "index", corpus_dir=corpus_dir, llm="extractive")


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Assistant:
    """An assistant over the fixture corpus, ingested once; tests must not change it."""
    base = tmp_path_factory.mktemp("built")
    corpus = make_corpus(base / "corpus")
    bot = Assistant(Settings(data_dir=base / "index", corpus_dir=corpus, llm="extractive"))
    report = bot.ingest()
    assert len(report.added) == 5 and not report.skipped, report.summary()
    return bot
