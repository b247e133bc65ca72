"""Close every path by which a library would reach the network at run time.

Imported first by ``rag/__init__.py`` so the switches are set before chromadb, onnxruntime,
llama-index, tiktoken, nltk or gradio load. Each switch is set only when the user has not set it.
"""

import os
from importlib.util import find_spec
from pathlib import Path

_SWITCHES = {
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime: no telemetry host lookup, no event queue
    "ANONYMIZED_TELEMETRY": "False",  # chromadb: no posthog events
    "GRADIO_ANALYTICS_ENABLED": "False",  # gradio: no analytics, no version check
    "HF_HUB_OFFLINE": "1",  # huggingface_hub: never retry a hub for 80 s
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",  # tokenizers: no fork warnings in the web server
}


def _llama_index_static() -> Path | None:
    spec = find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "_static"


def apply() -> None:
    for name, value in _SWITCHES.items():
        os.environ.setdefault(name, value)
    static = _llama_index_static()
    if static is not None:
        # tiktoken downloads encodings unless pointed at llama-index's bundled cl100k/o200k files.
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(static / "tiktoken_cache"))


apply()
