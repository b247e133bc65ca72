"""The command line: ``rag ingest | ask``, a thin face over the public API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rag import Assistant, RagError, Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of an article corpus, with citations. Settings: RAG_* env vars.")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(error: Exception) -> None:
    err.print(f"[bold red]error:[/] {escape(str(error))}")
    raise typer.Exit(1)


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="Folder or file of articles (default: RAG_CORPUS_DIR).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Drop the index and embed everything again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add, update and remove articles so the index mirrors PATH; unchanged ones cost nothing."""
    try:
        bot = Assistant()
        with Progress(TextColumn("embedding articles"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task("ingest", total=None)
            report = bot.ingest(path, rebuild=rebuild,
                                on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    except RagError as error:
        _fail(error)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for skipped in report.skipped:
            err.print(f"[yellow]skipped[/] {escape(str(skipped))}")
        out.print(escape(report.summary()) + f" -> {escape(bot.store.where)}")
    if report.interrupted:
        raise typer.Exit(130)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question; quote it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    top_k: Annotated[int | None, typer.Option(help="Passages to retrieve.")] = None,
    date_from: Annotated[str, typer.Option("--from", help="Only articles dated on or after (YYYY-MM-DD).")] = "",
    date_to: Annotated[str, typer.Option("--to", help="Only articles dated on or before (YYYY-MM-DD).")] = "",
) -> None:
    """Answer QUESTION from the indexed articles, citing them as [1], [2] ..."""
    try:
        answer = Assistant().ask(question, top_k=top_k, date_from=date_from, date_to=date_to)
    except RagError as error:
        _fail(error)
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    out.print(escape(answer.text), highlight=False)
    if answer.sources:
        out.print("\n[bold]Sources[/]")
    for source in answer.sources:
        meta = " · ".join(x for x in (source.date, source.location) if x)
        out.print(f"[bold][{source.number}][/] {escape(source.title)}  [dim]{escape(meta)}[/]",
                  highlight=False)
        out.print(f"    “{escape(source.quote)}”", style="italic", highlight=False)
    err.print(f"[dim]{escape(answer.backend)} · {answer.timings.get('total', 0) * 1000:.0f} ms[/]")


@app.command()
def settings() -> None:
    """Print the settings in force (secrets hidden)."""
    print(Settings().model_dump_json(indent=2))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
