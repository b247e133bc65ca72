"""Answers as HTML for the chat: text with linked [n] markers, then one card per cited source.

Article text is untrusted. Everything taken from it is HTML-escaped and its Markdown punctuation
turned into entities, so neither a ``<script>`` nor a ``[link](javascript:...)`` in an article can
become markup; only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re
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


def card(source: Source, turn: int) -> str:
    url = safe_url(source.url)
    title = safe(source.title or "(untitled)")
    heading = f'<a href="{url}" target="_blank" rel="noopener noreferrer">{title}</a>' if url else title
    where = "" if url else f'<span class="path">{safe(source.path)}</span>'
    meta = " · ".join(x for x in (safe(source.date) if source.date else "", where,
                                  f"score {source.score:.2f}") if x)
    return (f'<div class="source-card" id="src-{turn}-{source.number}">'
            f'<div class="card-head"><b>[{source.number}]</b> {heading}</div>'
            f'<div class="card-meta">{meta}</div>'
            f'<blockquote class="card-quote">{passage_with_quote(source)}</blockquote></div>')


def answer_html(answer: Answer, turn: int) -> str:
    body = text_with_links(answer.text, turn)
    if answer.short:
        body = f'<div class="short"><b>{safe(answer.short)}</b></div>' + body
    if answer.query and answer.query != answer.question:  # a follow-up, made standalone: show how
        body += f'<div class="searched">searched for: {safe(answer.query)}</div>'
    if answer.refused or not answer.sources:
        return f'<div class="answer refusal">{body}</div>' if answer.refused else body
    cards = "".join(card(s, turn) for s in answer.sources)
    return f'{body}<div class="sources">{cards}</div>'


def error_html(message: str) -> str:
    return f'<div class="error">⚠ {safe(message)}</div>'


CSS = """
.source-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px;
               margin-top: 8px; font-size: 0.9em; }
.card-meta { color: var(--body-text-color-subdued); font-size: 0.85em; }
.card-quote { margin: 4px 0 0 0; padding-left: 8px; border-left: 3px solid var(--border-color-accent); }
.card-quote mark { background: #fff3a0; color: inherit; }
.error { color: #b42318; }
.searched { color: var(--body-text-color-subdued); font-size: 0.8em; margin-top: 4px; }
a.cite { text-decoration: none; font-weight: 600; }
"""
