"""The `rag` command's entry point: it runs before the heavy imports, so that they can be made cheaper.

A cold `rag ask` imports llama-index, Chroma, onnxruntime and spaCy: some 300k objects, over which the
cyclic garbage collector would otherwise pass again and again while they load (0.15 s of a 3.8 s start).
None of them is garbage, so collection waits until they are in, and they are then frozen out of it.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from ui.cli import main as run
    finally:
        gc.freeze()  # modules and classes live as long as the process: later collections skip them
        gc.enable()
    run()
