from pathlib import Path

from rag import corpus


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_every_format_is_read_with_its_metadata(corpus_dir):
    result = corpus.load(corpus_dir)
    assert result.skipped == []
    by_title = {a.title: a for a in result.articles}
    assert len(by_title) == 5

    md = by_title["Trump’s Alliance Betrayal: Partnering with Russia Over Democracy"]
    assert md.date == "" and "Blogger" in md.source and "93 votes" in md.text
    assert "Popular posts" not in md.text  # the seed's page furniture is not article text

    html = by_title["Rover finds organic molecules in Jezero crater"]
    assert html.url == "https://example.org/space/rover-organics"
    assert html.date == "2024-07-25" and html.date_num == 20240725 and html.source == "Space Desk"
    assert "Cheyava Falls" in html.text
    assert "tracking" not in html.text and "Home | Science" not in html.text  # script and nav dropped

    txt = by_title["Ecuador's banana exports rise despite shipping costs"]
    assert txt.text.startswith("Ecuador shipped 6.5 million tonnes")

    rates = by_title["Central bank raises interest rate to 4.5 percent"]
    assert (rates.date, rates.source, rates.url) == ("2024-03-01", "Example Wire", "https://example.org/wire/rates")


def test_article_identity_is_stable_and_follows_the_canonical_url(tmp_path):
    a = corpus.load(write(tmp_path / "a.md", "---\nurl: https://x.org/a/\n---\nBody text here."))
    b = corpus.load(write(tmp_path / "b.md", "---\nurl: https://x.org/a#:~:text=Body\n---\nOther body."))
    assert a.articles[0].id == b.articles[0].id  # same article, wherever the file lives
    c = corpus.load(tmp_path / "a.md")
    assert c.articles[0].id == a.articles[0].id and c.articles[0].content_hash == a.articles[0].content_hash
    write(tmp_path / "a.md", "---\nurl: https://x.org/a/\n---\nBody text changed.")
    assert corpus.load(tmp_path / "a.md").articles[0].content_hash != a.articles[0].content_hash


def test_bad_files_are_skipped_with_a_one_line_reason_and_the_rest_is_read(tmp_path):
    write(tmp_path / "good.md", "---\ntitle: Good\n---\nA fine article about harbours.")
    write(tmp_path / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    write(tmp_path / "latin1.txt", "Caf\xe9 owners protest\nThe caf\xe9 is closed.".encode("latin-1"))
    write(tmp_path / "empty.md", "   \n\n")
    write(tmp_path / "broken.md", "---\ntitle: [unclosed\n---\nText.")
    write(tmp_path / "list.md", "---\n- a\n- b\n---\nText.")
    write(tmp_path / "title-only.md", "---\ntitle: Nothing else\n---\n")
    write(tmp_path / "slides.pptx", b"PK\x03\x04")
    write(tmp_path / "truncated.pdf", b"%PDF-1.4")
    write(tmp_path / "big.txt", "word " * 300_000)
    write(tmp_path / "feed.jsonl", '{"title": "ok", "text": "Fine text."}\n{broken\n{"title": "no text"}\n'
          + '{"title": "huge", "text": "' + "word " * 300_000 + '"}\n')  # a big file of small articles is fine
    result = corpus.load(tmp_path, max_file_mb=1)
    assert sorted(a.title for a in result.articles) == ["Good", "ok"]
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "not UTF-8" in reasons["latin1.txt"] and "0xe9" in reasons["latin1.txt"]
    assert reasons["empty.md"] == "empty file"
    assert "front matter does not parse" in reasons["broken.md"]
    assert "front matter does not parse" in reasons["list.md"]
    assert "no article text" in reasons["title-only.md"]
    assert "unsupported file type '.pptx'" in reasons["slides.pptx"]
    assert "broken PDF" in reasons["truncated.pdf"]
    assert "too large" in reasons["big.txt"] and "RAG_MAX_FILE_MB" in reasons["big.txt"]
    assert "not valid JSON" in reasons["feed.jsonl:2"] and '"text"' in reasons["feed.jsonl:3"]
    assert "article too large" in reasons["feed.jsonl:4"]
    assert all("\n" not in s.reason for s in result.skipped)


def test_dates_are_normalised_to_iso():
    assert corpus.normalise_date("2022-10-07T12:00:00Z") == "2022-10-07"
    assert corpus.normalise_date("Fri, 07 Oct 2022 12:00:00 GMT") == "2022-10-07"
    assert corpus.normalise_date("20221007") == "2022-10-07"
    assert corpus.normalise_date("October 7, 2022") == "2022-10-07"
    assert corpus.normalise_date("sometime last week") == ""
