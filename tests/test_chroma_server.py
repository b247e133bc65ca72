"""Server mode: the same code against a real `chroma run` server on loopback."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import Assistant, Settings
from rag.errors import BackendError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, (tmp_path / "chroma.log").read_text()
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def test_ingest_and_ask_through_a_chroma_server(chroma_server, corpus_dir, tmp_path):
    settings = Settings(chroma_host="127.0.0.1", chroma_port=chroma_server, corpus_dir=corpus_dir,
                        data_dir=tmp_path / "unused", llm="extractive")
    bot = Assistant(settings)
    report = bot.ingest()
    assert len(report.added) == 5 and report.passages_written > 5
    assert not (tmp_path / "unused").exists()  # nothing was written locally
    answer = bot.ask("Who won the men's race at the Riverton marathon?")
    assert "Amos Kiprop" in answer.text and answer.sources
    again = Assistant(settings).ingest()
    assert again.unchanged == 5 and again.passages_written == 0
    assert bot.store.where == f"Chroma server 127.0.0.1:{chroma_server}"


def test_an_unreachable_chroma_server_is_a_one_line_error(tmp_path):
    settings = Settings(chroma_host="127.0.0.1", chroma_port=free_port(), llm="extractive")
    with pytest.raises(BackendError, match=r"Chroma server 127\.0\.0\.1") as info:
        Assistant(settings).ask("Anything?")
    assert "\n" not in str(info.value)
