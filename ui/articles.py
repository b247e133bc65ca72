"""The Articles panel's logic, apart from Gradio: which articles match the panel's filters, how a file
is named to the reader (relative to the corpus, never the server's absolute path), and what deleting
an article takes (its passages, and its uploaded file when no other article lives in that file)."""

from __future__ import annotations

from pathlib import Path

from rag import ArticleInfo, Assistant, InputError

NO_SOURCE = "(no source)"  # how an article without a source is listed and picked
HEADERS = ["Title", "Date", "Source", "Passages", "File"]


class Roots:
    """The folders a path is shown relative to: the corpus folder and the uploads folder, each under its
    own name ("corpus/wire.jsonl", "uploads/notes.md"); anything else shows its file name only."""

    def __init__(self, corpus_dir: Path, uploads: Path) -> None:
        self.folders = [(Path(uploads).resolve(), "uploads"), (Path(corpus_dir).resolve(), Path(corpus_dir).name)]

    def shown(self, path: str) -> str:
        if not path:
            return ""
        full = Path(path).resolve()
        for folder, name in self.folders:
            if full.is_relative_to(folder):
                return f"{name}/{full.relative_to(folder).as_posix()}"
        return full.name

    def uploaded(self, path: str) -> Path | None:
        """The uploaded file an article came from, or None when it came from elsewhere."""
        full = Path(path).resolve() if path else None
        return full if full is not None and full.parent == self.folders[0][0] else None


def source_of(article: ArticleInfo) -> str:
    return article.source or NO_SOURCE


def matching(articles: list[ArticleInfo], search: str = "", sources: list[str] | None = None,
             date_from: str = "", date_to: str = "") -> list[ArticleInfo]:
    """The articles whose title, source or file holds ``search``, of one of ``sources``, dated in the
    range (an undated article is left out by a date bound); a bad date is an InputError."""
    low, high = _iso(date_from, "from"), _iso(date_to, "to")
    words = (search or "").strip().casefold()
    found = []
    for a in articles:
        if words and words not in f"{a.title}\n{a.source}\n{Path(a.path).name}".casefold():
            continue
        if sources and source_of(a) not in sources:
            continue
        if (low or high) and not (a.date and (not low or a.date[:10] >= low) and (not high or a.date[:10] <= high)):
            continue
        found.append(a)
    return found


def _iso(value: str, name: str) -> str:
    import datetime as dt

    value = (value or "").strip()
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"the date {name} '{value}' is not a date: use YYYY-MM-DD") from None


def rows(articles: list[ArticleInfo], roots: Roots) -> list[list]:
    """The table's rows; a Gradio Dataframe of "str" cells shows them as text, never as markup."""
    return [[a.title or "(untitled)", a.date or "undated", source_of(a), a.passages, roots.shown(a.path)]
            for a in articles]


def source_choices(articles: list[ArticleInfo]) -> list[str]:
    return sorted({source_of(a) for a in articles}, key=lambda s: (s == NO_SOURCE, s.casefold()))


def article_choices(articles: list[ArticleInfo]) -> list[tuple[str, str]]:
    """(label, article id) for the pickers; the date tells apart articles of one title."""
    return [(f"{a.title or '(untitled)'} ({a.date or 'undated'})", a.article_id) for a in articles]


def scope_of(sources: list[str] | None, articles: list[str] | None) -> dict:
    """The picked scope as Assistant.ask's keywords ("(no source)" is the empty source)."""
    return {"sources": ["" if s == NO_SOURCE else s for s in sources or []], "articles": list(articles or [])}


def describe_scope(sources: list[str] | None, articles: list[str] | None, known: list[ArticleInfo]) -> str:
    """One line saying what the chat is limited to (plain text: the caller escapes it), or ""."""
    titles = {a.article_id: a.title or "(untitled)" for a in known}
    parts = [f"source {s}" for s in sources or []] + [f"“{titles.get(a, a)}”" for a in articles or []]
    return f"Answers only from: {'; '.join(parts)}" if parts else ""


def delete(bot: Assistant, article_id: str, roots: Roots) -> str:
    """Delete one article's passages and, when it was uploaded and alone in its file, that file; returns
    what happened, one line of plain text."""
    article = next((a for a in bot.articles() if a.article_id == article_id), None)
    if article is None:
        raise InputError("that article is no longer in the index: pick another one")
    removed = bot.delete_article(article_id)
    title = article.title or "(untitled)"
    done = f"Deleted “{title}” ({removed} passage{'s' * (removed != 1)})."
    uploaded = roots.uploaded(article.path)
    if uploaded is None:
        return done + (f" Its file {roots.shown(article.path)} stays on the server: ingesting that folder"
                       " again brings the article back.")
    others = [a for a in bot.articles() if a.path and Path(a.path).resolve() == uploaded]
    if others:
        return done + (f" Its file {roots.shown(article.path)} also holds {len(others)} other article"
                       f"{'s' * (len(others) != 1)}, so it stays: the next ingest of the uploads brings it back.")
    uploaded.unlink(missing_ok=True)
    return done + f" Its uploaded file {roots.shown(article.path)} is deleted too."
