import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from rag import Assistant, Settings
from rag.errors import IndexMissingError, IndexUnusableError, InputError
from rag.store import FOLDERS, FOLDERS_KEPT, Store


def passages_by_article(bot: Assistant) -> dict[str, list[str]]:
    got = bot.store.collection().get(include=["metadatas"])
    out: dict[str, list[str]] = {}
    for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
        out.setdefault(meta["title"], []).append(pid)
    return out


def count_embeddings(monkeypatch) -> list[int]:
    """Records every batch the embedding model is asked to embed from now on."""
    from rag.embeddings import MiniLMEmbedding

    calls: list[int] = []
    real = MiniLMEmbedding.encode
    monkeypatch.setattr(MiniLMEmbedding, "encode",
                        lambda self, texts: calls.append(len(texts)) or real(self, texts))
    return calls


def test_reingest_of_an_unchanged_corpus_embeds_and_writes_nothing(settings, monkeypatch):
    bot = Assistant(settings)
    first = bot.ingest()
    assert len(first.added) == 5 and first.passages_written == bot.store.count() >= 5
    again = Assistant(settings)  # a new process would start like this
    calls = count_embeddings(monkeypatch)
    second = again.ingest()
    assert (second.added, second.updated, second.removed, second.unchanged) == ([], [], [], 5)
    assert second.passages_written == 0 and calls == []
    assert again.store.count() == first.passages_written


def test_an_edited_article_replaces_its_passages_and_a_deleted_one_disappears(settings):
    bot = Assistant(settings)
    bot.ingest()
    before = passages_by_article(bot)
    bananas = settings.corpus_dir / "ecuador-bananas.txt"
    bananas.write_text(bananas.read_text() + "\nExporters expect 7 million tonnes in 2024.\n")
    (settings.corpus_dir / "mars-rover.html").unlink()

    report = bot.ingest()
    assert report.updated == ["Ecuador's banana exports rise despite shipping costs"]
    assert len(report.removed) == 1 and report.removed[0].endswith("mars-rover.html")
    assert report.unchanged == 3
    after = passages_by_article(bot)
    assert "Rover finds organic molecules in Jezero crater" not in after
    ids = [pid for pids in after.values() for pid in pids]
    assert len(ids) == len(set(ids)) == bot.store.count()  # never a duplicate passage
    assert after["Ecuador's banana exports rise despite shipping costs"] == \
        before["Ecuador's banana exports rise despite shipping costs"]  # same ids, new content
    answer = bot.ask("How many tonnes do exporters expect in 2024?")
    assert "7 million tonnes" in answer.text


def test_ingesting_one_file_leaves_the_other_articles_alone(settings, tmp_path):
    bot = Assistant(settings)
    bot.ingest()
    extra = tmp_path / "elsewhere" / "harbour.md"
    extra.parent.mkdir()
    extra.write_text("---\ntitle: Harbour reopens\ndate: 2024-05-02\n---\nThe old harbour reopened after repairs.")
    report = bot.ingest(extra)
    assert len(report.added) == 1 and report.removed == []
    assert len(passages_by_article(bot)) == 6


def test_an_ingest_of_a_folder_reads_only_that_folder_and_removes_only_what_left_it(settings, monkeypatch):
    bot = Assistant(settings)
    bot.ingest()
    for name in ("news", "news-extra", "news/world"):
        (settings.corpus_dir / name).mkdir()
    (settings.corpus_dir / "news" / "strike.md").write_text("# Dockers strike\nDockers walked out on Monday.\n")
    (settings.corpus_dir / "news" / "world" / "vote.md").write_text("# Council votes\nThe council voted 9 to 4.\n")
    (settings.corpus_dir / "news-extra" / "fair.md").write_text("# Book fair opens\nThe fair drew 40,000 people.\n")
    bot.ingest()
    (settings.corpus_dir / "news" / "world" / "vote.md").unlink()

    # what is compared comes from Chroma's folder query, not from a listing of every article in the index
    monkeypatch.setattr(Store, "first_passages", lambda self: pytest.fail("listed the whole index"))
    report = bot.ingest(settings.corpus_dir / "news")
    assert report.unchanged == 1 and report.added == []
    assert len(report.removed) == 1 and report.removed[0].endswith("vote.md")
    monkeypatch.undo()
    titles = set(passages_by_article(bot))
    assert "Book fair opens" in titles and "Dockers strike" in titles  # "news-extra" is not under "news"
    assert "Council votes" not in titles and len(titles) == 7


def test_an_index_made_before_folders_were_kept_still_loses_what_left_and_is_upgraded(settings):
    bot = Assistant(settings)
    bot.ingest()
    collection = bot.store.collection()
    firsts = collection.get(where={"chunk": 0}, include=["metadatas"])
    collection.update(ids=firsts["ids"], metadatas=[{FOLDERS: None} for _ in firsts["ids"]])  # None deletes
    collection.modify(metadata={k: v for k, v in collection.metadata.items()
                                if k != FOLDERS_KEPT and not k.startswith("hnsw:")})
    assert all(FOLDERS not in m for m in collection.get(where={"chunk": 0}, include=["metadatas"])["metadatas"])
    (settings.corpus_dir / "mars-rover.html").unlink()

    old = Assistant(settings)
    report = old.ingest()
    assert len(report.removed) == 1 and report.removed[0].endswith("mars-rover.html")
    assert report.unchanged == 4
    collection = old.store.collection()
    assert collection.metadata.get(FOLDERS_KEPT)
    kept = collection.get(where={"chunk": 0}, include=["metadatas"])["metadatas"]
    assert kept and all(str(settings.corpus_dir.resolve()) in m[FOLDERS] for m in kept)


def test_a_bad_file_is_reported_and_nothing_already_indexed_is_lost(settings):
    bot = Assistant(settings)
    bot.ingest()
    count = bot.store.count()
    (settings.corpus_dir / "broken.md").write_text("---\ntitle: [oops\n---\nText")
    (settings.corpus_dir / "latin1.txt").write_bytes("Caf\xe9\nCaf\xe9 text".encode("latin-1"))
    report = bot.ingest()
    assert sorted(Path(s.path).name for s in report.skipped) == ["broken.md", "latin1.txt"]
    assert report.unchanged == 5 and bot.store.count() == count


def interrupted_at(n: int, real_groups):
    """``_groups`` as a Ctrl-C before its group ``n`` leaves it."""

    def groups(articles):
        for i, group in enumerate(real_groups(articles)):
            if i == n:
                raise KeyboardInterrupt
            yield group

    return groups


def test_an_interrupted_write_is_healed_by_the_next_run(settings, monkeypatch):
    bot = Assistant(settings)
    from rag import ingest as ingest_module

    real_groups = ingest_module._groups
    monkeypatch.setattr(ingest_module, "GROUP_CHARS", 1)  # one article per write

    monkeypatch.setattr(ingest_module, "_groups", interrupted_at(2, real_groups))
    report = bot.ingest()
    assert report.interrupted and len(report.added) == 2
    monkeypatch.setattr(ingest_module, "_groups", real_groups)
    report = bot.ingest()
    assert len(report.added) == 3 and report.unchanged == 2
    ids = [pid for pids in passages_by_article(bot).values() for pid in pids]
    assert len(ids) == len(set(ids))


def test_writes_are_batched_and_an_interrupt_still_writes_what_was_embedded(settings, monkeypatch):
    """Chroma's add costs nearly twice as much in calls of 32 passages as in calls of 256, so several
    groups go in one call; an interrupted run still writes the groups it had embedded."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag import ingest as ingest_module

    bot = Assistant(settings)
    real_groups, real_add = ingest_module._groups, ChromaVectorStore.add
    monkeypatch.setattr(ingest_module, "GROUP_CHARS", 1)  # one article per group
    monkeypatch.setattr(ingest_module, "WRITE_PASSAGES", 10_000)  # ... and all of them in one write
    calls = []

    def add(self, nodes, **kwargs):
        calls.append(len({n.metadata["article_id"] for n in nodes}))
        return real_add(self, nodes, **kwargs)

    monkeypatch.setattr(ChromaVectorStore, "add", add)
    monkeypatch.setattr(ingest_module, "_groups", interrupted_at(3, real_groups))
    report = bot.ingest()
    assert report.interrupted and len(report.added) == 3 and calls == [3]
    assert len(passages_by_article(bot)) == 3 and bot.store.count() == report.passages_written
    monkeypatch.setattr(ingest_module, "_groups", real_groups)
    report = bot.ingest()
    assert len(report.added) == 2 and report.unchanged == 3 and calls == [3, 2]


def test_rebuild_embeds_everything_again(settings):
    bot = Assistant(settings)
    first = bot.ingest()
    report = bot.ingest(rebuild=True)
    assert len(report.added) == 5 and report.passages_written == first.passages_written
    assert bot.store.count() == first.passages_written


def test_passages_fit_the_embedding_model_and_carry_their_metadata(built):
    got = built.store.collection().get(include=["metadatas", "documents"])
    tokens = built.embed_model.tokenizer
    for text, meta in zip(got["documents"], got["metadatas"], strict=True):
        assert len(tokens.ids(f"title: {meta['title']}\n\n{text}")) + 2 <= 256  # nothing truncated
        assert meta["content_hash"] and meta["article_id"] and meta["passages"] >= 1
    dated = [m for m in got["metadatas"] if m["title"].startswith("Central bank")]
    assert dated[0]["date"] == "2024-03-01" and dated[0]["date_num"] == 20240301


def test_an_index_built_with_another_model_is_refused_with_how_to_rebuild(settings):
    Assistant(settings).ingest()
    other = Assistant(settings)
    other.store.model_id = "another-model"
    with pytest.raises(IndexUnusableError, match="rag ingest --rebuild"):
        other.ask("How did the US vote?")


def test_a_missing_index_says_to_run_ingest(settings):
    with pytest.raises(IndexMissingError, match="rag ingest"):
        Assistant(settings).ask("How did the US vote?")
    assert not settings.data_dir.exists()  # asking did not leave an empty index behind


def test_a_corrupt_index_says_what_to_do(settings):
    settings.data_dir.mkdir()
    (settings.data_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexUnusableError, match="move it away"):
        Assistant(settings).ask("How did the US vote?")


def test_a_missing_corpus_path_is_a_clear_error(settings, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        Assistant(settings).ingest(tmp_path / "nope")


def test_the_sample_corpus_ingests_from_the_repository(tmp_path):
    root = Path(__file__).resolve().parent.parent
    corpus = shutil.copytree(root / "corpus", tmp_path / "corpus")
    bot = Assistant(Settings(data_dir=tmp_path / "index", corpus_dir=corpus, llm="extractive"))
    report = bot.ingest()
    assert len(report.added) == 1 and report.passages_written >= 4 and not report.skipped


def test_a_damaged_bm25_cache_is_rebuilt_and_says_so_in_the_log(settings, caplog):
    bot = Assistant(settings)
    bot.ingest()
    assert "Amos Kiprop" in bot.ask("Who won the men's race at the Riverton marathon?").text
    cache = settings.data_dir / "bm25" / settings.collection
    (cache / "columns.json").write_text("{not json")
    with caplog.at_level("WARNING", logger="rag.bm25"):
        again = Assistant(settings)
        assert "Amos Kiprop" in again.ask("Who won the men's race at the Riverton marathon?").text
    assert "damaged" in caplog.text and "rebuilding" in caplog.text
    assert json.loads((cache / "columns.json").read_text())  # written anew


def test_splitting_and_writing_run_beside_the_model(settings, monkeypatch):
    """Group 1 is embedded only once group 2 is split, and written only once group 2's embedding has
    begun: with the three stages taking turns in one thread, either wait would time out."""
    import threading

    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag import ingest as ingest_module
    from rag.embeddings import MiniLMEmbedding

    monkeypatch.setattr(ingest_module, "GROUP_CHARS", 1)  # one article per group
    monkeypatch.setattr(ingest_module, "WRITE_PASSAGES", 1)  # and one group per write
    second_split, second_embedding = threading.Event(), threading.Event()
    splits, encodes, writes = [], [], []
    real_passages, real_encode, real_add = ingest_module._passages, MiniLMEmbedding.encode, ChromaVectorStore.add

    def passages(split, group):
        splits.append(threading.current_thread().name)
        if len(splits) == 2:
            second_split.set()
        return real_passages(split, group)

    def encode(self, texts):
        encodes.append(threading.current_thread().name)
        if len(encodes) == 1:
            assert second_split.wait(30), "group 2 was not split while group 1 was embedded"
        if len(encodes) == 2:
            second_embedding.set()
        return real_encode(self, texts)

    def add(self, nodes, **kwargs):
        writes.append(threading.current_thread().name)
        if len(writes) == 1:
            assert second_embedding.wait(30), "group 1 was not written while group 2 was embedded"
        return real_add(self, nodes, **kwargs)

    monkeypatch.setattr(ingest_module, "_passages", passages)
    monkeypatch.setattr(MiniLMEmbedding, "encode", encode)
    monkeypatch.setattr(ChromaVectorStore, "add", add)
    bot = Assistant(settings)
    report = bot.ingest()
    assert len(report.added) == 5 and report.passages_written == bot.store.count()
    assert set(splits) == {"ingest-splitting"} and set(writes) == {"ingest-writing"}
    assert set(encodes) == {threading.current_thread().name}


def test_a_failed_write_stops_the_ingest_with_its_error(settings, monkeypatch):
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag import ingest as ingest_module
    from rag.errors import BackendError

    monkeypatch.setattr(ingest_module, "GROUP_CHARS", 1)

    def failing(self, nodes, **kwargs):
        raise BackendError("the Chroma server failed (disk full); check that it is running")

    monkeypatch.setattr(ChromaVectorStore, "add", failing)
    with pytest.raises(BackendError, match="disk full"):
        Assistant(settings).ingest()


def test_passages_sized_by_the_word_run_shortcut_are_the_exactly_counted_ones(settings):
    """The splitter is told a long text is over the budget without tokenising it; every passage must
    still be the one exact token counts give, on news text and on text whose characters tokenise
    oddly (CJK, accents, zero-width and control characters, underscores, emoji, very long words)."""
    from llama_index.core.node_parser import SentenceSplitter

    from rag.corpus import load
    from rag.ingest import splitter, to_document

    bot = Assistant(settings)
    tokens = bot.embed_model.tokenizer
    odd = ("Café naïve résumé — 東京都の人口は約1400万人です。 Zero\u200bwidth\u0007 snake_case_names 🎉🎉 "
           "x" * 300 + " Ünïcödé ½ ² Ⅻ.\n\n")
    articles = load(settings.corpus_dir).articles
    documents = [to_document(a) for a in articles]
    documents.append(to_document(dataclasses.replace(articles[0], id="odd", text=odd * 40)))
    exact = SentenceSplitter(chunk_size=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap,
                             tokenizer=tokens.ids, id_func=lambda i, doc: f"{doc.doc_id}-{i}")
    shortcut = splitter(settings, bot.embed_model)

    def cut(split) -> list[tuple[str, int, int]]:
        return [(n.text, n.start_char_idx, n.end_char_idx) for n in split.get_nodes_from_documents(documents)]

    assert cut(shortcut) == cut(exact)
    for text in [odd, odd * 40, documents[0].text]:
        assert len(tokens.measure(text, settings.chunk_tokens)) <= len(tokens.ids(text))  # a lower bound
    assert len(tokens.measure(odd * 40, settings.chunk_tokens)) < len(tokens.ids(odd * 40))  # not tokenised
