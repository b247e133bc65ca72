"""The Gradio web chat: a thin face over ``rag.Assistant``."""
