"""``rag chat``: the web chat, added to rag's command line from here so that rag never imports ui."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from rich.markup import escape

from rag import Assistant, RagError, Settings
from rag.cli import app, console, err
from rag.cli import main as rag_main
from ui.uploads import upload_dir


class UISettings(BaseSettings):
    """Where the web chat listens (env prefix RAG_UI_) and the API keys of `rag serve` (RAG_API_KEYS)."""

    model_config = SettingsConfigDict(env_prefix="RAG_UI_", env_file=".env", extra="ignore")
    host: str = "127.0.0.1"
    port: int = 7860
    user: str | None = None
    password: SecretStr | None = None
    api_keys: SecretStr | None = Field(None, validation_alias=AliasChoices("RAG_API_KEYS", "RAG_UI_API_KEYS"),
                                       description="Keys for /v1 of `rag serve`, comma-separated.")


def _prepared(corpus: Path | None) -> Assistant:
    """An Assistant whose index is up to date with the corpus (and with uploads a kill cut short)."""
    bot = Assistant(corpus_dir=corpus) if corpus else Assistant()  # the status line names the folder in use
    folder = bot.settings.corpus_dir
    if Path(folder).exists():
        report = bot.ingest(folder)
        console.print(f"index: {escape(report.summary())}")
    uploaded = upload_dir(bot.settings.data_dir)
    if uploaded.is_dir():  # finishes an upload that a crash or kill cut short
        console.print(f"uploads: {escape(bot.ingest(uploaded).summary())}")
    if not Path(folder).exists() and not bot.stats().passages:
        raise RagError(f"no corpus at {folder} and no index yet: give a corpus folder, e.g."
                       " `rag chat corpus/`")
    return bot


def _interval(text: str) -> float | None:
    if not text:
        return None
    from ui.sync_loop import parse_every

    try:
        return parse_every(text)
    except ValueError as error:
        raise RagError(f"--sync-every {error}") from None


def _start_sync(bot: Assistant, every: float | None) -> None:
    if every:
        from ui.sync_loop import SyncLoop

        SyncLoop(bot, every).start()
        console.print(f"web sources: fetched again every {every:g} s")


@app.command()
def chat(
    corpus: Annotated[Path | None, typer.Argument(help="Corpus to ingest first (default: RAG_CORPUS_DIR).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
    sync_every: Annotated[str, typer.Option(help="Fetch the web sources again at this interval (30m, 2h, 1d)"
                                            " while the chat runs; off by default.")] = "",
) -> None:
    """Start the web chat, bringing the index up to date with the corpus first."""
    ui = UISettings()
    try:
        every = _interval(sync_every)
        bot = _prepared(corpus)
        _start_sync(bot, every)
        from ui.app import launch

        password = ui.password.get_secret_value() if ui.password else None
        launch(bot, host or ui.host, port or ui.port, ui.user, password)
    except RagError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None


@app.command()
def serve(
    corpus: Annotated[Path | None, typer.Argument(help="Corpus to ingest first (default: RAG_CORPUS_DIR).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
    ingest: Annotated[bool, typer.Option(help="Bring the index up to date with the corpus first.")] = True,
    sync_every: Annotated[str, typer.Option(help="Fetch the web sources again at this interval (30m, 2h, 1d);"
                                            " off by default.")] = "",
) -> None:
    """Serve the web chat at / and the HTTP API (OpenAI-compatible) at /v1 on one port.

    Beyond loopback, RAG_API_KEYS (comma-separated) and RAG_UI_USER / RAG_UI_PASSWORD are required."""
    from ui.access import check_exposure, parse_keys  # fastapi loads for `serve` only

    ui = UISettings()
    host = host or ui.host
    keys = parse_keys(ui.api_keys.get_secret_value() if ui.api_keys else None)
    login = (ui.user, ui.password.get_secret_value()) if ui.user and ui.password else None
    try:
        check_exposure(host, keys, login)  # before the model loads: a refusal is immediate
        every = _interval(sync_every)
        bot = _prepared(corpus) if ingest else Assistant()
        _start_sync(bot, every)
        from ui.serve import run

        run(bot, host, port or ui.port, keys, login)
    except RagError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None


feedback = typer.Typer(no_args_is_help=True, help="What readers of the web chat said of its answers.")
app.add_typer(feedback, name="feedback")


@feedback.command("export")
def feedback_export(
    out: Annotated[Path, typer.Argument(help="The QA file to write (JSON lines).")] = Path("feedback-qa.jsonl"),
    data_dir: Annotated[Path | None, typer.Option(help="Where the conversations are (default: RAG_DATA_DIR).")]
    = None,
) -> None:
    """Write the thumbs-down questions as a QA file that `rag eval` reads (the right answer, when the reader
    gave one, is the expected answer)."""
    from ui.conversations import ConversationStore
    from ui.feedback import export

    folder = data_dir or Settings().data_dir
    path = Path(folder) / "conversations.sqlite3"
    if not path.is_file():
        err.print(f"[bold red]error:[/] no conversations in {escape(str(folder))} yet: the web chat keeps them"
                  " there (set RAG_DATA_DIR or --data-dir to its data directory)")
        raise typer.Exit(1)
    try:
        written, unanswered = export(ConversationStore(path), out)
    except (OSError, sqlite3.Error) as error:
        err.print(f"[bold red]error:[/] cannot export to {escape(str(out))}: {escape(str(error).splitlines()[0])}")
        raise typer.Exit(1) from None
    console.print(f"wrote {written} thumbs-down question{'s' * (written != 1)} to {escape(str(out))}")
    if unanswered:
        err.print(f"[yellow]{unanswered} of them have no right answer yet:[/] add \"answer\" (or \"answerable\":"
                  " false) to those lines; until then `rag eval` lists them as incomplete and runs the rest")


def main() -> None:
    rag_main()
