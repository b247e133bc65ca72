"""The conversation store (ui/conversations.py): SQLite in the data directory, one owner each."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest

from rag import Answer, Source
from ui.conversations import ConversationStore


def answer(question: str, text: str = "Hana Tesfaye won [1].", query: str = "") -> Answer:
    source = Source(number=1, title="City marathon draws record field", date="2023-10-10",
                    url="https://example.org/wire/marathon", path="/srv/corpus/marathon.md",
                    quote="Hana Tesfaye won the women's race.", passage="Record field. Hana Tesfaye won the"
                    " women's race.", score=0.61, article_id="a1", passage_id="p1")
    return Answer(question=question, text=text, sources=[source], backend="extractive", short="Hana Tesfaye",
                  query=query or question)


def history(*questions: str) -> list[dict]:
    return [m for q in questions for m in ({"role": "user", "content": q}, {"role": "assistant", "content": "a"})]


@pytest.fixture
def store(tmp_path) -> ConversationStore:
    return ConversationStore.in_data_dir(tmp_path / "data")


def test_a_turn_comes_back_whole_after_reopening_the_file(store, tmp_path):
    cid = store.create("local", "Who won the women's race?")
    store.append_turn("local", cid, "Who won the women's race?", answer("Who won the women's race?"),
                      history("Who won the women's race?"))
    again = ConversationStore.in_data_dir(tmp_path / "data").get("local", cid)  # a new process would see this
    assert again.title == "Who won the women's race?" and len(again.turns) == 1
    turn = again.turns[0]
    assert turn.answer.text == "Hana Tesfaye won [1]." and turn.answer.short == "Hana Tesfaye"
    assert turn.answer.sources[0].url == "https://example.org/wire/marathon"
    assert turn.answer.sources[0].quote == "Hana Tesfaye won the women's race." and turn.answer.sources[0].score == 0.61
    assert again.history == history("Who won the women's race?")
    mode = sqlite3.connect(tmp_path / "data" / "conversations.sqlite3").execute("PRAGMA journal_mode").fetchone()
    assert mode == ("wal",)


def test_list_is_newest_first_and_search_matches_titles_questions_and_answers(store):
    first = store.create("local", "Marathon")
    store.append_turn("local", first, "Who won?", answer("Who won?"), [])
    time.sleep(0.01)
    second = store.create("local", "Rates")
    store.append_turn("local", second, "What rate did the bank set?", answer("x", text="4.5 percent [1]."), [])
    assert [c.id for c in store.list("local")] == [second, first]
    time.sleep(0.01)
    store.append_turn("local", first, "And the men's race?", answer("y"), [])  # a new turn moves it up
    assert [c.id for c in store.list("local")] == [first, second]
    assert [c.turns for c in store.list("local")] == [2, 1]
    assert [c.id for c in store.list("local", "4.5 PERCENT")] == [second]  # in an answer, any case
    assert [c.id for c in store.list("local", "men's race")] == [first]  # in a question
    assert [c.id for c in store.list("local", "rates")] == [second]  # in a title
    assert store.list("local", "%") == [] and store.list("local", "_") == []  # wildcards are literal


def test_rename_and_delete(store):
    cid = store.create("local", "x" * 200)
    assert store.get("local", cid).title == "x" * 79 + "…"  # named by the first question, cut
    assert store.rename("local", cid, "  Marathon   results ") and store.get("local", cid).title == "Marathon results"
    assert not store.rename("local", cid, "   ")  # an empty name keeps the old one
    store.append_turn("local", cid, "q", answer("q"), [])
    assert store.delete("local", cid) and store.get("local", cid) is None and store.list("local") == []
    assert not store.delete("local", cid)
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM turns").fetchone() == (0,)  # its turns went with it


def test_an_owner_never_reaches_another_owners_conversation(store):
    mine = store.create("alice", "Alice's question")
    store.append_turn("alice", mine, "q", answer("q"), [])
    assert store.list("bob") == [] and store.get("bob", mine) is None
    assert not store.rename("bob", mine, "taken") and not store.delete("bob", mine)
    assert store.export_json("bob", mine) is None and store.export_markdown("bob", mine) is None
    with pytest.raises(KeyError):
        store.append_turn("bob", mine, "q2", answer("q2"), [])
    assert store.get("alice", mine).title == "Alice's question" and len(store.get("alice", mine).turns) == 1


def test_exports_carry_the_sources(store):
    cid = store.create("local", "Who won the women's race?")
    store.append_turn("local", cid, "Who won the women's race?", answer("Who won the women's race?"), [])
    store.append_turn("local", cid, "And the men's?", answer("And the men's?", query="Who won? And the men's?"), [])
    data = json.loads(store.export_json("local", cid))
    assert data["title"] == "Who won the women's race?" and len(data["turns"]) == 2
    source = data["turns"][0]["sources"][0]
    assert source["title"] == "City marathon draws record field" and source["url"] == "https://example.org/wire/marathon"
    assert source["date"] == "2023-10-10" and source["quote"] == "Hana Tesfaye won the women's race."
    assert data["turns"][1]["searched_for"] == "Who won? And the men's?"
    markdown = store.export_markdown("local", cid)
    assert markdown.startswith("# Who won the women's race?\n")
    assert "## And the men's?" in markdown and "Hana Tesfaye won [1]." in markdown
    assert "1. [City marathon draws record field](https://example.org/wire/marathon), 2023-10-10" in markdown
    assert "   > Hana Tesfaye won the women's race." in markdown
    assert "_searched for: Who won? And the men's?_" in markdown


def test_threads_write_at_once_without_losing_a_turn(store):
    cid = store.create("local", "busy")
    errors = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                store.append_turn("local", cid, f"q{n}-{i}", answer("q"), [])
        except Exception as error:  # noqa: BLE001  (the assertion below shows it)
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    turns = store.get("local", cid).turns
    assert len(turns) == 80 and len({t.question for t in turns}) == 80


def test_feedback_is_kept_per_turn_per_owner_and_only_thumbs_down_are_listed_for_export(store, tmp_path):
    from ui.feedback import export

    cid = store.create("ana", "q1")
    for q in ("q1", "q2"):
        store.append_turn("ana", cid, q, answer(q), history(q))
    assert store.set_feedback("ana", cid, 0, "up")
    assert store.set_feedback("ana", cid, 1, "down")
    assert store.set_feedback("ana", cid, 1, None, comment=" wrong runner ", right_answer="Amos Kiprop")
    assert not store.set_feedback("bo", cid, 1, "down")  # another owner's turn is as absent as none
    assert not store.set_feedback("ana", cid, 5, "down")  # no such turn
    assert not store.set_feedback("ana", store.create("ana", "x"), 0, None, comment="c")
    with pytest.raises(ValueError):
        store.set_feedback("ana", cid, 0, "meh")
    turns = store.get("ana", cid).turns
    assert turns[0].feedback.rating == "up"
    assert (turns[1].feedback.rating, turns[1].feedback.comment, turns[1].feedback.right_answer) == (
        "down", "wrong runner", "Amos Kiprop")
    assert json.loads(store.export_json("ana", cid))["turns"][1]["feedback"]["right_answer"] == "Amos Kiprop"
    assert store.set_feedback("ana", cid, 0, "down") and store.clear_feedback("ana", cid, 0)
    assert not store.clear_feedback("bo", cid, 1) and store.get("ana", cid).turns[0].feedback is None
    [down] = store.disliked()
    assert (down.question, down.position, down.answer.text) == ("q2", 1, "Hana Tesfaye won [1].")
    written, unanswered = export(store, tmp_path / "qa.jsonl")
    line = json.loads((tmp_path / "qa.jsonl").read_text())
    assert (written, unanswered) == (1, 0) and line["answer"] == ["Amos Kiprop"] and line["question"] == "q2"
    assert line["cited"] == ["https://example.org/wire/marathon"]


def test_popping_the_last_turn_drops_it_and_its_feedback(store):
    cid = store.create("ana", "q1")
    for q in ("q1", "q2"):
        store.append_turn("ana", cid, q, answer(q), history(q))
    store.set_feedback("ana", cid, 1, "down")
    assert store.pop_turn("bo", cid) is None  # not bo's
    assert store.pop_turn("ana", cid) == 1
    assert [t.question for t in store.get("ana", cid).turns] == ["q1"] and store.disliked() == []
    assert store.append_turn("ana", cid, "q2 again", answer("q2 again"), history("q2 again")) == 1
    assert store.get("ana", cid).turns[1].feedback is None  # the old rating did not stick to the new answer
    assert store.pop_turn("ana", cid) == 1 and store.pop_turn("ana", cid) == 0 and store.pop_turn("ana", cid) is None


def test_an_unanswered_thumbs_down_is_exported_without_an_answer_and_rag_eval_names_it(store, tmp_path):
    from rag import InputError
    from rag.evaluation.qa import load
    from ui.feedback import export

    cid = store.create("ana", "q1")
    for q in ("q1", "q2"):
        store.append_turn("ana", cid, q, answer(q), history(q))
    store.set_feedback("ana", cid, 0, "down", comment="too vague")
    assert export(store, tmp_path / "qa.jsonl") == (1, 1)
    with pytest.raises(InputError, match="holds no usable question"):  # one line, what rag eval prints
        load(tmp_path / "qa.jsonl")
    store.set_feedback("ana", cid, 1, "down", right_answer="Hana Tesfaye")
    assert export(store, tmp_path / "qa.jsonl") == (2, 1)
    qa = load(tmp_path / "qa.jsonl")
    assert [i.question for i in qa.items] == ["q2"] and len(qa.problems) == 1 and 'no "answer"' in qa.problems[0]
