"""Where a filed project stands, asked by naming the project rather than « ma demande » (« un point rapide sur la
piscine svp », « où en est la pépinière d'entreprises ? », « des nouvelles du dossier chaufferie ? », « ça avance, le
city stade ? »): the words of asking how it stands, then, in the same clause, a word of one of the person's filed
projects. Exact (the act reader may read « un point sur la piscine » as news to add, or as a call for a person).
Pure; never raises."""

from __future__ import annotations

import re

from intents.normalize import normalize

__all__ = ["asks_after", "asked_objects"]

#: the words of asking how something stands (on the normalised text)
_ASKS = re.compile(r"\b(?:ou en (?:est|sont)(?: on (?:avec|pour|sur))?|(?:ca|cela) en est ou|en est ou|"
                   r"(?:un |le |faire le |faire un )?point(?: rapide| rapidement)? (?:sur|pour|concernant)|"
                   r"(?:des |les )?nouvelles (?:de|du|des|d|pour|concernant)|(?:l )?avancement (?:de|du|des|d)|"
                   r"(?:ce )?que devien\w*|(?:le )?suivi (?:de|du|des|d)|comment avance\w*|(?:ca|cela) avance)\b")
#: … or the project named first, then the question (« la piscine, ça avance ? », « et la pépinière, on en est où ? »)
_ASKS_AFTER = re.compile(r"\b(?:(?:ca|cela) (?:avance|en est ou)|on en est ou|ou (?:ca|cela|on) en est)\b")
#: words too common in the needs to name one of them
_COMMON = frozenset("""demande demandes dossier dossiers projet projets notre votre leur cette rapide rapidement svp merci
commune communale communal communales communaux communautaire intercommunal intercommunale mairie ville village
travaux subvention subventions aide aides financement renovation creation amenagement construction refection
rehabilitation extension mise place projet bonjour""".split())
MIN_LETTERS = 4
#: a word of the message names a word of a need when they share this many first letters (« piscines », « piscine »)
STEM = 6


def _words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if len(w) >= MIN_LETTERS and w not in _COMMON]


def _same(a: str, b: str) -> bool:
    return a == b or (len(a) >= STEM and len(b) >= STEM and a[:STEM] == b[:STEM])


def asked_objects(text: object) -> list[str]:
    """What ``text`` asks the state of (the words after « un point sur », before « ça avance ? »); [] when it asks
    none (then no filed project need be read)."""
    if not isinstance(text, str) or not text.strip():
        return []
    objects: list[str] = []
    for clause in re.split(r"[.;!?\n]+", text[:1500]):
        norm = normalize(clause)
        m = _ASKS.search(norm)
        if m:
            objects.append(" ".join(norm[m.end():].split()[:8]))
        m = _ASKS_AFTER.search(norm)
        if m:
            objects.append(" ".join(norm[:m.start()].split()[-6:]))
    return objects


def asks_after(text: object, needs: list[str]) -> int | None:
    """The index in ``needs`` (the person's filed projects) of the one ``text`` asks the state of, else None."""
    if not isinstance(text, str) or not text.strip() or not needs:
        return None
    try:
        objects = asked_objects(text)
        if not objects:
            return None
        said = [w for obj in objects for w in _words(obj)]
        best: tuple[int, int] | None = None
        for i, need in enumerate(needs):
            shared = sum(1 for w in set(_words(need or "")) if any(_same(w, s) for s in said))
            if shared and (best is None or shared > best[0]):
                best = (shared, i)
        return best[1] if best else None
    except Exception:  # noqa: BLE001
        return None
