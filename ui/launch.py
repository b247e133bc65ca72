"""The `rag` command's entry point: it runs before the heavy imports, so that they can be made cheaper.

A cold `rag ask` imports llama-index, Chroma, onnxruntime and spaCy: some 300k objects, over which the
cyclic garbage collector would otherwise pass again and again while they load (0.15 s of a 3.8 s start).
None of them is garbage, so collection waits until they are in, and they are then frozen out of it.
Then the interpreter's teardown frees those objects one by one (0.5 s): a command that only prints,
`rag ask`, ends without it once every exit handler has run.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys


def main() -> None:
    end = _EndWithoutTeardown() if sys.argv[1:2] == ["ask"] else None
    gc.disable()
    try:
        from ui.cli import main as run
    finally:
        gc.freeze()  # modules and classes live as long as the process: later collections skip them
        gc.enable()
    try:
        run()
    except SystemExit as done:
        if end is not None:
            end.code = done.code
        raise


class _EndWithoutTeardown:
    """An exit handler registered before any library's: handlers run last-registered first, so this one
    runs after all of them (logging's flush among them), flushes the output and ends the process."""

    def __init__(self) -> None:
        self.code: int | str | None = 0
        atexit.register(self)

    def __call__(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(self.code if isinstance(self.code, int) else int(self.code is not None))  # a message: 1
