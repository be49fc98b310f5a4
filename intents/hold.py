"""The person holds the request at the recap, read from meaning (« en relisant, je préfère attendre : le conseil vote
le budget en avril, je reviendrai après », « on attend la délib avant de déposer », « laissez-la en brouillon »).

Each sentence of the message and each of its clauses (``intents.distill.split_clauses``) is compared by the sentence
encoder with labelled clauses (``intents/data/hold_clauses.yaml``): ``attendre`` (not now, wait, come back later)
against what does not hold the request (``envoyer``: approving it; ``corriger``: a fact corrected or added;
``autre``: the reason told, the council's date, thanks). The nearest labelled clauses vote
(``intents.distill.vote``). A message holds the request when one of its units is both like its nearest labelled
clause (``MIN_SIMILARITY``) and sure of « attendre » (``MIN_SHARE``).

The caller asks only when nothing else of the message was understood at the recap (no fact read, no correction):
the reply is then « rien n'est envoyé, votre demande reste ici » rather than « je n'ai pas compris ». Without an
encoder: False (the caller keeps its exact words of not sending yet). Pure; never raises.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["holds", "read_units", "available", "warm"]

DATA = Path(__file__).with_name("data") / "hold_clauses.yaml"
HOLD = "attendre"
K = 5
TEMPERATURE = 0.03
#: chosen on the dev stories (issue 19, batch 19): the later turns of the 752 dev stories (1017 messages) read at these
#: values as a hold in 17 of them: the five recaps held in so many words (083, 690, 730, 770, 810: 0.95–1.0), two calls
#: for a person before sending, and others said where the recap was not shown (« on attend la réponse de la DETR avant
#: de commander », « je vais en parler au conseil » after an answer); the caller reads a hold only at the recap and
#: only when nothing else of the message was understood, where a wrong one costs « rien n'est envoyé » instead of
#: « je n'ai pas compris » (the recap and its buttons follow either way)
MIN_SIMILARITY = 0.91
MIN_SHARE = 0.8
MAX_CHARS = 1500

_vectors: tuple[list[str], list[str], object] | None = None


def _get() -> tuple[list[str], list[str], object]:
    global _vectors
    if _vectors is None:
        from intents.labelled import load_labelled

        _vectors = load_labelled(DATA, "hold-clauses")
    return _vectors


def warm() -> None:
    """Load the labelled clauses' vectors now (at start; the convention of ``no_fit.warm``)."""
    _get()


def available() -> bool:
    try:
        return _get()[2] is not None
    except Exception:  # noqa: BLE001
        return False


def _units(text: str) -> list[str]:
    """The sentences of ``text`` and, when a sentence has several, its clauses."""
    from intents.clauses import SENTENCE_END, split_clauses

    out: list[str] = []
    for sentence in SENTENCE_END.split(text[:MAX_CHARS]):
        sentence = sentence.strip().rstrip(".!?…;").strip()
        if not re.search(r"\w", sentence):
            continue
        out.append(sentence)
        pieces = [c.text.strip() for c in split_clauses(sentence)]
        out += [p for p in pieces if len(pieces) > 1 and re.search(r"\w", p) and p not in out]
    return out


def read_units(text: object) -> list[tuple[str, str, float, float]]:
    """Each unit of ``text`` with its best label, that label's share and the best similarity (for measurement)."""
    if not isinstance(text, str) or not text.strip():
        return []
    texts, labels, vectors = _get()
    if vectors is None:
        return []
    from intents.distill import vote
    from intents.encoder import encode_query

    out: list[tuple[str, str, float, float]] = []
    for unit in _units(text):
        vec = encode_query(unit)
        if vec is None:
            return []
        shares, best = vote(vectors, labels, vec, K, TEMPERATURE)
        label, share = max(shares.items(), key=lambda p: p[1])
        out.append((unit, label, share, best))
    return out


def holds(text: object, min_similarity: float = MIN_SIMILARITY, min_share: float = MIN_SHARE) -> bool:
    """``text`` says to keep the request and not send it now (one of its units read « attendre » surely)."""
    try:
        return any(label == HOLD and share >= min_share and best >= min_similarity
                   for _, label, share, best in read_units(text))
    except Exception:  # noqa: BLE001
        log.exception("reading a hold failed")
        return False
