"""The HTML the chat shows: escaped article text, safe links, cards for exactly the cited sources."""

from rag.answer import REFUSAL, Answer, Source
from ui import render
from ui.uploads import safe_name, save


def source(**fields) -> Source:
    base = {"number": 1, "title": "Title", "date": "2024-03-01", "url": "https://example.org/a", "path": "/c/a.md",
            "quote": "The rate rose.", "passage": "Intro. The rate rose. Outro.", "score": 0.61,
            "article_id": "a", "passage_id": "a-0"}
    return Source(**{**base, **fields})


def test_untrusted_text_cannot_become_markup_or_a_link():
    html = render.safe('<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(2)> & "q"')
    assert "<" not in html and ">" not in html and "[" not in html and "(" not in html
    assert "&#60;script&#62;" in html and "&#38;" in html


def test_only_web_urls_become_links():
    assert render.safe_url("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&amp;c=2"
    for bad in ("javascript:alert(1)", "data:text/html,<b>", "file:///etc/passwd", "//evil.org", ""):
        assert render.safe_url(bad) is None
    card = render.card(source(url="javascript:alert(1)"), turn=0)
    assert "href" not in card and ">a.md<" in card and "/c/a.md" not in card  # a file name, never the server's path


def test_markers_link_to_cards_and_the_quote_is_highlighted():
    answer = Answer(question="q", text="The rate rose [1].", sources=[source()], backend="x")
    html = render.answer_html(answer, turn=4)
    assert '<a class="cite" href="#src-4-1">[1]</a>' in html
    assert 'id="src-4-1"' in html and "<mark>The rate rose.</mark>" in html
    assert 'href="https://example.org/a" target="_blank" rel="noopener noreferrer"' in html


def test_the_source_panel_shows_the_article_around_the_passage_once_with_the_quote_marked():
    passages = [("a-0", "First part. Shared overlap words here."), ("a-1", "Shared overlap words here. The rate rose."
                " Tail overlap text."), ("a-2", "Tail overlap text. Last <b>part</b>.")]
    html = render.source_panel(source(passage_id="a-1", url=""), passages, lambda p: "corpus/a.md")
    assert html.count("Shared overlap words here.") == 1 and html.count("Tail overlap text.") == 1
    assert '<section class="cited" id="cited-passage">Shared overlap words here. <mark>The rate rose.</mark>' in html
    assert "passage 2 of 3" in html and "corpus/a.md" in html and "<b>" not in html
    gone = render.source_panel(source(), [], render.file_name)  # the article is no longer indexed
    assert "no longer indexed" in gone and "<mark>The rate rose.</mark>" in gone
    assert 'href="https://example.org/a"' in gone


def test_a_refusal_has_no_cards():
    html = render.answer_html(Answer(question="q", text=REFUSAL, sources=[], backend="x", refused=True), 0)
    assert "source-card" not in html and "refusal" in html


def test_upload_names_are_confined_to_the_upload_folder(tmp_path):
    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("..\\..\\win.txt") == "win.txt"
    assert safe_name(".hidden.md") == "hidden.md"
    assert safe_name("näme with spaces.md") == "n_me_with_spaces.md"
    src = tmp_path / "in.md"
    src.write_text("---\ntitle: T\n---\nText.")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2_000_000)
    target = tmp_path / "uploads"
    saved = save([str(src), str(src), str(big)], ["../../escape.md", "tool.exe", "big.txt"], target, max_mb=1)
    assert [p.name for p in saved.files] == ["escape.md"] and saved.files[0].parent == target.resolve()
    assert [name for name, _ in saved.rejected] == ["tool.exe", "big.txt"]
    assert "over the 1 MB limit" in saved.rejected[1][1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt", "in.md", "uploads"]


def test_skipped_uploads_are_discarded_but_a_file_with_one_bad_line_is_kept(tmp_path):
    from rag.corpus import Skipped
    from ui.uploads import discard_skipped

    (tmp_path / "scan.txt").write_bytes(b"\x00")
    (tmp_path / "feed.jsonl").write_text('{"text": "ok"}\n{bad\n')
    discard_skipped([Skipped(str(tmp_path / "scan.txt"), "binary"),
                     Skipped(str(tmp_path / "feed.jsonl") + ":2", "not valid JSON")], tmp_path)
    assert not (tmp_path / "scan.txt").exists() and (tmp_path / "feed.jsonl").exists()
