"""`python -m ui`: the same as `rag chat`."""

import sys

from ui.cli import app

app(["chat", *sys.argv[1:]], prog_name="python -m ui")
