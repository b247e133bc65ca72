"""Read article files (markdown with front matter, text, HTML, JSON lines) into Articles.

A file that cannot be read is reported as a ``Skipped`` with a one-line reason and never stops the rest.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import math
import os
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import frontmatter
import yaml

from rag.sources import documents

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt"}
HTML = {".html", ".htm"}
JSONL = {".jsonl", ".ndjson"}
DOCUMENTS = documents.PDF | documents.DOCX
SUPPORTED = MARKDOWN | TEXT | HTML | JSONL | DOCUMENTS
log = logging.getLogger(__name__)
# Characters that cannot be stored or shown: lone UTF-16 surrogates (a JSON or YAML "\ud800") and C0
# controls other than tab and newlines (a JSON "\u0000").
_UNUSABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Article:
    """One article. ``id`` is stable: a hash of the canonical URL, or of the file path."""

    id: str
    title: str
    text: str
    path: str
    url: str = ""
    date: str = ""  # ISO date, "" when unknown
    source: str = ""
    author: str = ""
    page_starts: tuple[int, ...] = ()  # where each page of a PDF begins in ``text``, for "p. 3" citations

    @property
    def date_num(self) -> int:
        """The date as a sortable YYYYMMDD number (0 when unknown), for Chroma filters."""
        return int(self.date[:10].replace("-", "")) if self.date else 0

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that is indexed or shown changes."""
        parts = (self.title, self.text, self.url, self.date, self.source, self.author)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def article_id(url: str, path: str) -> str:
    key = canonical_url(url) if url else path
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def canonical_url(url: str) -> str:
    """The URL without text fragments, tracking parameters (utm_*, fbclid, gclid) and trailing slash,
    so one article has one id."""
    url = url.strip().split("#:~:text=")[0].split("#")[0]
    if "?" in url:
        parts = urllib.parse.urlsplit(url)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
                 if not k.lower().startswith(_TRACKING)]
        url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return url.rstrip("/")


_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def normalise_date(value: object) -> str:
    """An ISO date (YYYY-MM-DD, with time when given) or "" when it cannot be read."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in ("%Y%m%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def shown(path: Path) -> str:
    """A path as text that can be stored and printed (a name with a non-UTF-8 byte gets U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")


def files_under(root: Path) -> Iterator[Path | Skipped]:
    """Every non-hidden file below ``root`` (or ``root`` itself), in a stable order.

    Links are read only when they lead to a file inside ``root``; a link that leads out of it, to a
    folder, or nowhere is reported (a corpus folder must never expose /etc/passwd)."""
    if not root.is_dir():
        yield root
        return
    top = root.resolve()
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files) + sorted(d for d in os.listdir(folder) if _is_dir_link(folder, d)):
            path = Path(folder) / name
            if name.startswith("."):
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.exists():
                    yield Skipped(shown(path), "a link to nothing (its target is gone)")
                    continue
                if target.is_dir():
                    yield Skipped(shown(path), "a link to a folder: links to folders are not followed")
                    continue
                if top not in target.parents:
                    yield Skipped(shown(path), "a link that leads outside the ingested folder: copy the"
                                               " file in instead")
                    continue
            yield path


def _is_dir_link(folder: str, name: str) -> bool:
    path = Path(folder) / name
    return path.is_symlink() and path.is_dir()


def load(root: Path, max_file_mb: float = 20.0) -> LoadResult:
    """Read every article under ``root``; bad files land in ``skipped`` with their reason."""
    result = LoadResult()
    if not root.exists():
        raise FileNotFoundError(root)
    for path in files_under(root):
        if isinstance(path, Skipped):
            result.skipped.append(path)
            continue
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED:
            result.skipped.append(Skipped(shown(path), f"unsupported file type '{suffix or shown(Path(path.name))}'"
                                          f" (use {', '.join(sorted(SUPPORTED))})"))
            continue
        try:
            if suffix in DOCUMENTS:
                result.articles.append(parse_document(read_bytes(path, max_file_mb), path))
            elif suffix in JSONL:  # many articles in one file: the size limit applies to each line
                text = read_text(path, max_file_mb=float("inf"))
                articles, bad_lines = parse_jsonl(text, path, max_file_mb)
                result.articles.extend(articles)
                result.skipped.extend(bad_lines)
            else:
                result.articles.append(PARSERS[suffix](read_text(path, max_file_mb), path))
        except ArticleError as err:
            result.skipped.append(Skipped(shown(path), str(err)))
        except RecursionError:
            result.skipped.append(Skipped(shown(path), "nested too deeply to read (thousands of levels)"))
        except Exception as err:  # a third-party parser's failure on one file must not stop the rest
            log.exception("reading %s failed", shown(path))
            result.skipped.append(Skipped(shown(path), f"could not be read ({type(err).__name__}); the log has"
                                                       " the details"))
    return result


class ArticleError(ValueError):
    """A file that is not a usable article; the message says why and what to do."""


def read_bytes(path: Path, max_file_mb: float) -> bytes:
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise ArticleError(f"too large ({size / 1024 / 1024:.1f} MB > {max_file_mb:g} MB limit;"
                           " split it or raise RAG_MAX_FILE_MB)")
    try:
        return path.read_bytes()
    except OSError as err:
        raise ArticleError(f"unreadable ({err.strerror}); check its permissions") from err


def read_text(path: Path, max_file_mb: float) -> str:
    return decode(read_bytes(path, max_file_mb))


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 byte-order mark: Windows' "Unicode"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise ArticleError("UTF-16 with a broken character; re-save it as UTF-8") from err
    elif b"\x00" in data:
        raise ArticleError("binary file, not text; export it as markdown, text, HTML, JSON lines, PDF or .docx")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ArticleError(f"not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start});"
                               " re-save it as UTF-8") from err
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ArticleError("empty file")
    return text


def clean(value: object) -> str:
    """A metadata value or text as storable text: scalars only ("" for lists, maps, NaN)."""
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return _UNUSABLE.sub(lambda m: " " if m.group() < "\x80" else "\ufffd", str(value)).strip()


def _make(path: Path, title: str, body: str, meta: dict, key: str | None = None) -> Article:
    body = clean(body)
    if not body:
        raise ArticleError("no article text (only a title or front matter)")
    url = clean(meta.get("url") or meta.get("link") or meta.get("canonical_url"))
    where = shown(path.resolve())
    date = meta.get("date") or meta.get("published")
    return Article(
        id=article_id(url, key or where),
        title=clean(meta.get("title")) or clean(title) or shown(Path(path.stem)),
        text=body,
        path=where,
        url=url,
        date=normalise_date(date if isinstance(date, dt.date) else clean(date)),
        source=clean(meta.get("source") or meta.get("site")),
        author=clean(meta.get("author")),
    )


class _PlainYAML(yaml.SafeLoader):
    """YAML without anchors and aliases: front matter never needs them, and nested aliases let a
    343-byte file expand to gigabytes (the "billion laughs")."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise ArticleError("front matter uses YAML aliases (*name); write the values out")
        return super().compose_node(parent, index)


def parse_markdown(text: str, path: Path) -> Article:
    handler = frontmatter.YAMLHandler()
    try:
        raw, body = handler.split(text) if handler.detect(text) else ("", text)
        metadata = yaml.load(raw, Loader=_PlainYAML) if raw.strip() else {}  # a SafeLoader, less aliases
    except ArticleError:
        raise
    except (yaml.YAMLError, ValueError) as err:
        first = str(err).splitlines()[0]
        raise ArticleError(f"front matter does not parse ({first}); fix the YAML between the ---"
                           " lines") from err
    if not isinstance(metadata, dict):
        raise ArticleError(f"front matter does not parse (a YAML {type(metadata).__name__}, not a"
                           " mapping); write it as key: value lines")
    title = ""
    lines = body.lstrip().splitlines()
    if not metadata.get("title") and lines and lines[0].startswith("# "):
        title, body = lines[0][2:], "\n".join(lines[1:])
    return _make(path, title, body, metadata)


def parse_document(data: bytes, path: Path) -> Article:
    """A PDF or Word file; a PDF's page starts are kept so its passages know their pages."""
    try:
        doc = documents.read(data, path.suffix.lower())
    except documents.DocumentError as err:
        raise ArticleError(str(err)) from err
    article = _make(path, "", doc.text, {"title": doc.title, "author": doc.author, "date": doc.date})
    return replace(article, page_starts=doc.page_starts)


def parse_text(text: str, path: Path) -> Article:
    """Plain text: the first non-empty line is the title when it is short, like a headline."""
    lines = text.strip().splitlines()
    first = lines[0].strip()
    if len(first) <= 200 and len(lines) > 1:
        return _make(path, first, "\n".join(lines[1:]), {})
    return _make(path, path.stem, text, {})


def parse_html(text: str, path: Path) -> Article:
    """A saved web page: trafilatura's article text and metadata; plain tag rules over the page's meta
    tags when it finds no article at all (a bare fragment of HTML)."""
    from rag.sources.pages import extract  # lxml and htmldate load only when a page is read

    page = extract(text)
    if page is not None:
        return _make(path, "", page.text, {"title": page.title, "url": page.url, "date": page.date,
                                           "source": page.site, "author": page.author})
    from bs4 import BeautifulSoup  # here, not at the top: a question never needs it (48 ms to import)

    soup = BeautifulSoup(text, "html.parser")

    def meta(*names: str) -> str:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            if tag and tag.get("content"):
                return str(tag["content"])
        return ""

    canonical = soup.find("link", rel="canonical")
    info = {
        "title": meta("og:title") or (soup.title.get_text(strip=True) if soup.title else ""),
        "url": (canonical.get("href") if canonical else "") or meta("og:url"),
        "date": meta("article:published_time", "date", "pubdate"),
        "source": meta("og:site_name"),
        "author": meta("author", "article:author"),
    }
    return _make(path, "", tag_rules_text(soup), info)


def tag_rules_text(soup: BeautifulSoup) -> str:
    """The text of a page by plain tag rules (scripts, navigation, footers dropped; the <article> or
    <main> when there is one): for HTML where trafilatura finds no article. It empties ``soup``."""
    for tag in soup(["head", "title", "script", "style", "noscript", "template", "svg", "nav", "footer", "header",
                     "aside", "form"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = [el.get_text(" ", strip=True) for el in root.find_all(["p", "h2", "h3", "li", "blockquote"])]
    return "\n\n".join(b for b in blocks if b) or root.get_text("\n", strip=True)


def parse_jsonl(text: str, path: Path, max_mb: float = 20.0) -> tuple[list[Article], list[Skipped]]:
    """One article per line: {"title", "text", "url", "date", "source", "author", "id"}."""
    articles, skipped = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{shown(path)}:{number}"
        if len(line) > max_mb * 1024 * 1024:
            skipped.append(Skipped(where, f"article too large (over {max_mb:g} MB; raise RAG_MAX_FILE_MB)"))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            skipped.append(Skipped(where, f"not valid JSON ({err.msg} at column {err.colno})"))
            continue
        except RecursionError:
            skipped.append(Skipped(where, "JSON nested too deeply to read"))
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
            skipped.append(Skipped(where, 'needs a JSON object with a non-empty "text" string'))
            continue
        key = f"{shown(path.resolve())}#{clean(record.get('id')) or number}"
        try:
            articles.append(_make(path, clean(record.get("title")), record["text"], record, key))
        except ArticleError as err:
            skipped.append(Skipped(where, str(err)))
    return articles, skipped


PARSERS = {**dict.fromkeys(MARKDOWN, parse_markdown), **dict.fromkeys(TEXT, parse_text),
           **dict.fromkeys(HTML, parse_html)}
