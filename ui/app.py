"""The web chat: streamed answers with source cards, follow-ups, settings, uploads."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from rag import Assistant, RagError
from ui import render, uploads
from ui.access import is_loopback
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


def build(bot: Assistant) -> gr.Blocks:
    settings = bot.settings

    def respond(message: str, chat: list, history: list, top_k: float, date_from: str, date_to: str,
                as_of: str):
        chat = list(chat or [])
        turn = len(chat)
        try:
            stream = bot.stream(message, history, top_k=int(top_k or settings.top_k),
                                date_from=(date_from or "").strip(), date_to=(date_to or "").strip(),
                                as_of=(as_of or "").strip() or None)
        except RagError as error:
            yield message, [*chat, {"role": "assistant", "content": render.error_html(str(error))}], history
            return
        chat += [{"role": "user", "content": render.safe(message.strip())},
                 {"role": "assistant", "content": ""}]
        text = ""
        try:
            for piece in stream:
                text += piece
                chat[-1] = {"role": "assistant", "content": render.text_with_links(text, turn)}
                yield "", chat, history
        except Exception as error:  # a bug must not leave the page stuck or show a traceback either
            if not isinstance(error, RagError):
                log.exception("answering %r failed", message)
                error = f"internal error ({type(error).__name__}); the server log has the details"
            chat[-1] = {"role": "assistant", "content": render.error_html(str(error))}
            yield "", chat, history
            return
        chat[-1] = {"role": "assistant", "content": render.answer_html(stream.answer, turn)}
        yield "", chat, stream.answer.history

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
            lines = [f"**{render.safe(report.summary())}**"] + \
                [f"- added {render.safe(t)}" for t in report.added] + \
                [f"- updated {render.safe(t)}" for t in report.updated] + \
                [f"- skipped **{render.safe(Path(s.path).name)}**: {render.safe(s.reason)}"
                 for s in report.skipped] + lines
        return "\n".join(lines)

    with gr.Blocks(title=TITLE) as app:
        gr.Markdown(f"## {TITLE}")
        status = gr.Markdown(status_line(bot), elem_id="status")
        chatbot = gr.Chatbot(elem_id="chat", height=560, sanitize_html=True, allow_tags=False,
                             feedback_options=None, group_consecutive_messages=False,
                             buttons=["copy"],  # no "share": it would post the chat to a hub
                             placeholder="Ask a question about the articles; answers cite them as [1], [2] …")
        history = gr.State([])  # the conversation as plain text, one per browser session
        with gr.Row():
            box = gr.Textbox(show_label=False, placeholder="Ask a question about the articles",
                             elem_id="question", scale=8, autofocus=True)
            ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
            clear = gr.Button("Clear conversation", elem_id="clear", scale=1)
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
        with gr.Accordion("Add articles", open=False, elem_id="upload"):
            files = gr.File(file_count="multiple", label="Markdown, text, HTML or JSON-lines files",
                            file_types=sorted(uploads.FILE_TYPES), elem_id="files")
            ingest = gr.Button("Ingest files", elem_id="ingest")
            ingest_report = gr.Markdown(elem_id="ingest-report")

        inputs = [box, chatbot, history, top_k, date_from, date_to, as_of]
        # The events serve this page only: none is a public API (nor listed in the page before login).
        private = {"api_visibility": "private"}
        box.submit(respond, inputs, [box, chatbot, history], **private)
        ask.click(respond, inputs, [box, chatbot, history], **private)
        clear.click(lambda: ([], [], ""), None, [chatbot, history, box], **private)
        ingest.click(ingest_files, files, ingest_report, **private).then(lambda: status_line(bot), None, status,
                                                                           **private)
    return app


def launch(bot: Assistant, host: str = "127.0.0.1", port: int = 7860, user: str | None = None,
           password: str | None = None, block: bool = True) -> gr.Blocks:
    """Serve the app; any address but loopback needs a username and password."""
    auth = (user, password) if user and password else None
    if not is_loopback(host) and not auth:
        raise RagError(f"serving on {host} exposes the corpus to the network: set RAG_UI_USER and"
                       " RAG_UI_PASSWORD (or bind 127.0.0.1)")
    app = build(bot)
    app.queue(default_concurrency_limit=4)
    if auth:
        print(f"Password login is on (user '{user}').")
    try:
        app.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                   max_file_size=f"{int(bot.settings.max_file_mb)}mb", css=render.CSS, footer_links=[],
                   app_kwargs={"middleware": [Middleware(LoginThrottle)]})
    except OSError as err:
        raise RagError(f"cannot serve on {host}:{port} ({str(err).splitlines()[0][:120]}): is the port in"
                       " use? pass --port or set RAG_UI_PORT") from err
    return app

