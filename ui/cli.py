"""``rag chat``: the web chat, added to rag's command line from here so that rag never imports ui."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from rich.markup import escape

from rag import Assistant, RagError
from rag.cli import app, console, err
from rag.cli import main as rag_main
from ui.uploads import upload_dir


class UISettings(BaseSettings):
    """Where the web chat listens (env prefix RAG_UI_)."""

    model_config = SettingsConfigDict(env_prefix="RAG_UI_", env_file=".env", extra="ignore")
    host: str = "127.0.0.1"
    port: int = 7860
    user: str | None = None
    password: SecretStr | None = None


@app.command()
def chat(
    corpus: Annotated[Path | None, typer.Argument(help="Corpus to ingest first (default: RAG_CORPUS_DIR).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
) -> None:
    """Start the web chat, bringing the index up to date with the corpus first."""
    ui = UISettings()
    try:
        bot = Assistant()
        folder = corpus or bot.settings.corpus_dir
        if Path(folder).exists():
            report = bot.ingest(folder)
            console.print(f"index: {escape(report.summary())}")
        uploaded = upload_dir(bot.settings.data_dir)
        if uploaded.is_dir():  # finishes an upload that a crash or kill cut short
            console.print(f"uploads: {escape(bot.ingest(uploaded).summary())}")
        if not Path(folder).exists() and not bot.stats().passages:
            raise RagError(f"no corpus at {folder} and no index yet: give a corpus folder, e.g."
                           " `rag chat corpus/`")
        from ui.app import launch

        password = ui.password.get_secret_value() if ui.password else None
        launch(bot, host or ui.host, port or ui.port, ui.user, password)
    except RagError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None


def main() -> None:
    rag_main()
