"""PDF and Word files: text, pages kept for citations, metadata, and a clear reason when one is unusable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from rag import Assistant
from rag.corpus import load
from rag.passages import Passage
from rag.sources.documents import page_map, page_of

PAGES = [
    "Harbour authority annual report. The harbour handled more ships than in any year before.",
    "Dredging of the northern channel was delayed by storms in February and resumed in April.",
    "The new container crane at Pier Nine lifted its first load on 14 June, two months early. "
    "Engineers said the crane can move thirty containers an hour.",
]


def make_pdf(path: Path, pages: list[str], title: str = "", encrypt: bool = False) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    if title:
        pdf.set_title(title)
        pdf.set_author("Port Desk")
        pdf.set_creation_date(dt.datetime(2023, 5, 2, tzinfo=dt.UTC))
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
        else:
            pdf.rect(20, 20, 100, 100, style="F")  # a "scan": marks on the page, no text layer
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Council approves bike lanes"
    document.core_properties.author = "City Desk"
    document.core_properties.created = dt.datetime(2024, 3, 9, 10, 0)
    document.add_paragraph("The city council voted 7 to 2 on Tuesday to build protected bike lanes.")
    document.add_paragraph("Work on the first four kilometres starts in May.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Budget", "4.2 million euros"
    document.save(str(path))
    return path


def test_pdf_text_pages_and_metadata(tmp_path):
    make_pdf(tmp_path / "report.pdf", PAGES, title="Harbour report 2023")
    article = load(tmp_path).articles[0]
    assert article.title == "Harbour report 2023" and article.author == "Port Desk"
    assert article.date == "2023-05-02"
    assert len(article.page_starts) == 3
    third = article.text.index("container crane")
    assert page_of(article.page_starts, third, third + 20) == "3"
    assert page_of(article.page_starts, 0, len(article.text)) == "1-3"
    marks = page_map(article.page_starts, 0, len(article.text))
    passage = Passage("p", "a", "t", "", "", "", "", article.text, 1.0, page="1-3", page_map=marks)
    assert passage.page_at(third) == "3" and passage.page_at(0) == "1"
    assert passage.page_at(article.text.index("Dredging")) == "2"


def test_docx_text_table_and_properties(tmp_path):
    make_docx(tmp_path / "council.docx")
    article = load(tmp_path).articles[0]
    assert article.title == "Council approves bike lanes" and article.author == "City Desk"
    assert article.date == "2024-03-09"
    assert "voted 7 to 2" in article.text and "Budget | 4.2 million euros" in article.text
    assert article.page_starts == ()


def test_unusable_documents_are_skipped_with_reasons_and_the_rest_goes_on(tmp_path):
    make_pdf(tmp_path / "scan.pdf", ["", ""])
    make_pdf(tmp_path / "locked.pdf", PAGES[:1], encrypt=True)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")
    (tmp_path / "fake.pdf").write_text("just text named .pdf")
    (tmp_path / "fake.docx").write_bytes(b"PK\x03\x04 not really a zip")
    make_docx(tmp_path / "good.docx")
    result = load(tmp_path)
    assert [a.title for a in result.articles] == ["Council approves bike lanes"]
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert "no text layer" in reasons["scan.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "PDF" in reasons["broken.pdf"]
    assert "not a PDF" in reasons["fake.pdf"]
    assert ".docx" in reasons["fake.docx"]
    assert all("\n" not in r for r in reasons.values())


def test_a_pdf_answer_cites_its_page(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "report.pdf", PAGES, title="Harbour report 2023")
    bot = Assistant(data_dir=tmp_path / "index")
    report = bot.ingest(corpus)
    assert report.added == ["Harbour report 2023"]
    answer = bot.ask("When did the container crane at Pier Nine lift its first load?")
    assert not answer.refused
    assert answer.sources[0].page == "3"  # the quoted sentence's page, though the passage spans 1-3
    assert "container crane" in answer.sources[0].quote
    assert answer.sources[0].title == "Harbour report 2023"
    assert bot.ingest(corpus).unchanged == 1  # re-ingest embeds nothing


@pytest.mark.parametrize("name", ["report.pdf", "council.docx"])
def test_documents_are_among_the_upload_types(name):
    from rag import FILE_TYPES

    assert Path(name).suffix in FILE_TYPES
