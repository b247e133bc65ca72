"""PDF and Word files as article text, with where each PDF page starts so a citation can say "p. 3".

pypdf reads PDFs (pure Python, no system library); python-docx reads .docx. Title, author and date come
from the file's own properties when it has them. A scanned PDF (no text layer), an encrypted one, or a
broken file is refused with its reason.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from bisect import bisect_right
from dataclasses import dataclass

log = logging.getLogger(__name__)
PDF = {".pdf"}
DOCX = {".docx"}
MAX_PAGES = 2_000  # a longer PDF is a book or a hostile file; read only its first pages


class DocumentError(ValueError):
    """A PDF or Word file that gives no usable text; the message says why and what to do."""


@dataclass(frozen=True)
class Document:
    text: str
    page_starts: tuple[int, ...] = ()  # offset in ``text`` where page 1, 2, ... begins; () without pages
    title: str = ""
    author: str = ""
    date: str = ""  # ISO date or ""


def read(data: bytes, suffix: str) -> Document:
    if suffix in PDF:
        return read_pdf(data)
    if suffix in DOCX:
        return read_docx(data)
    raise DocumentError(f"not a PDF or Word file ({suffix})")


def read_pdf(data: bytes) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.startswith(b"%PDF"):
        raise DocumentError("not a PDF (no %PDF header); re-export it as PDF")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("encrypted PDF; save a copy without its password")
        texts, starts, length = [], [], 0
        for page in reader.pages[:MAX_PAGES]:
            text = _tidy(page.extract_text() or "")
            starts.append(length)
            texts.append(text)
            length += len(text) + 2  # the "\n\n" that joins pages
        info = reader.metadata or {}
        title, author, created = info.get("/Title"), info.get("/Author"), _pdf_date(reader)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as err:
        raise DocumentError(f"broken PDF ({type(err).__name__}: {str(err)[:80]}); re-export it") from err
    text = "\n\n".join(texts)
    if not text.strip():
        raise DocumentError("no text layer (a scanned PDF?); run OCR on it first, or give the text")
    # Blank first pages: the text starts at its first word (its readers strip it), the page starts with it.
    lead = len(text) - len(text.lstrip())
    return Document(text=text.lstrip(), page_starts=tuple(max(0, start - lead) for start in starts),
                    title=str(title or ""), author=str(author or ""),
                    date=created)


def _pdf_date(reader) -> str:
    try:
        when = reader.metadata.creation_date if reader.metadata else None
    except ValueError:  # a malformed "D:..." date string
        return ""
    return when.date().isoformat() if isinstance(when, dt.datetime) else ""


def read_docx(data: bytes) -> Document:
    import zipfile

    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as err:
        raise DocumentError("not a readable Word .docx file; re-save it from Word as .docx") from err
    blocks = [p.text.strip() for p in doc.paragraphs if p.text.strip()]
    for table in doc.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                blocks.append(" | ".join(dict.fromkeys(cells)))  # merged cells repeat their text
    if not blocks:
        raise DocumentError("no text in this Word file")
    props = doc.core_properties
    when = props.created or props.modified
    return Document(text="\n\n".join(blocks), title=props.title or "", author=props.author or "",
                    date=when.date().isoformat() if isinstance(when, dt.datetime) else "")


def page_of(page_starts: tuple[int, ...], start: int | None, end: int | None) -> str:
    """The page (or "3-4" range) that the text between ``start`` and ``end`` lies on; "" when unknown."""
    if not page_starts or start is None:
        return ""
    first = bisect_right(page_starts, start)
    last = bisect_right(page_starts, max(start, (end or start) - 1))
    return str(first) if first == last else f"{first}-{last}"


def page_map(page_starts: tuple[int, ...], start: int | None, end: int | None) -> str:
    """Where each page begins within the passage ``start``..``end`` of the text: "2:0,3:410" (page 2
    from the passage's first character, page 3 from its 410th), stored with the passage (Passage.page_at
    reads it); "" when unknown."""
    if not page_starts or start is None:
        return ""
    first = bisect_right(page_starts, start)
    marks = [f"{first}:0"]
    marks += [f"{number}:{begin - start}" for number, begin in enumerate(page_starts, start=1)
              if start < begin < (end or start)]
    return ",".join(marks)


def _tidy(text: str) -> str:
    """A page's text with its lines joined back into paragraphs (pypdf gives one line per printed line)."""
    paragraphs, current = [], []
    for line in text.splitlines():
        if line.strip():
            if current and current[-1].endswith("-") and line.strip()[:1].islower():
                current[-1] = current[-1][:-1] + line.strip()  # a word hyphenated across two lines
                continue
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)
