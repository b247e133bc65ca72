"""The web chat: streamed answers with source cards, follow-ups, stored conversations, settings, uploads."""

from __future__ import annotations

import html
import logging
import re
import secrets
import sqlite3
import tempfile
from dataclasses import asdict
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from rag import Assistant, RagError, Source
from ui import articles as panel
from ui import render, uploads
from ui.access import is_loopback
from ui.conversations import LOCAL_OWNER, Conversation, ConversationStore
from ui.login import LoginThrottle

TITLE = "Ask the articles"
log = logging.getLogger(__name__)


def status_line(bot: Assistant) -> str:
    stats = bot.stats()
    return (f"Corpus: **{render.safe(str(bot.settings.corpus_dir))}** ({stats.articles} article"
            f"{'s' * (stats.articles != 1)}, {stats.passages} passages) · Answering with:"
            f" **{render.safe(bot.backend)}**")


def example_questions(bot: Assistant, limit: int = 3) -> list[str]:
    """Questions drawn from the newest articles' titles."""
    return [f"What does “{title}” report?" for title in bot.recent_titles(limit)]


# Gradio's copy button copies a message's content, which is HTML here; no option changes that. So,
# right after it writes, the text the reader sees (answer, short form, sources) replaces it.
HEAD = """<script>
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest('#chat button[aria-label="Copy message"]');
  let row = button && button.closest('[class*="message-buttons"]');  // the buttons follow their message
  while (row && !row.classList.contains("message-row")) row = row.previousElementSibling;
  const content = row && row.querySelector(".message-content");
  if (!content || !navigator.clipboard) return;
  const text = content.innerText.replace(/\\n{3,}/g, "\\n\\n").trim();
  setTimeout(() => navigator.clipboard.writeText(text).catch(() => {}), 50);
}, true);
// A click on a source card or an [n] marker opens that source in the side panel: the card's key goes
// to a hidden textbox and a hidden button runs the event (Gradio has no click event inside a message).
document.addEventListener("click", (event) => {
  const target = event.target.closest && event.target.closest("#chat .source-card, #chat a.cite");
  if (!target || event.target.closest(".source-card a[target=_blank]")) return;  // the article's own link
  const id = target.classList.contains("cite") ? (target.getAttribute("href") || "").slice(1) : target.id;
  const box = document.querySelector("#open-source textarea, #open-source input");
  const go = document.querySelector("#open-source-go");
  if (!/^src-\\d+-\\d+$/.test(id) || !box || !go) return;
  box.value = id.slice(4);
  box.dispatchEvent(new Event("input", {bubbles: true}));
  setTimeout(() => go.click(), 0);
});
// Screen readers read a message's aria-label, which Gradio fills with the message's HTML: make it the
// text the reader sees.
new MutationObserver(() => {
  for (const message of document.querySelectorAll(`#chat [aria-label*="'s message: "]`)) {
    const role = (message.getAttribute("aria-label").match(/^(\\w+)'s message: /) || [])[1];
    if (!role) continue;
    const text = role + "'s message: " + message.innerText.replace(/\\s+/g, " ").trim();
    if (message.getAttribute("aria-label") !== text) message.setAttribute("aria-label", text);
  }
}).observe(document.documentElement, {subtree: true, childList: true, characterData: true});
</script>"""


def owner_of(request: gr.Request | None) -> str:
    """The logged-in user, or the one local user when there is no login (loopback)."""
    return (getattr(request, "username", None) or LOCAL_OWNER) if request is not None else LOCAL_OWNER


def browser_secret(data_dir: Path) -> str:
    """The key the browser's remembered conversation id is encrypted with, kept across restarts."""
    path = Path(data_dir) / "ui-browser-secret"
    try:
        return path.read_text().strip() or _new_secret(path)
    except FileNotFoundError:
        return _new_secret(path)


def _new_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def chat_of(conversation: Conversation | None, path_view: render.PathView = render.file_name) -> tuple[list, dict]:
    """A stored conversation as the chat shows it, and what the page keeps of it (``shown``)."""
    messages: list[dict] = []
    shown = {"cards": {}, "positions": {}}
    for position, turn in enumerate(conversation.turns if conversation else []):
        number = len(messages)
        messages += [{"role": "user", "content": render.safe(turn.question.strip())},
                     {"role": "assistant", "content": render.answer_html(turn.answer, number, path_view)}]
        shown = with_answer(shown, turn.answer, number, position)
    return messages, shown


def with_answer(shown: dict | None, answer, turn: int, position: int | None) -> dict:
    """``shown`` (the page's record of its answers) with one more: its sources by the key its cards and
    [n] markers carry ("TURN-N"), and, when it was saved, its turn's position by its message's index."""
    shown = shown or {}
    cards = {**shown.get("cards", {}), **{f"{turn}-{s.number}": asdict(s) for s in answer.sources}}
    positions = dict(shown.get("positions", {}))
    if position is not None:
        positions[str(turn + 1)] = position
    return {"cards": cards, "positions": positions}


def text_of(message: dict) -> str:
    """A chat message's text, whichever shape Gradio gives it in (a string, or a list of parts)."""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


STREAMING = '<div class="streaming">'  # wraps an answer while it streams, so a stop can tell it is partial


def build(bot: Assistant, store: ConversationStore | None = None) -> gr.Blocks:
    settings = bot.settings
    store = store or ConversationStore.in_data_dir(settings.data_dir)
    roots = panel.Roots(settings.corpus_dir, uploads.upload_dir(settings.data_dir))
    exports = Path(tempfile.mkdtemp(prefix="rag-exports-"))  # the temp dir: Gradio may serve files from it

    def export_files(owner: str, conversation: Conversation | None) -> tuple:
        if conversation is None or not conversation.turns:
            return gr.update(value=None, interactive=False), gr.update(value=None, interactive=False)
        folder = exports / secrets.token_hex(16)  # unguessable: one user cannot fetch another's export
        folder.mkdir()
        stem = re.sub(r"[^\w-]+", "-", conversation.title).strip("-")[:60] or "conversation"
        markdown, data = folder / f"{stem}.md", folder / f"{stem}.json"
        markdown.write_text(store.export_markdown(owner, conversation.id) or "", encoding="utf-8")
        data.write_text(store.export_json(owner, conversation.id) or "", encoding="utf-8")
        return gr.update(value=str(markdown), interactive=True), gr.update(value=str(data), interactive=True)

    def listing(owner: str, search: str, current: str | None):
        choices = [(c.title, c.id) for c in store.list(owner, search or "")]
        shown = current if current in {cid for _, cid in choices} else None
        return gr.update(choices=choices, value=shown)

    def view(owner: str, conversation: Conversation | None, search: str) -> tuple:
        """chatbot, history, conversation id, list, title box, the two exports, the cards' sources."""
        cid = conversation.id if conversation else ""
        messages, cards = chat_of(conversation, roots.shown)
        return (messages, conversation.history if conversation else [], cid,
                listing(owner, search, cid), conversation.title if conversation else "",
                *export_files(owner, conversation), cards)

    def restore(cid: str, search: str, request: gr.Request):
        """On page load: the browser's current conversation, if it is this user's; else a new one."""
        owner = owner_of(request)
        return view(owner, store.get(owner, cid) if cid else None, search)

    def select(cid: str, search: str, request: gr.Request):
        owner = owner_of(request)
        return view(owner, store.get(owner, cid) if cid else None, search)

    def new_conversation(search: str, request: gr.Request):
        return ("", *view(owner_of(request), None, search))

    def rename(cid: str, title: str, search: str, request: gr.Request):
        owner = owner_of(request)
        if cid and not store.rename(owner, cid, title):
            gr.Warning("Give the conversation a name first.")
        conversation = store.get(owner, cid) if cid else None
        return listing(owner, search, cid), conversation.title if conversation else "", \
            *export_files(owner, conversation)

    def delete(cid: str, search: str, request: gr.Request):
        owner = owner_of(request)
        if cid:
            store.delete(owner, cid)
        return ("", *view(owner, None, search))

    def search_list(search: str, cid: str, request: gr.Request):
        return listing(owner_of(request), search, cid)

    def respond(message: str, chat: list, history: list, cid: str, search: str, top_k: float, date_from: str,
                date_to: str, as_of: str, scope_sources: list, scope_articles: list, cards: dict,
                request: gr.Request):
        owner = owner_of(request)
        chat = list(chat or [])
        turn = len(chat)
        keep = (gr.skip(),) * 6  # conversation id, list, title, exports, shown: unchanged until the answer is whole
        try:
            stream = bot.stream(message, history, top_k=int(top_k or settings.top_k),
                                date_from=(date_from or "").strip(), date_to=(date_to or "").strip(),
                                as_of=(as_of or "").strip() or None,
                                **panel.scope_of(scope_sources, scope_articles))
        except RagError as error:
            yield message, [*chat, {"role": "assistant", "content": render.error_html(str(error))}], history, *keep
            return
        chat.append({"role": "user", "content": render.safe(message.strip())})
        yield "", chat, history, *keep  # the question shows at once; the answer follows
        chat.append({"role": "assistant", "content": ""})
        text = ""
        try:
            for piece in stream:
                text += piece
                chat[-1] = {"role": "assistant", "content": STREAMING + render.text_with_links(text, turn) + "</div>"}
                yield "", chat, history, *keep
        except Exception as error:  # a bug must not leave the page stuck or show a traceback either
            if not isinstance(error, RagError):
                log.exception("answering %r failed", message)
                error = f"internal error ({type(error).__name__}); the server log has the details"
            chat[-1] = {"role": "assistant", "content": render.error_html(str(error))}
            yield "", chat, history, *keep
            return
        answer = stream.answer
        chat[-1] = {"role": "assistant", "content": render.answer_html(answer, turn, roots.shown)}
        try:
            if not cid or store.get(owner, cid) is None:  # the first question names a new conversation
                cid = store.create(owner, answer.question)
            position = store.append_turn(owner, cid, answer.question, answer, answer.history)
            conversation = store.get(owner, cid)
        except sqlite3.Error:  # the answer is still shown; only keeping it failed
            log.exception("storing the conversation failed")
            gr.Warning("This answer could not be saved (the server log says why).")
            yield "", chat, answer.history, *keep[:-1], with_answer(cards, answer, turn, None)
            return
        yield "", chat, answer.history, cid, listing(owner, search, cid), conversation.title, \
            *export_files(owner, conversation), with_answer(cards, answer, turn, position)

    def regenerate(data: gr.RetryData, _typed: str, chat: list, history: list, cid: str, search: str,
                   top_k: float, date_from: str, date_to: str, as_of: str, scope_sources: list, scope_articles: list,
                   shown: dict, request: gr.Request):
        """The chat's retry button: the last answer again, for the same question and the same context."""
        chat, shown = list(chat or []), dict(shown or {})
        index = data.index if isinstance(data.index, int) else data.index[0]
        if not 0 <= index < len(chat) or chat[index].get("role") != "user":
            gr.Warning("There is no question to answer again.")
            return
        question = html.unescape(text_of(chat[index]))
        position = shown.get("positions", {}).get(str(index + 1))
        if position is not None and cid and store.pop_turn(owner_of(request), cid) is not None:
            history = list(history or [])[:-2]  # the answer being replaced leaves the follow-up context
        shown["positions"] = {k: v for k, v in shown.get("positions", {}).items() if int(k) < index}
        yield from respond(question, chat[:index], history, cid, search, top_k, date_from, date_to, as_of,
                           scope_sources, scope_articles, shown, request)

    def stopped(chat: list):
        """Stop pressed: a partial answer says it was stopped (it is not saved, nor used by a follow-up)."""
        chat = list(chat or [])
        note = '<div class="stopped">Stopped: this answer is not saved. Ask again, or regenerate it.</div>'
        if chat and chat[-1].get("role") == "assistant" and text_of(chat[-1]).startswith(STREAMING):
            chat[-1] = {"role": "assistant", "content": text_of(chat[-1]).replace(STREAMING, "<div>", 1) + note}
        elif chat and chat[-1].get("role") == "assistant" and not text_of(chat[-1]).strip():
            chat[-1] = {"role": "assistant", "content": note}  # stopped before the first word
        elif chat and chat[-1].get("role") == "user":
            chat.append({"role": "assistant", "content": note})
        return chat, gr.update(visible=False)

    def rate(data: gr.LikeData, cid: str, shown: dict, request: gr.Request):
        """Thumbs up or down on a saved answer; then the optional comment (and right answer) box."""
        index = data.index if isinstance(data.index, int) else data.index[0]
        position = (shown or {}).get("positions", {}).get(str(index))
        rating = {True: "up", False: "down"}.get(data.liked)
        if data.liked == "" and position is not None and cid:  # the thumb clicked again: no rating
            store.clear_feedback(owner_of(request), cid, position)
            return gr.update(visible=False), None, "", gr.skip()
        if rating is None or position is None or not cid:
            gr.Warning("Only an answer that was saved can be rated.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        store.set_feedback(owner_of(request), cid, position, rating)
        thanks = "Thanks: your thumbs-up is saved." if rating == "up" else "Thanks: your thumbs-down is saved."
        return (gr.update(visible=True), position, f"{thanks} Anything to add? (optional)",
                gr.update(visible=rating == "down", value=""))

    def save_feedback(cid: str, position: int | None, comment: str, right_answer: str, request: gr.Request):
        if position is None or not store.set_feedback(owner_of(request), cid, int(position), None,
                                                      comment or "", right_answer or ""):
            gr.Warning("That answer is no longer saved; nothing was recorded.")
        else:
            gr.Info("Feedback saved with the conversation.")
        return gr.update(visible=False), "", ""

    def ingest_files(files, progress=gr.Progress()):  # noqa: B008  (Gradio injects its progress bar so)
        if not files:
            return "Choose one or more article files first."
        paths = [f if isinstance(f, str) else f.name for f in files]
        names = [getattr(f, "orig_name", None) or Path(p).name for f, p in zip(files, paths, strict=True)]
        target = uploads.upload_dir(settings.data_dir)
        saved = uploads.save(paths, names, target, settings.max_file_mb)
        lines = [f"- rejected **{render.safe(n)}**: {render.safe(r)}" for n, r in saved.rejected]
        if saved.files:
            progress(0, desc="embedding")
            try:
                report = bot.ingest(target, on_progress=lambda d, t: progress(d / t, desc="embedding"))
            except RagError as error:
                return render.error_html(str(error))
            uploads.discard_skipped(report.skipped, target)  # a rejected file is not kept to be reported again
            lines = report_lines(report, "skipped", lambda path: Path(path).name) + lines
        return "\n".join(lines)

    def ingest_url(url: str, progress=gr.Progress()):  # noqa: B008  (Gradio injects its progress bar so)
        """A web address: an article page, a feed or a sitemap, remembered for later syncs."""
        url = (url or "").strip()
        if not url.lower().startswith(("http://", "https://")):
            return "Give a web address that starts with http:// or https://."
        progress(0, desc="fetching")
        try:
            report = bot.ingest(url, on_progress=lambda d, t: progress(d / t, desc="embedding"))
        except RagError as error:
            return render.error_html(str(error))
        return "\n".join(report_lines(report, "not read", str))

    def article_view(search: str, sources: list, date_from: str, date_to: str, scope_sources: list,
                     scope_articles: list, delete_pick: str | None) -> tuple:
        """The table, its source filter, and the pickers, with the picks still in the index kept."""
        known = bot.articles()
        try:
            shown = panel.matching(known, search, sources, date_from, date_to)
        except RagError as error:
            gr.Warning(str(error))
            shown = known
        ids, all_sources = {a.article_id for a in known}, panel.source_choices(known)
        choices = panel.article_choices(known)
        return (gr.update(value=panel.rows(shown, roots)),
                f"{len(shown)} of {len(known)} article{'s' * (len(known) != 1)} shown",
                gr.update(choices=all_sources, value=[s for s in sources or [] if s in all_sources]),
                gr.update(choices=all_sources, value=[s for s in scope_sources or [] if s in all_sources]),
                gr.update(choices=choices, value=[a for a in scope_articles or [] if a in ids]),
                gr.update(choices=choices, value=delete_pick if delete_pick in ids else None),
                list(zip([a.article_id for a in shown], panel.rows(shown, roots), strict=True)))

    def pick_row(data: gr.SelectData, shown_rows: list):
        """A click on a row of the table picks that article to delete: found by the row's cells, which
        still hold when the reader has sorted the table in the browser."""
        cells = [str(c) for c in (getattr(data, "row_value", None) or [])]
        for article_id, row in shown_rows or []:
            if [str(c) for c in row] == cells:
                return article_id
        return gr.skip()

    def delete_article(article_id: str | None):
        if not article_id:
            return "Pick the article to delete first."
        try:
            return render.safe(panel.delete(bot, article_id, roots))
        except RagError as error:
            return render.error_html(str(error))

    def reingest(progress=gr.Progress()):  # noqa: B008  (Gradio injects its progress bar so)
        lines = []
        for folder in (settings.corpus_dir, uploads.upload_dir(settings.data_dir)):
            if not Path(folder).is_dir():
                continue
            try:
                report = bot.ingest(folder, on_progress=lambda d, t: progress(d / t, desc="embedding"))
            except RagError as error:
                return render.error_html(str(error))
            lines.append(f"**{render.safe(roots.shown(str(folder)) or str(folder))}**: {render.safe(report.summary())}")
        if bot.web_sources():
            try:
                report = bot.sync(on_progress=lambda d, t: progress(d / t, desc="embedding"))
            except RagError as error:
                return render.error_html(str(error))
            lines.append(f"**web sources**: {render.safe(report.summary())}")
        return "\n\n".join(lines) or "No corpus folder, uploads or web sources to ingest."

    def open_source(key: str, cards: dict):
        """A card or [n] clicked: its passage in the article around it, in the side panel."""
        found = (cards or {}).get("cards", {}).get((key or "").strip())
        if found is None:
            return gr.skip(), gr.skip()
        source = Source(**found)
        try:
            passages = bot.article_passages(source.article_id)
        except RagError as error:
            return render.error_html(str(error)), gr.Sidebar(open=True)
        return render.source_panel(source, passages, roots.shown), gr.Sidebar(open=True)

    def scope_line(scope_sources: list, scope_articles: list) -> str:
        line = panel.describe_scope(scope_sources, scope_articles, bot.articles())
        return f"**{render.safe(line)}**" if line else ""

    with gr.Blocks(title=TITLE) as app:
        # The browser remembers its current conversation (encrypted, in localStorage): a reload or a
        # server restart brings it back; a new browser starts its own.
        current = gr.BrowserState("", storage_key="rag-conversation", secret=browser_secret(settings.data_dir))
        with gr.Sidebar(label="Conversations", elem_id="sidebar") as sidebar:
            new = gr.Button("New conversation", elem_id="new-conversation", variant="primary")
            search = gr.Textbox(show_label=False, placeholder="Search conversations", elem_id="conv-search")
            conversations = gr.Radio([], label="Conversations", show_label=False, elem_id="conversations")
            with gr.Accordion("This conversation", open=True, elem_id="conv-actions"):
                title = gr.Textbox(label="Name", elem_id="conv-title")
                with gr.Row():
                    rename_button = gr.Button("Rename", elem_id="rename", size="sm")
                    delete_button = gr.Button("Delete", elem_id="delete", size="sm", variant="stop")
                with gr.Row():
                    export_md = gr.DownloadButton("Markdown", elem_id="export-md", size="sm", interactive=False)
                    export_json = gr.DownloadButton("JSON", elem_id="export-json", size="sm", interactive=False)
        with gr.Sidebar(label="Source", open=False, position="right", width=440,
                        elem_id="source-panel") as source_panel:
            source_view = gr.HTML(elem_id="source-view")
        cards = gr.State({})  # the shown answers' sources by card key, and saved turns by message (with_answer)
        # A click on a card or an [n] marker (the script in HEAD) puts the card's key here and presses the button.
        source_key = gr.Textbox(visible="hidden", elem_id="open-source")
        source_go = gr.Button(visible="hidden", elem_id="open-source-go")
        gr.Markdown(f"## {TITLE}")
        status = gr.Markdown(status_line(bot), elem_id="status")
        chatbot = gr.Chatbot(elem_id="chat", height=560, sanitize_html=True, allow_tags=False,
                             feedback_options=("Like", "Dislike"), group_consecutive_messages=False, show_label=False,
                             buttons=["copy"],  # no "share": it would post the chat to a hub
                             placeholder="Ask a question about the articles; answers cite them as [1], [2] …")
        history = gr.State([])  # the conversation as plain text, for follow-ups
        with gr.Row():
            box = gr.Textbox(show_label=False, placeholder="Ask a question about the articles",
                             elem_id="question", scale=8, autofocus=True)
            ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
            stop_button = gr.Button("Stop", variant="stop", elem_id="stop", scale=1, visible=False)
            clear = gr.Button("Clear conversation", elem_id="clear", scale=1)
        scope_note = gr.Markdown(elem_id="scope-note")
        with gr.Column(visible=False, elem_id="feedback-box") as feedback_box, gr.Group():
            feedback_note = gr.Markdown(elem_id="feedback-note")
            with gr.Row():
                comment = gr.Textbox(label="Comment", elem_id="feedback-comment", scale=3)
                right_answer = gr.Textbox(label="The right answer (for `rag feedback export`)",
                                          elem_id="feedback-right", scale=3)
                save_comment = gr.Button("Save", elem_id="feedback-save", scale=1)
        rated = gr.State(None)  # the position of the turn the box is about
        gr.Examples(example_questions(bot), inputs=box, label="Examples", api_visibility="private")
        with gr.Accordion("Settings", open=False, elem_id="settings"):
            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve")
            with gr.Row():
                date_from = gr.Textbox(label="Articles from (YYYY-MM-DD)", elem_id="date-from")
                date_to = gr.Textbox(label="Articles to (YYYY-MM-DD)", elem_id="date-to")
                as_of = gr.Textbox(label="Ask as of (YYYY-MM-DD; empty: today)", elem_id="as-of",
                                   info="What 'this week' or 'yesterday' mean, and which articles are recent")
            gr.Markdown(f"Answering backend: **{render.safe(bot.backend)}** (set RAG_LLM, OPENAI_API_KEY"
                        " or OPENAI_BASE_URL before starting to change it)")
        with gr.Accordion("Articles", open=False, elem_id="articles"):
            with gr.Row():
                art_search = gr.Textbox(label="Search titles, sources, files", elem_id="article-search", scale=3)
                art_sources = gr.Dropdown([], multiselect=True, label="Source", elem_id="article-sources", scale=2)
                art_from = gr.Textbox(label="Dated from (YYYY-MM-DD)", elem_id="article-from", scale=1)
                art_to = gr.Textbox(label="Dated to (YYYY-MM-DD)", elem_id="article-to", scale=1)
            art_count = gr.Markdown(elem_id="article-count")
            shown_ids = gr.State([])  # the table's (article id, row) pairs
            art_table = gr.Dataframe(headers=panel.HEADERS, datatype=["str", "str", "str", "number", "str"],
                                     interactive=False, wrap=True, elem_id="article-table", max_height=420)
            gr.Markdown("**Chat only about** these sources or articles (empty: the whole corpus)")
            with gr.Row():
                scope_sources = gr.Dropdown([], multiselect=True, label="Sources", elem_id="scope-sources")
                scope_articles = gr.Dropdown([], multiselect=True, label="Articles", elem_id="scope-articles")
            with gr.Row():
                delete_pick = gr.Dropdown([], label="Article to delete", elem_id="delete-pick", scale=3)
                delete_art = gr.Button("Delete article", variant="stop", elem_id="delete-article", scale=1)
                reingest_button = gr.Button("Re-ingest corpus and uploads", elem_id="reingest", scale=1)
            art_report = gr.Markdown(elem_id="article-report")
        with gr.Accordion("Add articles", open=False, elem_id="upload"):
            files = gr.File(file_count="multiple", label="Article files: " + ", ".join(sorted(uploads.FILE_TYPES)),
                            file_types=sorted(uploads.FILE_TYPES), elem_id="files")
            ingest = gr.Button("Ingest files", elem_id="ingest")
            with gr.Row():
                url_box = gr.Textbox(label="Or a web address: an article page, an RSS/Atom feed or a sitemap",
                                     placeholder="https://", elem_id="url", scale=4)
                fetch = gr.Button("Fetch and ingest", elem_id="ingest-url", scale=1)
            ingest_report = gr.Markdown(elem_id="ingest-report")

        view_outputs = [chatbot, history, current, conversations, title, export_md, export_json, cards]
        inputs = [box, chatbot, history, current, search, top_k, date_from, date_to, as_of, scope_sources,
                  scope_articles, cards]
        # The events serve this page only: none is a public API (nor listed in the page before login).
        private = {"api_visibility": "private"}
        app.load(restore, [current, search], view_outputs, **private)
        # On a phone the open sidebar would cover the chat: it starts closed there (the page's width is
        # known only in the browser, so the event's js hands it to the hidden checkbox).
        narrow = gr.Checkbox(visible="hidden", elem_id="narrow")
        app.load(lambda small: gr.Sidebar(open=not small), narrow, sidebar, js="() => window.innerWidth < 768",
                 **private)
        # While an answer is made, Stop shows; it cancels the answer (asked, or regenerated by the chat's
        # retry button) and says so under what came.
        answering = []
        for trigger, answer in ((box.submit, respond), (ask.click, respond), (chatbot.retry, regenerate)):
            trigger(lambda: gr.update(visible=True), None, stop_button, queue=False, **private)
            event = trigger(answer, inputs, [box, *view_outputs], **private)
            event.then(lambda: gr.update(visible=False), None, stop_button, **private)
            answering.append(event)
        stop_button.click(stopped, chatbot, [chatbot, stop_button], cancels=answering, **private)
        chatbot.like(rate, [current, cards], [feedback_box, rated, feedback_note, right_answer], **private)
        save_comment.click(save_feedback, [current, rated, comment, right_answer],
                           [feedback_box, comment, right_answer], **private)
        # "Clear conversation", the chat's own trash button and "New conversation" do one thing: a new
        # conversation, with no history left for a follow-up to lean on (the old one stays listed).
        for starter in (clear.click, chatbot.clear, new.click):
            starter(new_conversation, search, [box, *view_outputs], **private)
        conversations.input(select, [conversations, search], view_outputs, **private)
        rename_outputs = [conversations, title, export_md, export_json]
        source_go.click(open_source, [source_key, cards], [source_view, source_panel], **private)
        rename_button.click(rename, [current, title, search], rename_outputs, **private)
        title.submit(rename, [current, title, search], rename_outputs, **private)
        delete_button.click(delete, [current, search], [box, *view_outputs], **private)
        search.change(search_list, [search, current], conversations, **private)
        article_inputs = [art_search, art_sources, art_from, art_to, scope_sources, scope_articles, delete_pick]
        article_outputs = [art_table, art_count, art_sources, scope_sources, scope_articles, delete_pick, shown_ids]
        refresh = {"fn": article_view, "inputs": article_inputs, "outputs": article_outputs, **private}
        app.load(**refresh)
        art_table.select(pick_row, shown_ids, delete_pick, **private)
        for change in (art_search.submit, art_sources.input, art_from.submit, art_to.submit):
            change(**refresh)
        for changed in (ingest.click(ingest_files, files, ingest_report, **private),
                        fetch.click(ingest_url, url_box, ingest_report, **private),
                        url_box.submit(ingest_url, url_box, ingest_report, **private),
                        delete_art.click(delete_article, delete_pick, art_report, **private),
                        reingest_button.click(reingest, None, art_report, **private)):
            changed.then(lambda: status_line(bot), None, status, **private).then(**refresh)
        for picker in (scope_sources, scope_articles):
            picker.change(scope_line, [scope_sources, scope_articles], scope_note, **private)
    return app


def report_lines(report, skipped: str, shown) -> list[str]:
    """An ingest report as Markdown lines: the summary, what was added or updated, each skipped item
    (named by ``shown`` of its path, after the word ``skipped``) with its reason, and the notes."""
    return ([f"**{render.safe(report.summary())}**"]
            + [f"- added {render.safe(t)}" for t in report.added]
            + [f"- updated {render.safe(t)}" for t in report.updated]
            + [f"- {skipped} **{render.safe(shown(s.path))}**: {render.safe(s.reason)}" for s in report.skipped]
            + [f"- {render.safe(note)}" for note in report.notes])


def launch(bot: Assistant, host: str = "127.0.0.1", port: int = 7860, user: str | None = None,
           password: str | None = None, block: bool = True,
           accounts: list[tuple[str, str]] | None = None) -> gr.Blocks:
    """Serve the app; any address but loopback needs a username and password (``accounts``: several
    users, each seeing only their own conversations)."""
    logins = [(user, password)] if user and password else []
    logins += [(name, secret) for name, secret in accounts or [] if name and secret]
    auth = logins or None
    if not is_loopback(host) and not auth:
        raise RagError(f"serving on {host} exposes the corpus to the network: set RAG_UI_USER and"
                       " RAG_UI_PASSWORD (or bind 127.0.0.1)")
    app = build(bot)
    app.queue(default_concurrency_limit=4)
    if auth:
        print(f"Password login is on (user{'s' * (len(logins) > 1)} {', '.join(repr(n) for n, _ in logins)}).")
    try:
        app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                   max_file_size=f"{int(bot.settings.max_file_mb)}mb", css=render.CSS, head=HEAD,
                   footer_links=[],
                   app_kwargs={"middleware": [Middleware(LoginThrottle)]})
    except OSError as err:
        raise RagError(f"cannot serve on {host}:{port} ({str(err).splitlines()[0][:120]}): is the port in"
                       " use? pass --port or set RAG_UI_PORT") from err
    return app

