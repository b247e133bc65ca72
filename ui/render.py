"""Answers as HTML for the chat: text with linked [n] markers, then one card per cited source.

Article text is untrusted. Everything taken from it is HTML-escaped and its Markdown punctuation
turned into entities, so neither a ``<script>`` nor a ``[link](javascript:...)`` in an article can
become markup; only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import PurePath
from urllib.parse import urlparse

from rag import Answer, Source

# One pass over HTML's and Markdown's special characters (escaping in two passes would re-escape "&#").
_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'[]()*_`#!~|\\{}+-=:"})
_MARKER = re.compile(r"\[(\d+)\]")
SNIPPET = 320  # characters of passage shown around the quoted sentence


def safe(text: str) -> str:
    """Untrusted text as inert HTML: escaped, with Markdown syntax neutralised."""
    return text.translate(_ENTITIES)


def safe_url(url: str) -> str | None:
    """The URL when it is a plain web link, else None (no javascript:, data:, file: links)."""
    parsed = urlparse(url.strip())
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return html.escape(url.strip(), quote=True)
    return None


def text_with_links(text: str, turn: int) -> str:
    """The answer text, escaped, with each [n] a link to its card."""
    escaped = safe(text)  # "[1]" became "&#91;1&#93;"
    return re.sub(r"&#91;(\d+)&#93;",
                  lambda m: f'<a class="cite" href="#src-{turn}-{m.group(1)}">[{m.group(1)}]</a>', escaped)


def passage_with_quote(source: Source) -> str:
    """A snippet of the passage around the quoted sentence, which is highlighted."""
    passage, quote = " ".join(source.passage.split()), " ".join(source.quote.split())
    at = passage.find(quote) if quote else -1
    if at < 0:
        return safe(passage[:SNIPPET]) + ("…" if len(passage) > SNIPPET else "")
    room = max(0, (SNIPPET - len(quote)) // 2)
    start, end = max(0, at - room), min(len(passage), at + len(quote) + room)
    return ("…" if start else "") + safe(passage[start:at]) + f"<mark>{safe(quote)}</mark>" + \
        safe(passage[at + len(quote):end]) + ("…" if end < len(passage) else "")


PathView = Callable[[str], str]  # a stored file path as the reader sees it


def file_name(path: str) -> str:
    """The default view of a path: its file name, never the server's folders."""
    return PurePath(path).name if path else ""


def relevance(score: float) -> str:
    """The cosine as a bar, with what it means on hover (a <meter>: no inline style needed)."""
    value = min(1.0, max(0.0, score))
    return (f'<span class="relevance" title="relevance: cosine similarity of this passage to the question,'
            f' {score:.2f} (0: unrelated, 1: the same meaning; cited passages usually reach 0.3)">relevance'
            f' <meter min="0" max="1" low="0.3" high="0.5" optimum="1" value="{value:.2f}"></meter></span>')


def card(source: Source, turn: int, path_view: PathView = file_name) -> str:
    url = safe_url(source.url)
    title = safe(source.title or "(untitled)")
    heading = f'<a href="{url}" target="_blank" rel="noopener noreferrer">{title}</a>' if url else title
    where = "" if url else f'<span class="path">{safe(path_view(source.path))}</span>'
    meta = " · ".join(x for x in (safe(source.date) if source.date else "", where, relevance(source.score)) if x)
    return (f'<div class="source-card" id="src-{turn}-{source.number}" title="Open the passage in its article">'
            f'<div class="card-head"><b>[{source.number}]</b> {heading}</div>'
            f'<div class="card-meta">{meta}</div>'
            f'<blockquote class="card-quote">{passage_with_quote(source)}</blockquote></div>')


def _overlap(before: str, after: str, most: int = 2000) -> int:
    """How many characters ``after`` starts with that ``before`` ends with (passages overlap a little)."""
    for k in range(min(len(before), len(after), most), 15, -1):
        if before.endswith(after[:k]):
            return k
    return 0


def _marked(text: str, quote: str) -> str:
    at = text.find(quote) if quote else -1
    if at < 0:
        return safe(text)
    return safe(text[:at]) + f"<mark>{safe(quote)}</mark>" + safe(text[at + len(quote):])


def source_panel(source: Source, passages: list[tuple[str, str]], path_view: PathView = file_name) -> str:
    """A cited source opened: its heading and link, the whole passage with the cited sentence marked, and
    the article around it (the other passages, their overlaps removed); the stored passage alone when
    the article is no longer indexed as it was."""
    url = safe_url(source.url)
    title = safe(source.title or "(untitled)")
    link = f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>' if url else ""
    quote = " ".join(source.quote.split())
    texts = [" ".join(text.split()) for _, text in passages]
    cited = next((i for i, (pid, _) in enumerate(passages) if pid == source.passage_id), None)
    where = f"passage {cited + 1} of {len(texts)}" if cited is not None else ""
    meta = " · ".join(x for x in (safe(source.date), link or safe(path_view(source.path)), where,
                                  relevance(source.score)) if x)
    head = f'<div class="source-view"><h3>[{source.number}] {title}</h3><div class="card-meta">{meta}</div>'
    if cited is None:
        note = '<p class="panel-note">The article is no longer indexed as it was: this is the passage as cited.</p>'
        return f'{head}{note}<section class="cited">{_marked(" ".join(source.passage.split()), quote)}</section></div>'
    parts = []
    for i, text in enumerate(texts):
        if i == cited:
            parts.append(f'<section class="cited" id="cited-passage">{_marked(text, quote)}</section>')
            continue
        if i > 0:
            text = text[_overlap(texts[i - 1], text):]
        if i + 1 == cited:
            text = text[: len(text) - _overlap(text, texts[cited])]
        if text.strip():
            parts.append(f'<p class="context">{safe(text.strip())}</p>')
    return head + "".join(parts) + "</div>"


def answer_html(answer: Answer, turn: int, path_view: PathView = file_name) -> str:
    body = text_with_links(answer.text, turn)
    if answer.short:
        body = f'<div class="short"><b>{safe(answer.short)}</b></div>' + body
    if answer.query and answer.query != answer.question:  # a follow-up, made standalone: show how
        body += f'<div class="searched">searched for: {safe(answer.query)}</div>'
    if answer.refused or not answer.sources:
        return f'<div class="answer refusal">{body}</div>' if answer.refused else body
    cards = "".join(card(s, turn, path_view) for s in answer.sources)
    return f'{body}<div class="sources">{cards}</div>'


def error_html(message: str) -> str:
    return f'<div class="error">⚠ {safe(message)}</div>'


CSS = """
.source-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px;
               margin-top: 8px; font-size: 0.9em; }
.card-meta { color: var(--body-text-color-subdued); font-size: 0.85em; }
.card-quote { margin: 4px 0 0 0; padding-left: 8px; border-left: 3px solid var(--border-color-accent); }
.source-card { cursor: pointer; }
.card-quote mark, .source-view mark { background: #fff3a0; color: #1f2328; }  /* dark on yellow in either theme */
.relevance meter { width: 4em; height: 0.8em; vertical-align: middle; }
.source-view .cited { border-left: 4px solid var(--color-accent); padding: 4px 8px; margin: 8px 0;
                      background: var(--background-fill-secondary); }
.source-view .context { color: var(--body-text-color-subdued); }
.panel-note { font-style: italic; }
.error { color: #b42318; }
.searched { color: var(--body-text-color-subdued); font-size: 0.8em; margin-top: 4px; }
a.cite { text-decoration: none; font-weight: 600; }
"""
