"""The embedding model's two compute variants: the int8 graph derived from the shipped weights, its
cache and checksum, and the index's record of which variant built it."""

import json

import numpy as np
import pytest

from rag import Assistant, Settings
from rag.embeddings import INT8_MODEL_ID, MODEL_ID, MiniLMEmbedding, int8_graph
from rag.errors import IndexUnusableError
from rag.ingest import splitter, to_document


def real_passages(bot: Assistant) -> list[str]:
    from rag.corpus import load

    articles = load(bot.settings.corpus_dir).articles
    nodes = splitter(bot.settings, bot.embed_model).get_nodes_from_documents([to_document(a) for a in articles])
    return [n.get_content(metadata_mode="embed") for n in nodes]


def test_the_int8_graph_multiplies_in_int8_and_agrees_with_the_shipped_model(settings, tmp_path):
    import onnx

    graph = onnx.load_from_string(int8_graph(tmp_path / "models"))
    ops = [node.op_type for node in graph.graph.node]
    assert ops.count("MatMulInteger") == 36  # every weight product of the 6 layers (6 per layer)
    assert "IsNaN" not in ops and ops.count("Where") == 1  # the softmax guards dropped; the mask's Where stays
    weights = {init.name for init in graph.graph.initializer}
    fp32_products = [n for n in graph.graph.node if n.op_type == "MatMul" and set(n.input) & weights]
    assert not fp32_products  # what stays fp32 is attention's activation x activation products

    bot = Assistant(settings)
    texts = [*real_passages(bot), "How did the US vote?", "Who won the men's race at the Riverton marathon?"]
    fp32 = MiniLMEmbedding(compute="fp32").encode(texts)
    int8 = MiniLMEmbedding(compute="int8", cache_dir=tmp_path / "models").encode(texts)
    cosine = (fp32 * int8).sum(axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.98, cosine  # the 1,000-passage check: bench_int8.py
    assert not np.allclose(fp32, int8)  # truly another graph, not the shipped one under a new name


def test_the_int8_graph_is_kept_with_a_checksum_and_rebuilt_when_damaged(tmp_path, caplog):
    cache = tmp_path / "models"
    first = int8_graph(cache)
    graph = next(cache.glob("*.onnx"))
    record = json.loads(graph.with_suffix(".json").read_text())
    assert record["per_channel"] and record["weight_type"] == "QInt8" and len(record["sha256"]) == 64
    graph.write_bytes(b"not a model")
    with caplog.at_level("WARNING", logger="rag.embeddings"):
        assert int8_graph(cache) == first
    assert "checksum" in caplog.text
    assert graph.read_bytes() == first  # written anew


def test_the_index_records_its_variant_and_a_mismatch_says_how_to_use_it(settings):
    old = Assistant(settings.model_copy(update={"embed_compute": "fp32"}))
    old.ingest()
    assert old.store.collection().metadata["embed_model"] == MODEL_ID

    with pytest.raises(IndexUnusableError, match="RAG_EMBED_COMPUTE=fp32 to use it, or rebuild"):
        Assistant(settings.model_copy(update={"embed_compute": "int8"})).ask("How did the US vote?")

    auto = Assistant(settings)  # auto: an existing index keeps the variant that built it
    assert auto.embed_model.compute == "fp32"
    assert "18 countries" in auto.ask("How many countries opposed the resolution?").text

    auto.ingest(rebuild=True)  # a rebuild under auto moves it to int8
    assert auto.store.collection().metadata["embed_model"] == INT8_MODEL_ID
    again = Assistant(settings)
    assert again.embed_model.compute == "int8"
    assert "18 countries" in again.ask("How many countries opposed the resolution?").text


def test_a_new_index_is_built_with_int8_compute(settings):
    bot = Assistant(settings)
    assert bot.embed_model.compute == "int8"
    bot.ingest()
    assert bot.store.collection().metadata["embed_model"] == INT8_MODEL_ID
    assert list((settings.data_dir / "models").glob("minilm-int8-dyn-*.onnx"))


def test_an_unknown_compute_variant_is_refused():
    with pytest.raises(ValueError, match="embed_compute"):
        Settings(embed_compute="int4")
