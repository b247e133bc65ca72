"""Dependencies flow one way: faces (ui/) use only rag's public names (and the CLI they extend);
rag never imports ui; answerers know nothing of Chroma."""

from __future__ import annotations

import ast
from pathlib import Path

import rag

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in a file; ``import x.y`` gives ("x.y", [])."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def face_violations(folder: Path) -> list[str]:
    bad = []
    for path in sorted(folder.rglob("*.py")):
        for module, names in imports(path):
            if module == "rag":
                bad += [f"{path.name}: rag.{n}" for n in names if n not in rag.__all__]
            elif module.startswith("rag.") and module != "rag.cli":
                bad.append(f"{path.name}: {module}")
    return bad


def test_the_faces_use_only_rags_public_names():
    assert face_violations(ROOT / "ui") == []


def test_the_check_catches_a_face_that_reaches_inside(tmp_path):
    (tmp_path / "face.py").write_text("from rag.store import Store\nfrom rag import Assistant, _default\n"
                                      "import rag.retrieval\nfrom rag.cli import app\n")
    assert face_violations(tmp_path) == ["face.py: rag.store", "face.py: rag._default", "face.py: rag.retrieval"]


def test_rag_never_imports_ui_and_answerers_never_touch_chroma():
    for path in sorted((ROOT / "rag").rglob("*.py")):
        modules = [m for m, _ in imports(path)]
        assert not [m for m in modules if m == "ui" or m.startswith("ui.")], path
        if "answerers" in path.parts:
            chroma = [m for m in modules if m.split(".")[0] == "chromadb" or m in ("rag.store", "rag.retrieval")]
            assert not chroma, path
