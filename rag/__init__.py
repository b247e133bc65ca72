"""A chat assistant over an article corpus, with verified citations.

    from rag import Assistant
    bot = Assistant()
    bot.ingest("corpus/")
    answer = bot.ask("How did the US vote?")
"""

from rag import _offline  # noqa: F401  (first: sets the offline switches before any library loads)
from rag.answer import REFUSAL, Answer, Source
from rag.chain import FILE_TYPES, AnswerStream, ArticleInfo, Assistant, CorpusStats
from rag.errors import BackendError, ConfigError, IndexMissingError, IndexUnusableError, InputError, RagError
from rag.ingest import IngestReport
from rag.settings import Settings
from rag.sources.registry import WebSource

__all__ = ["FILE_TYPES", "REFUSAL", "Answer", "AnswerStream", "ArticleInfo", "Assistant", "BackendError",
           "ConfigError", "CorpusStats", "IndexMissingError", "IndexUnusableError", "IngestReport", "InputError",
           "RagError", "Settings", "Source", "WebSource", "ask", "evaluate"]

_default: Assistant | None = None


def ask(question: str, history: list[dict] | None = None, **options) -> Answer:
    """One-liner: answer with an Assistant built from the environment's settings (kept for reuse)."""
    global _default
    if _default is None:
        _default = Assistant()
    return _default.ask(question, history, **options)


def evaluate(qa_path, assistant: Assistant | None = None, corpus=None, limit: int | None = None,
             on_progress=None, use_judge: bool = False):
    """Run a QA file (README, "Evaluation") through an Assistant; returns an EvalReport.

    ``rag.evaluation.report.write(report, out_dir)`` writes report.json and report.html.
    """
    from rag.evaluation.runner import evaluate as run  # matplotlib and friends load only here

    return run(qa_path, assistant, corpus=corpus, limit=limit, on_progress=on_progress, use_judge=use_judge)
