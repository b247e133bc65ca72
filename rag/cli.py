"""The command line: ``rag ingest | ask``, a thin face over the public API."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rag import Assistant, RagError, Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of an article corpus, with citations. Settings: RAG_* env vars.")
# No emoji codes or highlighting: article text is shown as written (":x:" stays ":x:").
console = Console(soft_wrap=True, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)


def _fail(error: Exception) -> None:
    err.print(f"[bold red]error:[/] {escape(str(error))}")
    raise typer.Exit(1)


@app.command()
def ingest(
    path: Annotated[str | None, typer.Argument(help="Folder or file of articles (.md .txt .html .jsonl .pdf"
                                               " .docx), a URL (article page, RSS/Atom feed, sitemap), or a .txt"
                                               " file of URLs (default: RAG_CORPUS_DIR).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Drop the index and embed everything again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes that embed and write at once, each"
                                         " its share of the articles (needs a Chroma server: RAG_CHROMA_HOST).")] = 1,
) -> None:
    """Add, update and remove articles so the index mirrors PATH; unchanged ones cost nothing.

    A URL is remembered as a web source: `rag sync` fetches it again."""
    _run_ingest(lambda bot, progress, passages: bot.ingest(path, rebuild=rebuild, on_progress=progress,
                                                           on_passages=passages, workers=workers), as_json)


@app.command()
def sync(as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False) -> None:
    """Fetch every web source again: new entries added, changed pages replaced, unchanged ones cost a 304."""
    _run_ingest(lambda bot, progress, passages: bot.sync(on_progress=progress), as_json)


def _run_ingest(run, as_json: bool) -> None:
    try:
        bot = Assistant()
        with Progress(TextColumn("embedding articles"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                      TimeRemainingColumn(), console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task("ingest", total=None, rate="")
            first: dict[str, float] = {}  # the first write: the rate leaves out loading the model

            def passages(written: int) -> None:
                now = time.perf_counter()
                began, base = first.setdefault("t", now), first.setdefault("n", written)
                if written > base:
                    bar.update(task, rate=f"{(written - base) / (now - began):.1f} passages/s")

            report = run(bot, lambda done, total: bar.update(task, completed=done, total=total), passages)
    except RagError as error:
        _fail(error)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for skipped in report.skipped:
            err.print(f"[yellow]skipped[/] {escape(str(skipped))}")
        for note in report.notes:
            err.print(f"[yellow]note[/] {escape(note)}")
        console.print(escape(report.summary()) + f" -> {escape(bot.store.where)}")
    if report.interrupted:
        raise typer.Exit(130)


sources_app = typer.Typer(help="The web sources `rag sync` fetches: list them, or forget one.",
                          invoke_without_command=True)
app.add_typer(sources_app, name="sources")


@sources_app.callback()
def sources_list(ctx: typer.Context,
                 as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False) -> None:
    """List the web sources with their kind, last fetch and article count."""
    if ctx.invoked_subcommand:
        return
    import dataclasses
    import datetime as dt

    try:
        found = Assistant().web_sources()
    except RagError as error:
        _fail(error)
    if as_json:
        print(json.dumps([dataclasses.asdict(s) for s in found], indent=2, ensure_ascii=False))
        return
    if not found:
        console.print("no web sources yet: `rag ingest URL` adds one")
    for source in found:
        when = dt.datetime.fromtimestamp(source.fetched).strftime("%Y-%m-%d %H:%M") if source.fetched else "never"
        console.print(f"{escape(source.url)}  [dim]{source.kind or '?'} · {source.articles} articles · fetched"
                      f" {when} · {escape(source.result)}[/]")


@sources_app.command("remove")
def sources_remove(url: Annotated[str, typer.Argument(help="The source's URL, as `rag sources` lists it.")]) -> None:
    """Forget a web source and delete the articles that only it led to."""
    try:
        removed = Assistant().remove_web_source(url)
    except RagError as error:
        _fail(error)
    console.print(f"forgot {escape(url)}; {removed} articles removed")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question; quote it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    top_k: Annotated[int | None, typer.Option(min=1, max=50, help="Passages to retrieve (1-50).")] = None,
    date_from: Annotated[str, typer.Option("--from", help="Only articles dated on or after (YYYY-MM-DD).")] = "",
    date_to: Annotated[str, typer.Option("--to", help="Only articles dated on or before (YYYY-MM-DD).")] = "",
    as_of: Annotated[str, typer.Option("--as-of", help="Ask as on this date (YYYY-MM-DD; default today): what"
                                       " 'this week' means and which articles are recent.")] = "",
) -> None:
    """Answer QUESTION from the indexed articles, citing them as [1], [2] ..."""
    try:
        answer = Assistant().ask(question, top_k=top_k, date_from=date_from, date_to=date_to, as_of=as_of or None)
    except RagError as error:
        _fail(error)
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    if answer.short:
        console.print(f"[bold]{escape(answer.short)}[/]", highlight=False)
    console.print(escape(answer.text), highlight=False)
    if answer.sources:
        console.print("\n[bold]Sources[/]")
    for source in answer.sources:
        meta = " · ".join(x for x in (source.date, source.location, source.page and f"p. {source.page}") if x)
        console.print(f"[bold][{source.number}][/] {escape(source.title)}  [dim]{escape(meta)}[/]",
                  highlight=False)
        console.print(f"    “{escape(source.quote)}”", style="italic", highlight=False)
    err.print(f"[dim]{escape(answer.backend)} · {answer.timings.get('total', 0) * 1000:.0f} ms[/]")


@app.command("eval")
def eval_command(
    qa: Annotated[Path, typer.Argument(help="QA file (JSON lines), or with --format the benchmark's folder.")],
    corpus: Annotated[Path | None, typer.Option(help="Ingest this corpus first (into --data-dir).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for report.json, report.html (and converted data).")] = Path(
        "report"),
    fmt: Annotated[str, typer.Option("--format", help="jsonl, or a benchmark to convert: realtimeqa, rgb,"
                                     " rgb-unanswerable (half the questions lose their answer passages).")] = "jsonl",
    split: Annotated[str, typer.Option(help="RealTime QA split: dev (tune), test (report), paper (the published"
                                       " baselines' weeks) or all.")] = "test",
    data_dir: Annotated[Path | None, typer.Option(help="Index to use (default: OUT/index with a corpus).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    judge: Annotated[bool, typer.Option(help="Let the LLM grade faithfulness and correctness.")] = False,
) -> None:
    """Run a QA set through the assistant and write report.json and report.html."""
    from rag.evaluation import converters
    from rag.evaluation.report import write
    from rag.evaluation.runner import evaluate

    try:
        if fmt == "realtimeqa":
            corpus_path, qa = converters.realtimeqa(qa, out / "data", split)
            corpus = corpus or corpus_path.parent
        elif fmt in ("rgb", "rgb-unanswerable"):
            corpus_path, qa = converters.rgb(qa, out / "data", unanswerable=fmt == "rgb-unanswerable")
            corpus = corpus or corpus_path.parent
        elif fmt != "jsonl":
            raise RagError(f"unknown --format '{fmt}': use jsonl, realtimeqa, rgb or rgb-unanswerable")
        overrides = {"data_dir": data_dir or out / "index"} if (data_dir or corpus) else {}
        bot = Assistant(Settings(**overrides))
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            if corpus:
                task = bar.add_task("ingesting", total=None)
                report = bot.ingest(corpus, on_progress=lambda d, t: bar.update(task, completed=d, total=t))
                err.print(f"corpus: {escape(report.summary())}")
            task = bar.add_task("questions", total=None)
            result = evaluate(qa, bot, limit=limit, use_judge=judge,
                              on_progress=lambda d, t: bar.update(task, completed=d, total=t))
        json_path, html_path = write(result, out)
    except RagError as error:
        _fail(error)
    for problem in result.problems:
        err.print(f"[yellow]skipped[/] {escape(problem)}")
    for key, value in result.metrics.items():
        if value is not None:
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            console.print(f"{key:<28} {shown}")
    console.print(f"wrote {json_path} and {html_path}" + (" (interrupted: partial)" if result.interrupted else ""))
    if result.interrupted:
        raise typer.Exit(130)


@app.command("compare")
def compare_command(
    run_a: Annotated[Path, typer.Argument(help="Report folder of run A (the baseline).")],
    run_b: Annotated[Path, typer.Argument(help="Report folder of run B.")],
    out: Annotated[Path | None, typer.Option(help="Folder for compare.json and compare.html (default: RUN_B).")] = None,
    fail_if_worse: Annotated[list[str] | None, typer.Option(help="Exit 1 when B is significantly worse on this"
                                                           " metric (repeatable), e.g. mrr@10.")] = None,
) -> None:
    """Compare two evaluation runs (also `rag eval compare A B`): paired intervals, p-values, changed questions."""
    from rag.evaluation.compare import compare, write

    try:
        result = compare(run_a, run_b)
        json_path, html_path = write(result, out or run_b)
    except RagError as error:
        _fail(error)
    console.print(f"{'metric':<28} {'A':>7} {'B':>7} {'B - A':>8}  95% interval      p")
    for name, d in result.metrics.items():
        mark = " *" if d.significant else ""
        console.print(f"{name:<28} {d.a:7.3f} {d.b:7.3f} {d.diff:+8.3f}  [{d.low:+.3f}, {d.high:+.3f}]"
                      f"  {d.p:.3f}{mark}")
    for key, (a, b) in result.config_differences.items():
        console.print(f"config differs: {escape(key)}: {escape(str(a))} -> {escape(str(b))}")
    if result.only_in_a or result.only_in_b:
        console.print(f"only in A: {len(result.only_in_a)} questions; only in B: {len(result.only_in_b)}")
    console.print(f"{len(result.changed)} questions changed; wrote {json_path} and {html_path}")
    worse = [metric for metric in fail_if_worse or [] if result.worse(metric)]
    if worse:
        err.print(f"[bold red]worse:[/] B is significantly worse than A on {', '.join(worse)}")
        raise typer.Exit(1)


@app.command()
def settings() -> None:
    """Print the settings in force (secrets hidden)."""
    print(Settings().model_dump_json(indent=2))


def main() -> None:
    if sys.argv[1:3] == ["eval", "compare"]:  # `rag eval compare A B` is `rag compare A B`
        del sys.argv[1]
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
