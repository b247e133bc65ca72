import os
import socket
import subprocess
import sys

import pytest


def test_import_sets_every_offline_switch_before_libraries_load():
    code = ("import os, sys; import rag; "
            "print(os.environ['ORT_DISABLE_TELEMETRY'], os.environ['ANONYMIZED_TELEMETRY'],"
            " os.environ['GRADIO_ANALYTICS_ENABLED'], os.environ['HF_HUB_OFFLINE'],"
            " 'tiktoken_cache' in os.environ['TIKTOKEN_CACHE_DIR'])")
    env = {k: v for k, v in os.environ.items() if k not in (
        "ORT_DISABLE_TELEMETRY", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED", "HF_HUB_OFFLINE",
        "TIKTOKEN_CACHE_DIR")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False", "False", "1", "True"]


def test_tiktoken_encoding_loads_from_the_bundled_cache():
    import tiktoken

    import rag  # noqa: F401

    assert tiktoken.get_encoding("cl100k_base").encode("hello world")


def test_the_guard_refuses_connections_off_this_machine(no_network):
    with pytest.raises(OSError, match="network guard"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    no_network.clear()  # the refusal above was this test's own doing
