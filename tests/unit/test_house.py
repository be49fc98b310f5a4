"""The house a newcomer can live in (issue 23): no source file longer than one person reads in a sitting. The layers
and the absence of import circles are checked by `lint-imports` (.importlinter) in ./scripts/test."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 600


def test_no_source_file_over_600_lines() -> None:
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    too_long = {}
    for name in files.split():
        if name.startswith("tests/") or "/migrations/" in name or "/vendor/" in name:
            continue
        path = ROOT / name
        if path.exists():
            lines = path.read_text(encoding="utf-8").count("\n")
            if lines > MAX_LINES:
                too_long[name] = lines
    assert too_long == {}, f"split these along their seams: {too_long}"
