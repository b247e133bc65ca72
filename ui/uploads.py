"""Uploaded article files: checked, confined to the data directory, then ingested like any corpus."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rag import FILE_TYPES

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Saved:
    files: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def discard_skipped(skipped, target: Path) -> None:
    """Delete the uploaded files that ingest skipped (a JSON-lines file with one bad line stays)."""
    for item in skipped:
        path = Path(item.path)
        if path.parent == target.resolve() and path.is_file():
            path.unlink()


def upload_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def safe_name(name: str) -> str:
    """A plain file name: no folders, no leading dot, only letters, digits, '.', '_' and '-'."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip("._")
    return base[:120]


def save(paths: list[str], names: list[str], target: Path, max_mb: float) -> Saved:
    """Copy uploaded files into ``target``; anything of the wrong type or size is rejected."""
    target.mkdir(parents=True, exist_ok=True)
    result = Saved()
    for path, name in zip(paths, names, strict=True):
        clean = safe_name(name)
        suffix = Path(clean).suffix.lower()
        size = Path(path).stat().st_size
        if not clean or suffix not in FILE_TYPES:
            result.rejected.append((name, f"type '{suffix or name}' is not one of {', '.join(sorted(FILE_TYPES))}"))
        elif size > max_mb * 1024 * 1024:
            result.rejected.append((name, f"{size / 1024 / 1024:.1f} MB is over the {max_mb:g} MB limit"))
        else:
            dest = (target / clean).resolve()
            if dest.parent != target.resolve():  # belt and braces: never outside the upload folder
                result.rejected.append((name, "not a plain file name"))
                continue
            shutil.copyfile(path, dest)
            result.files.append(dest)
    return result
