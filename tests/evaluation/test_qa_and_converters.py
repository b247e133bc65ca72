import gzip
import json

import pytest

from rag.errors import InputError
from rag.evaluation import converters, qa


def test_malformed_lines_are_reported_with_their_number_and_the_rest_loads(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join([
        '{"question": "Who?", "answer": "Ann"}',
        "{not json",
        '{"answer": "no question"}',
        '{"question": "Unanswered?"}',
        '{"question": "Pick", "answer": "C", "choices": ["A", "B"]}',
        '{"question": "Nothing here?", "answerable": false}',
        '{"question": "Which?", "answer": ["B", "bee"], "choices": ["A", "B"], "gold": "https://x.org/1"}',
    ]) + "\n")
    loaded = qa.load(path)
    assert [i.question for i in loaded.items] == ["Who?", "Nothing here?", "Which?"]
    assert [p.split(":")[0] for p in loaded.problems] == ["line 2", "line 3", "line 4", "line 5"]
    assert "not one of the" in loaded.problems[3]
    which = loaded.items[2]
    assert which.correct_choice == 1 and which.gold == ["https://x.org/1"] and which.id == "line-7"
    assert not loaded.items[1].answerable


def test_a_missing_or_empty_qa_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no QA file"):
        qa.load(tmp_path / "none.jsonl")
    (tmp_path / "bad.jsonl").write_text("{oops\n")
    with pytest.raises(InputError, match="no usable question"):
        qa.load(tmp_path / "bad.jsonl")


def test_realtimeqa_is_converted_to_a_corpus_and_a_split(tmp_path):
    week = tmp_path / "rtqa" / "past" / "2022"
    week.mkdir(parents=True)
    for day, q_text in (("20220930", "dev question?"), ("20221007", "Which airline left JFK?")):
        (week / f"{day}_qa.jsonl").write_text(json.dumps({
            "question_id": f"{day}_0", "question_sentence": q_text, "choices": ["American", "United"],
            "answer": ["1"], "question_source": "CNN", "question_date": "2022/10/06"}) + "\n")
        (week / f"{day}_gold.jsonl").write_text(json.dumps({"question_id": f"{day}_0", "search_result": [
            {"url": f"https://cnn.com/{day}/story#:~:text=United", "text": f"Gold story {day}.",
             "publish_date": "2022/10/02"}]}) + "\n")
        with gzip.open(week / f"{day}_gcs.jsonl.gz", "wt") as f:
            f.write(json.dumps({"question_id": f"{day}_0", "search_result": [
                {"url": f"https://cnn.com/{day}/story", "title": f"Title {day}", "text": "dup", "publish_date": ""},
                {"url": "https://other.org/x", "title": "Other", "text": "Other text.", "publish_date": "2022/10/01"},
            ]}) + "\n")
    corpus, qa_file = converters.realtimeqa(tmp_path / "rtqa", tmp_path / "out", "test")
    articles = [json.loads(line) for line in corpus.read_text().splitlines()]
    assert len(articles) == 3  # two stories and the shared other article, one per URL
    story = next(a for a in articles if a["url"] == "https://cnn.com/20221007/story")
    assert story["title"] == "Title 20221007" and story["text"] == "dup"  # the first text of a URL wins
    questions = [json.loads(line) for line in qa_file.read_text().splitlines()]
    assert [q["question"] for q in questions] == ["Which airline left JFK?"]
    assert questions[0]["answer"] == "United" and questions[0]["gold"] == ["https://cnn.com/20221007/story"]


def test_an_article_without_a_title_is_named_by_its_address_not_its_dateline(tmp_path):
    week = tmp_path / "rtqa" / "past" / "2022"
    week.mkdir(parents=True)
    url = "https://www.cnn.com/2022/10/02/travel/united-airlines-jfk-exit/index.html"
    (week / "20221007_qa.jsonl").write_text(json.dumps({
        "question_id": "20221007_0", "question_sentence": "Which airline left JFK?", "choices": ["A", "United"],
        "answer": ["1"], "question_source": "CNN", "question_date": "2022/10/06"}) + "\n")
    (week / "20221007_gold.jsonl").write_text(json.dumps({"question_id": "20221007_0", "search_result": [
        {"url": url, "text": "New York CNN —\n\nUnited is leaving JFK.", "publish_date": "2022/10/02"},
        {"url": "https://cnn.com/2022/10/02/x", "text": "Atlanta CNN —\n\nNo slug here."}]}) + "\n")
    with gzip.open(week / "20221007_gcs.jsonl.gz", "wt") as f:
        f.write(json.dumps({"question_id": "20221007_0", "search_result": []}) + "\n")
    corpus, _ = converters.realtimeqa(tmp_path / "rtqa", tmp_path / "out", "test")
    titles = {a["url"]: a["title"] for a in map(json.loads, corpus.read_text().splitlines())}
    assert titles[url] == "United airlines jfk exit"
    assert titles["https://cnn.com/2022/10/02/x"] == "Atlanta CNN —"  # no slug: the first line, as before


def test_rgb_is_converted_with_positive_passages_as_gold(tmp_path):
    (tmp_path / "rgb" / "data").mkdir(parents=True)
    (tmp_path / "rgb" / "data" / "en_fact.json").write_text(json.dumps({
        "id": 7, "query": "When was it?", "answer": [["July 21 2017", "Jul 21, 2017"]],
        "positive": ["It was on July 21 2017."], "negative": ["Unrelated.", "It was on July 21 2017."],
        "positive_wrong": ["It was in 2016."], "fakeanswer": "2016"}) + "\n")
    corpus, qa_file = converters.rgb(tmp_path / "rgb", tmp_path / "out")
    passages = [json.loads(line) for line in corpus.read_text().splitlines()]
    assert [p["text"] for p in passages] == ["It was on July 21 2017.", "Unrelated."]  # deduplicated
    question = json.loads(qa_file.read_text())
    assert question["answer"] == ["July 21 2017", "Jul 21, 2017"] and question["gold"] == [passages[0]["url"]]


def test_the_rgb_unanswerable_variant_takes_every_second_questions_answer_out_of_the_corpus(tmp_path):
    (tmp_path / "rgb" / "data").mkdir(parents=True)
    rows = [{"id": n, "query": f"Q{n}?", "answer": [f"A{n}"], "positive": [f"It was A{n}."],
             "negative": [f"Unrelated {n}.", f"It was A{n}."]} for n in range(4)]
    (tmp_path / "rgb" / "data" / "en_fact.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    corpus, qa_file = converters.rgb(tmp_path / "rgb", tmp_path / "out", unanswerable=True)
    texts = {json.loads(line)["text"] for line in corpus.read_text().splitlines()}
    assert texts == {"It was A0.", "It was A2.", "Unrelated 0.", "Unrelated 1.", "Unrelated 2.", "Unrelated 3."}
    loaded = qa.load(qa_file)  # the QA file reads back: unanswerable questions need no answer
    assert [(i.answerable, i.gold != []) for i in loaded.items] == [(True, True), (False, False)] * 2
    assert not loaded.problems


def test_a_question_carries_its_reference_date(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text('{"question": "What happened this week?", "answer": "x", "date": "2022/10/06"}\n'
                    '{"question": "Q?", "answer": "x", "date": "soon"}\n{"question": "R?", "answer": "x"}\n')
    loaded = qa.load(path)
    assert [i.date for i in loaded.items] == ["2022-10-06", ""]
    assert loaded.problems == ["line 2: \"date\" must be YYYY-MM-DD or YYYY/MM/DD, not 'soon'"]
