"""Answering backends: one protocol (``base.Answerer``), one module per backend, one factory.

A new backend is one class with the protocol's three methods and one ``case`` line below.
"""

from __future__ import annotations

from importlib import import_module

from rag.answerers.base import Answerer, Completer, Reply
from rag.embeddings import MiniLMEmbedding
from rag.errors import ConfigError
from rag.settings import Settings

__all__ = ["Answerer", "Completer", "Reply", "make"]


def make(settings: Settings, embed_model: MiniLMEmbedding) -> Answerer:
    """The answerer the settings select (``RAG_LLM``), imported only when chosen."""
    match settings.backend:
        case "extractive":
            return _load("extractive", "ExtractiveAnswerer")(embed_model)
        case "openai":
            return _load("openai", "OpenAIAnswerer", needs="openai")(settings)
    raise ConfigError(f"unknown RAG_LLM '{settings.backend}': use auto, extractive or openai")


def _load(module: str, name: str, needs: str | None = None):
    try:
        return getattr(import_module(f"rag.answerers.{module}"), name)
    except ModuleNotFoundError as err:
        if needs and err.name == needs:
            raise ConfigError(f"the {module} backend needs the '{needs}' package: pip install '{needs}'") from err
        raise
