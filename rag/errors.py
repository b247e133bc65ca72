"""Errors a user sees: each carries one line that says what went wrong and what to do."""


class RagError(Exception):
    """Base of every error meant for a user; ``str(err)`` is the one-line message."""


class InputError(RagError):
    """The question or a file given by the user is unusable."""


class IndexMissingError(RagError):
    """No index has been built yet where the settings point."""


class IndexUnusableError(RagError):
    """The index exists but cannot be used (corrupt, or built with another embedding model)."""


class BackendError(RagError):
    """The LLM or Chroma server failed after its retries."""


class ConfigError(RagError):
    """A setting is missing or contradicts another."""
